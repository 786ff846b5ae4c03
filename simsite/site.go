package simsite

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a simulated site. The zero value gives the defaults.
type Options struct {
	Seed       int64         // default 1
	Articles   int           // number of distinct articles initially published; default 300
	Columns    int           // number of columns (栏目); default 6, min 5, max 64
	CrawlDelay int           // robots.txt Crawl-delay in seconds; 0 writes none
	SlowDelay  time.Duration // delay of the few deliberately slow pages; 0 means 150ms, negative disables

	// Faults, when Rate > 0, makes that share of responses faulty; see Faults.
	Faults Faults

	// RedesignAfter, when > 0, serves the articles with a higher ID in a
	// redesigned skin that states no source; see redesign.go.
	RedesignAfter int

	// Layout is the URL scheme and page family of the site: "" (or
	// "classic") for the mix of CMSs described in doc.go, "rednet" for the
	// rednet CMS of www.hxw.gov.cn: /channel/ID.html columns, /content/…
	// articles and /topic/N/index.html topics; see rednet.go.
	Layout string

	// Addr is the address Start listens on; "" means 127.0.0.1 on a free
	// port. A fixed port gives the site the same URLs from run to run.
	Addr string
}

// Article is the ground truth of one article, as a perfect crawler and
// extractor would record it.
type Article struct {
	ID          int
	URLs        []string   // absolute URL of page 1 of each copy; 2 for an article published in two columns
	Columns     []string   // column name of each URL (parallel to URLs)
	Templates   []string   // article template of each URL (parallel to URLs): "rednet", "modern", "trs", "legacy", "hanweb", "detail", "gov", "vsb"
	PageURLs    [][]string // for each copy, all page URLs in order (page 1 first)
	Title       string
	Source      string    // "" when the page names no source
	Published   time.Time // Asia/Shanghai; the most precise time the page states (00:00 for date-only pages)
	Body        string    // paragraphs joined by "\n", headings as their own paragraphs, all pages in order
	Images      []string  // absolute URLs in body order (all pages)
	Attachments []string  // absolute URLs of attachment links in body order
	Author      string    // "" when absent
	Editor      string    // from the 责任编辑/编辑 line; "" when absent
	Encoding    string    // "utf-8" or "gbk", as served
	Version     int       // 1, or 2+ after Revise
}

// Site is a deterministic simulated 红星网. It holds a light index of its
// articles (a few bytes each) and renders every page on demand from the seed.
// All methods are safe for concurrent use.
type Site struct {
	seed       int64
	crawlDelay int
	slowDelay  time.Duration
	docBase    int
	cols       []*column
	colByDir   map[string]*column
	colByHW    map[int]*column
	transient  map[string]bool // request URIs that fail once with 503
	slow       map[string]bool // request URIs answered after slowDelay
	challenges []challenge
	ownHost    string       // host:port the site is served on; set by Server before serving
	faults     *faultState  // nil when Options.Faults.Rate is 0
	redesign   int          // Options.RedesignAfter
	rn         *rednetState // nil unless Options.Layout is "rednet"

	mu       sync.RWMutex
	arts     []artMeta // index id-1
	lastWork int       // work-minute of the newest article
	rounds   int       // Revise calls so far

	requests atomic.Int64
	stateMu  sync.Mutex
	failed   map[string]bool // transient URIs already failed
	fileHits map[string]int  // attachment path → requests
	viol     []string
	violN    int
}

// artMeta is all the site keeps per article; the rest is regenerated from
// (seed, id) when needed.
type artMeta struct {
	minute  int32 // minutes since epoch (2000-01-01 00:00 CST)
	col     uint8
	col2    uint8 // noCol when the article is in one column only
	pages   uint8
	version uint16
}

const noCol = 255

const maxViolations = 10000

// cst is the time zone of every time on the site.
var cst = time.FixedZone("CST", 8*3600)

var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, cst)

// Articles are published between 07:30 and 22:30: a "work minute" counts only
// those 900 minutes of each day, from 2019-01-01.
const (
	workPerDay = 900
	workStart  = 450 // 07:30
)

var firstDay = int32(time.Date(2019, 1, 1, 0, 0, 0, 0, cst).Sub(epoch) / time.Minute)

const initialDays = 2192 // 2019-01-01 .. 2024-12-31

func workToMinute(w int) int32 {
	return firstDay + int32(w/workPerDay)*1440 + int32(workStart+w%workPerDay)
}

func minuteTime(m int32) time.Time {
	return epoch.Add(time.Duration(m) * time.Minute)
}

// New builds a site. It is deterministic in opts and cheap: at 100,000
// articles it allocates about a megabyte of index. It panics if
// opts.Faults is invalid; Start returns the error instead.
func New(opts Options) *Site {
	if err := opts.Faults.validate(); err != nil {
		panic("simsite: " + err.Error())
	}
	if err := validLayout(opts.Layout); err != nil {
		panic("simsite: " + err.Error())
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Articles <= 0 {
		opts.Articles = 300
	}
	if opts.Columns == 0 {
		opts.Columns = 6
	}
	opts.Columns = max(5, min(opts.Columns, 64))
	if opts.SlowDelay == 0 {
		opts.SlowDelay = 150 * time.Millisecond
	}
	s := &Site{
		seed:       opts.Seed,
		crawlDelay: max(opts.CrawlDelay, 0),
		slowDelay:  opts.SlowDelay,
		docBase:    100000 + int(uint64(opts.Seed)%89)*1000,
		colByDir:   map[string]*column{},
		colByHW:    map[int]*column{},
		failed:     map[string]bool{},
		fileHits:   map[string]int{},
		redesign:   max(opts.RedesignAfter, 0),
	}
	s.faults = newFaultState(opts.Faults, opts.Seed)
	if opts.Layout == LayoutRednet {
		s.rn = &rednetState{byChannel: map[int]*column{}, byTopic: map[int]*column{}}
	}
	s.buildColumns(opts.Columns)
	n := opts.Articles
	s.arts = make([]artMeta, 0, n)
	total := initialDays * workPerDay
	step := float64(total) / float64(n)
	prev := -1
	for i := 1; i <= n; i++ {
		r := newRNG(s.seed, tagTimes, uint64(i))
		w := int(float64(i-1) * step)
		if j := int(step * 0.8); j > 1 {
			w += r.intn(j)
		}
		w = max(w, prev+1)
		prev = w
		s.appendArticle(i, w)
	}
	s.lastWork = prev
	s.buildSpecial()
	return s
}

// appendArticle adds article id, published at work-minute w, to the index
// and to its columns' lists. The caller holds mu or owns s.
func (s *Site) appendArticle(id, w int) {
	r := newRNG(s.seed, tagMeta, uint64(id))
	c := s.pickColumn(&r)
	m := artMeta{minute: workToMinute(w), col: uint8(c.idx), col2: noCol, pages: 1, version: 1}
	if r.chance(0.07) {
		m.pages = uint8(r.between(2, 4))
	}
	if r.chance(0.03) {
		var cands []*column
		for _, o := range s.cols {
			if o != c && o.gbk == c.gbk && !o.isTopic() && !c.isTopic() {
				cands = append(cands, o)
			}
		}
		if len(cands) > 0 {
			c2 := pick(&r, cands)
			m.col2 = uint8(c2.idx)
		}
	}
	s.arts = append(s.arts, m)
	c.items = append(c.items, uint32(id)<<1)
	if m.col2 != noCol {
		c2 := s.cols[m.col2]
		c2.items = append(c2.items, uint32(id)<<1|1)
	}
	if s.rn != nil {
		s.crossList(id, c)
	}
}

func (s *Site) pickColumn(r *rng) *column {
	var sum float64
	for _, c := range s.cols {
		sum += c.weight
	}
	x := float64(r.next()>>11) / (1 << 53) * sum
	for _, c := range s.cols {
		if x < c.weight {
			return c
		}
		x -= c.weight
	}
	return s.cols[len(s.cols)-1]
}

// Handler returns the handler serving the site.
func (s *Site) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// ColumnNames returns the names of the columns in navigation order, then
// those of the topics (专题) of the rednet layout, which are columns of
// their own.
func (s *Site) ColumnNames() []string {
	names := make([]string, len(s.cols))
	for i, c := range s.cols {
		names[i] = c.name
	}
	return names
}

// Len returns the number of articles published so far.
func (s *Site) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.arts)
}

// FileHits returns how many requests the attachment file at urlPath (a
// URL's path) has had.
func (s *Site) FileHits(urlPath string) int {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	return s.fileHits[urlPath]
}

// Requests returns the number of requests served.
func (s *Site) Requests() int { return int(s.requests.Load()) }

// Violations returns the requests a polite, in-scope crawler must never
// make: paths disallowed by robots.txt and requests addressed to another host
// name (such as localhost:PORT) than the one the site is served on. At most
// 10,000 are kept; a last entry tells how many more there were.
func (s *Site) Violations() []string {
	s.stateMu.Lock()
	defer s.stateMu.Unlock()
	v := slices.Clone(s.viol)
	if s.violN > len(s.viol) {
		v = append(v, strconv.Itoa(s.violN-len(s.viol))+" more violations not kept")
	}
	return v
}

// Publish publishes k new articles, newer than all others, on top of their
// columns' lists. The new articles are deterministic in the seed and in the
// number of articles published before.
func (s *Site) Publish(k int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range k {
		id := len(s.arts) + 1
		r := newRNG(s.seed, tagPublish, uint64(id))
		s.lastWork += r.between(20, 400)
		s.appendArticle(id, s.lastWork)
	}
}

// Revise applies a small deterministic correction (one sentence of the body
// replaced) to k distinct recent articles, at the same URLs, and returns
// their IDs in increasing order. It picks among the newest max(4k, 30)
// articles, as corrections follow publication closely.
func (s *Site) Revise(k int) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.arts)
	k = min(k, n)
	if k <= 0 {
		return nil
	}
	s.rounds++
	r := newRNG(s.seed, tagRevise, uint64(s.rounds))
	pool := min(n, max(4*k, 30))
	chosen := map[int]bool{}
	ids := make([]int, 0, k)
	for len(ids) < k {
		id := n - r.intn(pool)
		if chosen[id] {
			continue
		}
		chosen[id] = true
		ids = append(ids, id)
		s.arts[id-1].version++
	}
	slices.Sort(ids)
	return ids
}

// Truth returns the ground truth of every article in ID order, with absolute
// URLs under base (such as "http://127.0.0.1:8080").
func (s *Site) Truth(base string) []Article {
	s.mu.RLock()
	n := len(s.arts)
	s.mu.RUnlock()
	out := make([]Article, 0, n)
	for id := 1; id <= n; id++ {
		a, _ := s.Article(base, id)
		out = append(out, a)
	}
	return out
}

// Article returns the ground truth of one article, with absolute URLs under
// base, and reports whether it exists.
func (s *Site) Article(base string, id int) (Article, bool) {
	base = strings.TrimSuffix(base, "/")
	s.mu.RLock()
	if id < 1 || id > len(s.arts) {
		s.mu.RUnlock()
		return Article{}, false
	}
	m := s.arts[id-1]
	s.mu.RUnlock()
	p := s.plan(id, m)
	a := Article{
		ID:        id,
		Title:     p.title,
		Source:    p.source,
		Published: p.published(s),
		Author:    p.author,
		Editor:    p.editor,
		Encoding:  "utf-8",
		Version:   int(m.version),
	}
	if p.gbk {
		a.Encoding = "gbk"
	}
	for copy := 0; copy < m.copies(); copy++ {
		c := s.cols[m.colOf(copy)]
		a.URLs = append(a.URLs, base+s.articlePath(id, m, copy, 0))
		a.Columns = append(a.Columns, c.name)
		a.Templates = append(a.Templates, skinNames[s.skinOf(m, copy)])
		pages := make([]string, m.pages)
		for pg := range pages {
			pages[pg] = base + s.articlePath(id, m, copy, pg)
		}
		a.PageURLs = append(a.PageURLs, pages)
	}
	var body strings.Builder
	for _, it := range p.items {
		switch it.kind {
		case itemImage:
			a.Images = append(a.Images, base+it.asset)
			continue
		case itemAttach, itemAttachRow:
			if it.asset != "" { // not a table's header row
				a.Attachments = append(a.Attachments, base+it.asset)
			}
		}
		if body.Len() > 0 {
			body.WriteByte('\n')
		}
		body.WriteString(it.text())
	}
	a.Body = body.String()
	return a, true
}

func (m artMeta) copies() int {
	if m.col2 == noCol {
		return 1
	}
	return 2
}

func (m artMeta) colOf(copy int) int {
	if copy == 1 {
		return int(m.col2)
	}
	return int(m.col)
}

// meta returns the index entry of id and whether it exists.
func (s *Site) meta(id int) (artMeta, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if id < 1 || id > len(s.arts) {
		return artMeta{}, false
	}
	return s.arts[id-1], true
}

// ChallengePaths returns the paths of the anti-bot challenge pages linked
// from the home page. They are never articles; a crawler should report them.
func (s *Site) ChallengePaths() []string {
	out := make([]string, len(s.challenges))
	for i, c := range s.challenges {
		out[i] = c.path
	}
	return out
}

package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/canon"
	"github.com/hnredstar/crawler/extract"
)

// Errors reported by the crawler.
var (
	// ErrPrivateAddress is returned for a connection to a loopback,
	// private, link-local or metadata address while
	// Options.AllowPrivateNetworks is false.
	ErrPrivateAddress = errors.New("refusing to connect to a non-public address (set crawl.allow_private_networks: true to allow it)")
	// ErrTruncated is recorded for a response cut short or larger than
	// Options.MaxBodyBytes (compressed or not); such a page is never archived.
	ErrTruncated = errors.New("response body truncated or over crawl.max_body_bytes")
)

// Mode says how much of the site a run walks.
type Mode int

const (
	// Backfill walks every list page to its end and fetches every article,
	// known or not; unchanged articles leave the archive untouched. An
	// interrupted backfill resumes where it stopped.
	Backfill Mode = iota
	// Incremental is the scheduled run: it fetches the start pages and the
	// first page of each column, follows a list's pagination only while it
	// shows articles not yet archived, and fetches only those.
	Incremental
)

// String returns the mode's name as used in run history.
func (m Mode) String() string {
	if m == Incremental {
		return "crawl"
	}
	return "backfill"
}

// Options configure a run. Zero values take the defaults noted.
type Options struct {
	StartURLs      []string
	AllowedDomains []string
	UserAgent      string
	Delay          time.Duration // between requests to one host
	Parallelism    int           // concurrent requests per host; default 2
	Timeout        time.Duration // per request; default 30s
	MaxRetries     int           // retries of a transient failure
	MaxPages       int           // pages fetched per run; 0 = no limit
	MaxBodyBytes   int64         // default 10 MiB
	// AllowPrivateNetworks lets the crawler dial loopback and private
	// addresses (tests, the demo).
	AllowPrivateNetworks bool
	// blockAddr replaces isBlockedAddr in the dial guard (tests).
	blockAddr func(netip.Addr) bool
	// MaxQueryVariants caps how many query strings of one path are
	// followed from navigation links (calendar and search traps); default 10.
	MaxQueryVariants int
	// MaxURLLength skips longer URLs; default 1024.
	MaxURLLength int
	// MaxDepth caps how many navigation hops (links that are neither list
	// items nor pagination) lead away from a start or list page; default 5.
	MaxDepth int
	// MaxQueued caps the navigation links (the lowest priority) held in
	// memory; the others wait in the archive's frontier until the queues
	// drain, so that memory does not grow with the site. Default 10,000.
	MaxQueued int
	// RecheckDays makes an incremental run fetch again the archived
	// articles published in the last that many days, to catch corrections.
	RecheckDays int
	Mode        Mode
	Extractor   *extract.Extractor // default extract.New(extract.Options{})
	Logger      *slog.Logger       // default: discard
	Now         func() time.Time   // default time.Now
	// Progress, when set, is called after every page with the counts so far.
	Progress func(Result)
}

// Failure is one page that could not be fetched or used. It stays in the
// frontier and is tried again by the next run.
type Failure struct {
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"`
	Err    string `json:"error"`
}

// Result counts what a run did.
type Result struct {
	Requests      int64 // HTTP requests made, robots.txt and redirects included
	Bytes         int64 // response bytes received
	Pages         int   // pages fetched
	Articles      int   // articles handed to the archive
	Added         int
	Versioned     int
	Aliased       int
	Unchanged     int
	NotModified   int      // conditional requests answered 304
	Retries       int      // transient failures retried
	Skipped       int      // known URLs not fetched (incremental mode)
	Dead          int      // 404/410 links
	OutOfScope    int      // redirects outside the allowed domains, not followed
	RobotsBlocked int      // links robots.txt disallows, not fetched
	Resumed       int      // pending pages taken over from an interrupted run
	Challenges    []string // anti-bot challenge pages met; reported, never archived
	Failures      []Failure
}

// Run crawls the site described by opts into a and returns what it did.
// It stops early, with ctx's error, when ctx is cancelled; what was fetched
// by then is archived, and a backfill resumes from there next time.
func Run(ctx context.Context, a *archive.Archive, opts Options) (Result, error) {
	cr, err := newCrawler(ctx, a, opts)
	if err != nil {
		return Result{}, err
	}
	return cr.run(ctx)
}

// crawler is the state of one run.
type crawler struct {
	opts      Options
	arch      *archive.Archive
	ext       *extract.Extractor
	log       *slog.Logger
	coll      *colly.Collector
	transport *politeTransport
	robots    *robots
	allowed   map[string]bool
	frontier  string // name of the persisted frontier
	// ctx is the run's context, kept for Colly callbacks, which carry none.
	ctx context.Context

	mu      sync.Mutex
	wake    *sync.Cond
	queues  [3][]entry // by priority: article candidates, lists, the rest
	active  int        // entries being processed
	fetched int        // pages fetched, for MaxPages
	// spilled counts entries left in the persisted frontier only, because
	// the lowest-priority queue was full (Options.MaxQueued); refill
	// queues them once the queues drain. uncommitted counts the steps
	// handed to the writer and not yet committed, and retained the keys
	// of entries this run tried and left pending (failures), which refill
	// must not queue again.
	spilled     int
	uncommitted int
	retained    map[string]struct{}
	refills     int // times refill ran, for tests
	seen        *seenSet
	// followed maps the key of each page being fetched to the keys of the
	// pages its redirects reached and added to seen, so that a retry of
	// the fetch may follow the same redirects, and a fetch that fails
	// gives them back for other links to reach.
	followed map[string][]string
	// columns are the list pages reached by navigation (the columns'
	// first pages), by key, as every run so far found them; persisted
	// under columnsKey.
	columns  map[string]entry
	variants map[string]int
	res      Result
	steps    chan step
}

// step is what processing one frontier entry produced.
type step struct {
	done    *entry // finished (nil: the entry stays pending)
	update  *entry // stays pending with a new attempt count
	add     []entry
	article *archive.Article
}

const ctxSink = "sink"

func newCrawler(ctx context.Context, a *archive.Archive, opts Options) (*crawler, error) {
	if opts.Parallelism < 1 {
		opts.Parallelism = 2
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 10 << 20
	}
	if opts.MaxQueryVariants <= 0 {
		opts.MaxQueryVariants = 10
	}
	if opts.MaxURLLength <= 0 {
		opts.MaxURLLength = 1024
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = 5
	}
	if opts.MaxQueued <= 0 {
		opts.MaxQueued = 10000
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	ext := opts.Extractor
	if ext == nil {
		var err error
		if ext, err = extract.New(extract.Options{}); err != nil {
			return nil, err
		}
	}
	cr := &crawler{
		ctx:      ctx,
		opts:     opts,
		arch:     a,
		ext:      ext,
		log:      opts.Logger,
		allowed:  map[string]bool{},
		frontier: opts.Mode.String(),
		seen:     newSeenSet(),
		followed: map[string][]string{},
		columns:  map[string]entry{},
		retained: map[string]struct{}{},
		variants: map[string]int{},
		steps:    make(chan step, 64),
	}
	cr.wake = sync.NewCond(&cr.mu)
	for _, d := range opts.AllowedDomains {
		cr.allowed[strings.ToLower(d)] = true
	}
	cr.transport = newTransport(opts)
	cr.robots = newRobots(&http.Client{
		Transport:     cr.transport, // which applies the timeout
		CheckRedirect: func(req *http.Request, via []*http.Request) error { return cr.inScope(req, via) },
	}, opts.UserAgent, opts.MaxRetries)
	cr.coll = newCollector(ctx, opts, cr.transport, cr.checkRedirect)
	return cr, nil
}

// newCollector sets up Colly as the run's fetcher: synchronous (the
// crawler runs its own bounded worker pool over a persisted frontier),
// every setting explicit so COLLY_* environment variables change nothing,
// and responses handed back through the request's context.
func newCollector(ctx context.Context, opts Options, rt http.RoundTripper, redirect func(*http.Request, []*http.Request) error) *colly.Collector {
	c := colly.NewCollector(colly.StdlibContext(ctx))
	c.UserAgent = opts.UserAgent
	c.MaxBodySize = int(opts.MaxBodyBytes) + 1 // one byte over the limit tells a hit
	c.IgnoreRobotsTxt = true                   // applied by the crawler, with Crawl-delay and on redirects
	c.AllowURLRevisit = true                   // the crawler keeps its own canonical seen-set
	c.DetectCharset = false                    // extract.Decode decides; raw bytes stay as served
	c.ParseHTTPErrorResponse = false
	c.Async = false
	c.CacheDir = ""
	c.MaxDepth = 0
	c.MaxRequests = 0
	c.AllowedDomains = append([]string(nil), opts.AllowedDomains...)
	c.URLFilters, c.DisallowedURLFilters, c.DisallowedDomains = nil, nil, nil
	c.WithTransport(rt)
	c.SetRequestTimeout(0) // the transport times each request once it holds its slot
	c.SetRedirectHandler(redirect)
	c.OnResponseHeaders(func(r *colly.Response) {
		// Colly would re-encode a body whose Content-Type names a charset;
		// hide the parameter so the archive keeps the bytes as served.
		if s, ok := r.Ctx.GetAny(ctxSink).(*fetchResult); ok {
			s.contentType = r.Headers.Get("Content-Type")
			if mt, _, found := strings.Cut(s.contentType, ";"); found {
				r.Headers.Set("Content-Type", strings.TrimSpace(mt))
			}
		}
	})
	restore := func(r *colly.Response) *fetchResult {
		s, _ := r.Ctx.GetAny(ctxSink).(*fetchResult)
		if s != nil && s.contentType != "" && r.Headers != nil {
			r.Headers.Set("Content-Type", s.contentType)
		}
		return s
	}
	c.OnResponse(func(r *colly.Response) {
		if s := restore(r); s != nil {
			s.resp = r
		}
	})
	c.OnError(func(r *colly.Response, err error) {
		if s := restore(r); s != nil {
			s.resp, s.err = r, err
		}
	})
	return c
}

// inScope refuses a redirect that leaves the allowed domains or http(s),
// or goes on for too long.
func (cr *crawler) inScope(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if (req.URL.Scheme != "http" && req.URL.Scheme != "https") || !cr.allowed[strings.ToLower(req.URL.Hostname())] {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), colly.ErrForbiddenDomain)
	}
	return nil
}

// checkRedirect applies scope and robots.txt to every redirect hop, and
// stops a redirect to a page this run already has.
func (cr *crawler) checkRedirect(req *http.Request, via []*http.Request) error {
	if err := cr.inScope(req, via); err != nil {
		return err
	}
	ok, err := cr.robots.allowed(req.Context(), req.URL)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), colly.ErrRobotsTxtBlocked)
	}
	key, err := canon.URL(req.URL.String())
	if err != nil {
		return err
	}
	origin, _ := canon.URL(via[0].URL.String())
	cr.mu.Lock()
	fresh := cr.seen.add(key)
	switch {
	case fresh:
		cr.followed[origin] = append(cr.followed[origin], key)
	case slices.Contains(cr.followed[origin], key):
		fresh = true // a retry following the redirect an earlier attempt did
	}
	cr.mu.Unlock()
	if !fresh || (cr.opts.Mode == Incremental && cr.isKnown(key)) {
		return errRedirectSeen
	}
	return nil
}

// errRedirectSeen stops a redirect to a page the run already has.
var errRedirectSeen = errors.New("redirect to a page already seen")

// backfillMarker is the state key present while a backfill is unfinished.
const backfillMarker = "backfill.running"

func (cr *crawler) run(ctx context.Context) (Result, error) {
	if err := cr.setLimits(ctx); err != nil {
		return Result{}, err
	}
	if err := cr.loadFrontier(); err != nil {
		return Result{}, err
	}

	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		cr.writeSteps(ctx)
	}()
	stopWaking := context.AfterFunc(ctx, func() {
		cr.mu.Lock()
		cr.wake.Broadcast()
		cr.mu.Unlock()
	})
	defer stopWaking()

	var workers sync.WaitGroup
	for range cr.workers() {
		workers.Add(1)
		go func() {
			defer workers.Done()
			cr.work()
		}()
	}
	workers.Wait()
	close(cr.steps)
	writer.Wait()

	cr.mu.Lock()
	res := cr.res
	capped := cr.opts.MaxPages > 0 && cr.fetched >= cr.opts.MaxPages
	cr.mu.Unlock()
	res.Requests = cr.transport.requests.Load()
	res.Bytes = cr.transport.bytes.Load()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if cr.opts.Mode == Backfill && !capped {
		if err := cr.arch.PutState(backfillMarker, nil); err != nil {
			return res, err
		}
	}
	return res, nil
}

// workers is the size of the worker pool: enough to keep every host slot
// busy while other workers parse and extract.
func (cr *crawler) workers() int {
	return max(2, cr.opts.Parallelism*2)
}

// setLimits raises the per-host delay to the Crawl-delay of the start
// hosts' robots.txt where it asks for more.
func (cr *crawler) setLimits(ctx context.Context) error {
	delay := cr.opts.Delay
	for _, raw := range cr.opts.StartURLs {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		d, err := cr.robots.crawlDelay(ctx, u)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue // reported when the start URL is tried
		}
		if d > delay {
			cr.log.Info("robots.txt asks for a longer delay; obeying", "host", u.Host, "crawl_delay", d)
			delay = d
		}
	}
	cr.transport.setDelay(delay)
	return nil
}

// loadFrontier fills the queues: an interrupted backfill resumes from its
// persisted frontier; otherwise the run starts from the start URLs, plus
// whatever earlier runs left pending (their failures).
func (cr *crawler) loadFrontier() error {
	resume := false
	if cr.opts.Mode == Backfill {
		marker, err := cr.arch.State(backfillMarker)
		if err != nil {
			return err
		}
		resume = marker != nil
		if !resume {
			if err := cr.arch.ResetFrontier(cr.frontier, false); err != nil {
				return err
			}
			if err := cr.arch.PutState(backfillMarker, []byte(cr.opts.Now().UTC().Format(time.RFC3339))); err != nil {
				return err
			}
		}
	}
	if err := cr.loadColumns(); err != nil {
		return err
	}
	var pending []entry
	err := cr.arch.LoadFrontier(cr.frontier, func(fe archive.FrontierEntry, done bool) error {
		e, err := decodeEntry(fe.Key, fe.Value)
		if err != nil {
			return nil // an unreadable entry is rediscovered by the walk
		}
		if done {
			if resume {
				cr.seen.add(fe.Key)
			}
			return nil
		}
		pending = append(pending, e)
		return nil
	})
	if err != nil {
		return err
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	for _, e := range pending {
		key, err := canon.URL(e.URL)
		if err != nil {
			continue
		}
		cr.seen.add(key)
		cr.push(e)
	}
	if resume {
		cr.res.Resumed = len(pending)
		cr.log.Info("resuming an interrupted backfill", "pending", len(pending), "done", cr.seen.len()-len(pending))
	}
	if !resume || len(pending) == 0 {
		for _, u := range cr.opts.StartURLs {
			cr.acceptLocked(entry{URL: u, Via: viaStart})
		}
	}
	return nil
}

// work takes entries until the frontier is exhausted or the run stops.
func (cr *crawler) work() {
	for {
		e, ok := cr.next()
		if !ok {
			return
		}
		s, ok := cr.process(e)
		if ok {
			if s.done != nil {
				cr.log.Debug("page done", "url", redact(e.URL), "found", s.done.Found, "new_links", len(s.add))
			}
			cr.mu.Lock()
			cr.uncommitted++
			if s.done == nil {
				cr.retain(e.URL)
			}
			cr.mu.Unlock()
			cr.steps <- s
		}
		cr.mu.Lock()
		cr.active--
		cr.wake.Broadcast()
		cr.mu.Unlock()
		cr.progress()
	}
}

// next blocks until an entry is available and returns it, or reports
// false when nothing is left to do or the run is stopping.
func (cr *crawler) next() (entry, bool) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	for {
		if cr.ctx.Err() != nil {
			return entry{}, false
		}
		if cr.opts.MaxPages > 0 && cr.fetched >= cr.opts.MaxPages {
			return entry{}, false
		}
		for p := range cr.queues {
			if q := cr.queues[p]; len(q) > 0 {
				e := q[0]
				q[0] = entry{}
				cr.queues[p] = q[1:]
				cr.active++
				cr.fetched++
				return e, true
			}
		}
		switch {
		case cr.active > 0 || cr.uncommitted > 0 && cr.spilled > 0:
			cr.wake.Wait() // for new entries, or for the writer to commit the spilled ones
		case cr.spilled > 0:
			if err := cr.refill(); err != nil {
				cr.log.Error("cannot read the frontier back from the archive; the next run takes it up", "err", err)
				return entry{}, false
			}
		default:
			return entry{}, false
		}
	}
}

// push queues e by priority, unless it is a navigation link and that queue
// is full: e then waits in the persisted frontier (see refill). cr.mu is
// held.
func (cr *crawler) push(e entry) {
	p := 2
	switch e.Via {
	case viaItem:
		p = 0
	case viaPagination, viaStart:
		p = 1
	}
	if p == 2 && len(cr.queues[p]) >= cr.opts.MaxQueued {
		cr.spilled++
		return
	}
	cr.queues[p] = append(cr.queues[p], e)
	cr.wake.Signal()
}

// refill queues the entries push left in the persisted frontier, as many
// as the queues take. It runs when the queues are empty, no entry is being
// processed and every step is committed, so that the frontier's pending
// entries are exactly the spilled ones and this run's failures. cr.mu is
// held.
func (cr *crawler) refill() error {
	cr.spilled = 0
	cr.refills++
	return cr.arch.ForEachPending(cr.frontier, func(fe archive.FrontierEntry) bool {
		if _, ok := cr.retained[fe.Key]; ok {
			return true
		}
		e, err := decodeEntry(fe.Key, fe.Value)
		if err != nil {
			cr.retained[fe.Key] = struct{}{} // unreadable: left for the next run
			return true
		}
		cr.push(e)
		return cr.spilled == 0
	})
}

// retain records that the entry for rawURL stays pending after this run
// tried it. cr.mu is held.
func (cr *crawler) retain(rawURL string) {
	if key, err := canon.URL(rawURL); err == nil {
		cr.retained[key] = struct{}{}
	}
}

// accept queues the candidates that are in scope, not traps and not seen
// yet, and returns them for persisting.
func (cr *crawler) accept(cands []entry) []entry {
	var out []entry
	for _, e := range cands {
		if cr.ctx.Err() != nil {
			return out
		}
		cr.mu.Lock()
		ok := cr.acceptLocked(e)
		cr.mu.Unlock()
		if ok {
			out = append(out, e)
		}
	}
	return out
}

func (cr *crawler) acceptLocked(e entry) bool {
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return false
	}
	if !cr.allowed[strings.ToLower(u.Hostname())] || len(e.URL) > cr.opts.MaxURLLength || skippedExt(u.Path) {
		return false
	}
	if e.Via == viaLink && e.Depth > cr.opts.MaxDepth {
		return false
	}
	key, err := canon.URL(e.URL)
	if err != nil {
		return false
	}
	if cr.seen.has(key) {
		return false
	}
	if e.Via == viaLink && u.RawQuery != "" {
		if cr.opts.Mode == Incremental {
			return false // query variants of pages (calendars, searches) hold no new articles
		}
		p := u.Host + u.Path
		if cr.variants[p] >= cr.opts.MaxQueryVariants {
			return false
		}
		cr.variants[p]++
	}
	cr.seen.add(key)
	if cr.opts.Mode == Incremental {
		// Start pages are always fetched; other pages only when new or
		// worth a look (see knownLocked), conditionally when known.
		skip, known := cr.knownLocked(key)
		if skip && e.Via != viaStart {
			cr.res.Skipped++
			return false
		}
		e.ETag, e.LastModified = known.ETag, known.LastModified
	}
	// The page is fetched at the address the site gave (canonical forms
	// such as /col/ for /col/index.html need not be served); only the
	// fragment goes.
	u.Fragment, u.RawFragment = "", ""
	e.URL = u.String()
	cr.push(e)
	return true
}

// recheck reports whether an archived article was published recently
// enough to be fetched again (Options.RecheckDays).
func (cr *crawler) recheck(key string) bool {
	if cr.opts.RecheckDays <= 0 {
		return false
	}
	rec, err := cr.arch.Lookup(key)
	if err != nil || rec.Published.IsZero() {
		return false
	}
	return rec.Published.After(cr.opts.Now().AddDate(0, 0, -cr.opts.RecheckDays))
}

// isKnown reports whether an incremental run can skip key.
func (cr *crawler) isKnown(key string) bool {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	skip, _ := cr.knownLocked(key)
	return skip
}

// knownLocked reports whether an incremental run can skip key: an archived
// article (unless it is due for a recheck), or a page earlier runs found to
// be something other than a list. Lists are fetched again: a column's first
// page is where new articles appear, and its pagination is only queued by a
// page showing new ones. For a page not skipped it also returns what
// earlier runs learnt of it, for a conditional request. cr.mu is held.
func (cr *crawler) knownLocked(key string) (bool, entry) {
	if archived, err := cr.arch.Has(key); err == nil && archived {
		if !cr.recheck(key) {
			return true, entry{}
		}
		k, _ := cr.knownEntry(key)
		return false, k
	}
	k, ok := cr.knownEntry(key)
	return ok && k.Found != foundList && k.Found != foundFailed, k
}

// process fetches one entry and turns what it found into a step. It
// reports false when the run stopped mid-way: the entry stays pending.
func (cr *crawler) process(e entry) (step, bool) {
	key, _ := canon.URL(e.URL)
	e.Key = key
	resp, err := cr.fetchEntry(e)
	if cr.ctx.Err() != nil {
		return step{}, false
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	finish := func(found string) step {
		e.Found, e.Tries, e.Err = found, 0, ""
		return step{done: &e}
	}
	switch {
	case status == http.StatusNotModified:
		cr.count(func(r *Result) { r.NotModified++ })
		s := finish(foundList)
		if e.Via == viaStart {
			// An unchanged start page says nothing of the columns behind it:
			// visit the ones earlier runs found there.
			s.add = cr.accept(cr.knownColumns())
		}
		return s, true
	case status == http.StatusNotFound || status == http.StatusGone:
		cr.count(func(r *Result) { r.Dead++ })
		return finish(foundDead), true
	case errors.Is(err, errRedirectSeen):
		return finish(foundRedirect), true
	case errors.Is(err, colly.ErrForbiddenDomain):
		cr.count(func(r *Result) { r.OutOfScope++ })
		return finish(foundOther), true
	case errors.Is(err, colly.ErrRobotsTxtBlocked):
		cr.count(func(r *Result) { r.RobotsBlocked++ })
		return finish(foundOther), true
	case status >= 400 && resp != nil && cr.isChallenge(resp):
		cr.challenge(e.URL, status)
		return finish(foundChallenge), true
	case err != nil:
		cr.fail(e.URL, status, err)
		e.Found, e.Tries, e.Err = foundFailed, e.Tries+1, err.Error()
		return step{update: &e}, true
	}
	cr.count(func(r *Result) { r.Pages++ })
	e.ETag, e.LastModified = resp.Headers.Get("ETag"), resp.Headers.Get("Last-Modified")
	return cr.use(e, resp), true
}

// use reads a fetched page and decides what follows from it.
func (cr *crawler) use(e entry, resp *colly.Response) step {
	pageURL := resp.Request.URL.String()
	e.Tries, e.Err = 0, ""
	if !isMarkup(resp.Headers.Get("Content-Type")) {
		e.Found = foundOther
		return step{done: &e}
	}
	page, err := extract.Parse(resp.Body, resp.Headers.Get("Content-Type"), pageURL)
	if err != nil {
		cr.fail(pageURL, resp.StatusCode, fmt.Errorf("parse: %w", err))
		e.Found = foundOther
		return step{done: &e}
	}
	links := cr.ext.Links(page)
	s := step{done: &e}
	var cands []entry
	nav := func(urls []string) {
		for _, u := range urls {
			if cr.opts.Mode == Incremental && looksLikeArticle(u) {
				// New articles appear in the column lists; an article link
				// elsewhere (往期回顾, old addresses) leads to a known page.
				cr.count(func(r *Result) { r.Skipped++ })
				continue
			}
			cands = append(cands, entry{URL: u, Via: viaLink, Depth: e.Depth + 1})
		}
	}
	switch links.Kind {
	case extract.Challenge:
		cr.challenge(pageURL, resp.StatusCode)
		e.Found = foundChallenge
		return s
	case extract.List:
		e.Found = foundList
		column := links.Column
		if column == "" || e.Via == viaStart {
			column = e.Column
		}
		lastFresh := false
		for _, u := range links.Articles {
			cands = append(cands, entry{URL: u, Via: viaItem, Column: column})
			lastFresh = cr.opts.Mode == Incremental && cr.isNew(u)
		}
		switch {
		case cr.opts.Mode == Backfill:
			for _, u := range links.Pagination {
				cands = append(cands, entry{URL: u, Via: viaPagination, Column: column})
			}
		case lastFresh:
			// Lists are newest first: only when even the oldest item here is
			// new can the next page hold new articles. Take just that page.
			if u, ok := cr.firstUnseen(links.Pagination); ok {
				cands = append(cands, entry{URL: u, Via: viaPagination, Column: column})
			}
		}
		if cr.opts.Mode == Backfill || e.Via == viaStart {
			nav(links.Other)
		}
	case extract.ArticlePage:
		e.Found = foundArticle
		if base, ok := continuationOf(pageURL, links); ok {
			cands = append(cands, entry{URL: base, Via: viaItem, Column: e.Column})
			break
		}
		art, err := cr.article(resp, page, links, e.Column)
		if err != nil {
			cr.fail(pageURL, resp.StatusCode, err)
			e.Found, e.Tries, e.Err = foundFailed, e.Tries+1, err.Error()
			return step{update: &e}
		}
		if art != nil {
			s.article = art
		}
		if cr.opts.Mode == Backfill {
			nav(links.Other)
		}
	default:
		e.Found = foundOther
		// A cron run looks for new columns from the start pages only;
		// related-article and navigation links elsewhere lead to old pages.
		if cr.opts.Mode == Backfill || e.Via == viaStart {
			nav(links.Other)
		}
	}
	s.add = cr.accept(cands)
	return s
}

// knownColumns returns the list pages earlier runs reached by navigation:
// the columns' first pages.
func (cr *crawler) knownColumns() []entry {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	roots := make([]entry, 0, len(cr.columns))
	for _, k := range cr.columns {
		roots = append(roots, entry{URL: k.URL, Via: viaLink, Column: k.Column})
	}
	slices.SortFunc(roots, func(a, b entry) int { return strings.Compare(a.URL, b.URL) })
	return roots
}

// firstUnseen returns the first of urls this run has not queued yet.
func (cr *crawler) firstUnseen(urls []string) (string, bool) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	for _, u := range urls {
		key, err := canon.URL(u)
		if err != nil {
			continue
		}
		if !cr.seen.has(key) {
			return u, true
		}
	}
	return "", false
}

// isNew reports whether an incremental run would fetch the article at u.
func (cr *crawler) isNew(u string) bool {
	key, err := canon.URL(u)
	return err == nil && !cr.isKnown(key)
}

// articleURL matches the addresses government CMSs give articles: a dated
// directory (/2024/01/29/, /202401/, /2024-01/29/), a TRS t20240129_ name, or a long
// number as the file name.
var articleURL = regexp.MustCompile(`/(19|20)\d{2}([-/]?[01]\d)([-/]?[0-3]\d)?/|/t(19|20)\d{6}_\d+|/(art_\d+_)?\d{5,}(_\d+)?\.s?html?$`)

// looksLikeArticle reports whether u has the shape of an article address.
func looksLikeArticle(u string) bool {
	if p, err := url.Parse(u); err == nil {
		return articleURL.MatchString(p.Path)
	}
	return false
}

var pageSuffix = regexp.MustCompile(`^(.+)_(\d{1,3})(\.s?html?)$`)

// continuationOf reports whether pageURL is page 2 or later of a
// multi-page article whose first page its pager links to, and returns
// that first page.
func continuationOf(pageURL string, links extract.Links) (string, bool) {
	m := pageSuffix.FindStringSubmatch(pageURL)
	if m == nil {
		return "", false
	}
	base := m[1] + m[3]
	for _, list := range [][]string{links.ArticlePages, links.Other} {
		for _, u := range list {
			if u == base {
				return base, true
			}
		}
	}
	return "", false
}

// article extracts the article on resp, fetching and stitching its other
// pages. It returns nil, nil for a page that holds no article after all.
func (cr *crawler) article(resp *colly.Response, page *extract.Page, links extract.Links, column string) (*archive.Article, error) {
	pageURL := resp.Request.URL.String()
	first, err := cr.ext.Article(page)
	if errors.Is(err, extract.ErrNoArticle) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	now := cr.opts.Now()
	raw := []archive.RawPage{rawPage(resp, now)}
	parts := []extract.Article{first}
	for _, u := range links.ArticlePages {
		if u == pageURL {
			continue
		}
		if key, err := canon.URL(u); err == nil {
			cr.mu.Lock()
			cr.seen.add(key)
			cr.mu.Unlock()
		}
		presp, err := cr.fetch(u, nil)
		if err != nil {
			// An article with a missing page is not archived: it is
			// retried whole.
			return nil, fmt.Errorf("page %s of the article: %w", u, err)
		}
		p, err := extract.Parse(presp.Body, presp.Headers.Get("Content-Type"), u)
		if err != nil {
			return nil, fmt.Errorf("parse page %s of the article: %w", u, err)
		}
		part, err := cr.ext.Article(p)
		if err != nil {
			return nil, fmt.Errorf("extract page %s of the article: %w", u, err)
		}
		parts = append(parts, part)
		raw = append(raw, rawPage(presp, now))
	}
	art := extract.Stitch(parts...)
	if art.Column == "" {
		art.Column = column
	}
	cr.count(func(r *Result) { r.Articles++ })
	a := ArchiveArticle(pageURL, art)
	a.FetchedAt, a.Pages = now, raw
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	return a, nil
}

// ArchiveArticle returns the archive's form of art, extracted from the
// page at pageURL; FetchedAt and Pages are the caller's to set.
func ArchiveArticle(pageURL string, art extract.Article) *archive.Article {
	return &archive.Article{
		URL:         pageURL,
		Title:       art.Title,
		Source:      art.Source,
		Published:   art.Published,
		Body:        art.Body,
		Column:      art.Column,
		Images:      art.Images,
		Attachments: art.Attachments,
		Author:      art.Author,
		Editor:      art.Editor,
	}
}

type fetchResult struct {
	contentType string
	resp        *colly.Response
	err         error
}

// fetchEntry fetches an entry's page, conditionally when an earlier run
// saw validators for it.
func (cr *crawler) fetchEntry(e entry) (*colly.Response, error) {
	var hdr http.Header
	// Rechecking recent articles needs the lists' items, so lists are then
	// fetched whole.
	if cr.opts.Mode == Incremental && cr.opts.RecheckDays == 0 && (e.ETag != "" || e.LastModified != "") {
		hdr = http.Header{}
		if e.ETag != "" {
			hdr.Set("If-None-Match", e.ETag)
		}
		if e.LastModified != "" {
			hdr.Set("If-Modified-Since", e.LastModified)
		}
	}
	return cr.fetch(e.URL, hdr)
}

// fetch gets one page through the politeness limits, after robots.txt,
// retrying transient failures with exponential backoff and jitter. A
// response is returned with the error for statuses the caller may read
// (304, 404, challenge pages).
func (cr *crawler) fetch(rawURL string, hdr http.Header) (_ *colly.Response, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if ok, err := cr.robots.allowed(cr.ctx, u); err != nil {
		return nil, err
	} else if !ok {
		return nil, colly.ErrRobotsTxtBlocked
	}
	if key, kerr := canon.URL(rawURL); kerr == nil {
		defer func() {
			cr.mu.Lock()
			if err != nil {
				// Nothing was fetched from the pages the redirects reached.
				for _, target := range cr.followed[key] {
					cr.seen.remove(target)
				}
			}
			delete(cr.followed, key)
			cr.mu.Unlock()
		}()
	}
	var wait time.Duration
	for attempt := 0; ; attempt++ {
		if err := sleepCtx(cr.ctx, wait); err != nil {
			return nil, err
		}
		sink := &fetchResult{}
		ctx := colly.NewContext()
		ctx.Put(ctxSink, sink)
		h := http.Header{}
		for k, v := range hdr {
			h[k] = v
		}
		h.Set("User-Agent", cr.opts.UserAgent)
		err := cr.coll.Request(http.MethodGet, rawURL, nil, ctx, h)
		if sink.err != nil {
			err = sink.err
		}
		resp := sink.resp
		if err == nil && resp != nil && int64(len(resp.Body)) > cr.opts.MaxBodyBytes {
			err = ErrTruncated
		}
		if err == nil && resp != nil {
			return resp, nil
		}
		if err == nil {
			err = errors.New("no response")
		}
		if !retryable(resp, err) || attempt >= cr.opts.MaxRetries || cr.ctx.Err() != nil {
			return resp, err
		}
		cr.count(func(r *Result) { r.Retries++ })
		cr.log.Debug("retrying", "url", rawURL, "attempt", attempt+1, "err", err)
		ra := time.Duration(0)
		if resp != nil && resp.Headers != nil {
			ra = parseRetryAfter(resp.Headers.Get("Retry-After"), cr.opts.Now())
		}
		wait = max(backoff(attempt+1), ra)
	}
}

func (cr *crawler) isChallenge(r *colly.Response) bool {
	if len(r.Body) == 0 {
		return false
	}
	page, err := extract.Parse(r.Body, r.Headers.Get("Content-Type"), r.Request.URL.String())
	return err == nil && cr.ext.Links(page).Kind == extract.Challenge
}

// retryable reports whether a failure may pass: timeouts, resets,
// truncated bodies, 429 and 5xx.
func retryable(r *colly.Response, err error) bool {
	for _, final := range []error{ErrPrivateAddress, colly.ErrForbiddenDomain, colly.ErrRobotsTxtBlocked, errRedirectSeen, context.Canceled} {
		if errors.Is(err, final) {
			return false
		}
	}
	if errors.Is(err, ErrTruncated) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	if r != nil && r.StatusCode != 0 {
		return r.StatusCode == http.StatusTooManyRequests || r.StatusCode >= 500
	}
	return err != nil
}

// backoff is exponential with jitter: about 0.5s, 1s, 2s … capped at 30s.
func backoff(attempt int) time.Duration {
	d := 250 * time.Millisecond << min(attempt, 7)
	d = min(d, 30*time.Second)
	return d/2 + rand.N(d/2+1)
}

func (cr *crawler) challenge(pageURL string, status int) {
	cr.log.Warn("anti-bot challenge page; not archived", "url", pageURL, "status", status)
	cr.count(func(r *Result) { r.Challenges = append(r.Challenges, pageURL) })
}

func (cr *crawler) fail(pageURL string, status int, err error) {
	cr.log.Warn("page failed", "url", redact(pageURL), "status", status, "err", err)
	cr.count(func(r *Result) {
		r.Failures = append(r.Failures, Failure{URL: redact(pageURL), Status: status, Err: err.Error()})
	})
}

// redact hides credentials in a URL before it is logged or stored.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

func (cr *crawler) count(f func(*Result)) {
	cr.mu.Lock()
	f(&cr.res)
	cr.mu.Unlock()
}

func (cr *crawler) progress() {
	if cr.opts.Progress == nil {
		return
	}
	cr.mu.Lock()
	res := cr.res
	cr.mu.Unlock()
	res.Requests = cr.transport.requests.Load()
	res.Bytes = cr.transport.bytes.Load()
	cr.opts.Progress(res)
}

// Group commit: the writer gathers steps for up to commitDelay, or until
// it has commitSteps, and writes them in one transaction. Each transaction
// rewrites the pages it touches and waits for the disk, so a few large
// ones cost far less than many small ones; a crash loses at most the
// steps gathered, which the resumed run fetches again.
const (
	commitDelay = 50 * time.Millisecond
	commitSteps = 128
)

// writeSteps stores the steps in batches (see commitDelay): one
// transaction per batch keeps ingest fast, and each article with its
// frontier entry is still all-or-nothing.
func (cr *crawler) writeSteps(ctx context.Context) {
	var batch []step
	flush := func() {
		if len(batch) == 0 {
			return
		}
		// A batch is written even after cancellation: it was fetched whole.
		wctx := context.WithoutCancel(ctx)
		columns := cr.noteColumns(batch)
		as := toArchiveStep(batch)
		as.State = columns
		outcomes, err := cr.arch.Commit(wctx, cr.frontier, as)
		if err != nil {
			// One bad article must not sink the others: commit one by one.
			outcomes = nil
			for _, s := range batch {
				as := toArchiveStep([]step{s})
				as.State = columns
				o, err := cr.arch.Commit(wctx, cr.frontier, as)
				if err != nil {
					u := ""
					if s.done != nil {
						u = s.done.URL
						cr.mu.Lock()
						cr.retain(u)
						cr.mu.Unlock()
					}
					cr.fail(u, 0, fmt.Errorf("archive: %w", err))
					continue
				}
				outcomes = append(outcomes, o...)
			}
		}
		cr.count(func(r *Result) {
			for _, o := range outcomes {
				switch o {
				case archive.Added:
					r.Added++
				case archive.Versioned:
					r.Versioned++
				case archive.Aliased:
					r.Aliased++
				case archive.Unchanged:
					r.Unchanged++
				}
			}
		})
		cr.mu.Lock()
		cr.uncommitted -= len(batch)
		if cr.uncommitted == 0 {
			cr.wake.Broadcast()
		}
		cr.mu.Unlock()
		batch = batch[:0]
	}
	for s := range cr.steps {
		batch = append(batch, s)
		wait := time.NewTimer(commitDelay)
	collect: // gather steps for a while, then write them in one transaction
		for len(batch) < commitSteps {
			select {
			case more, ok := <-cr.steps:
				if !ok {
					break collect
				}
				batch = append(batch, more)
			case <-wait.C:
				break collect
			}
		}
		wait.Stop()
		flush()
	}
	flush()
}

func toArchiveStep(batch []step) archive.Step {
	var as archive.Step
	for _, s := range batch {
		if s.article != nil {
			as.Articles = append(as.Articles, *s.article)
		}
		if s.done != nil {
			as.Done = append(as.Done, archive.FrontierEntry{Key: s.done.Key, Value: s.done.encode(s.done.Key)})
		}
		if s.update != nil {
			as.Update = append(as.Update, archive.FrontierEntry{Key: s.update.Key, Value: s.update.encode(s.update.Key)})
		}
		for _, e := range s.add {
			key, err := canon.URL(e.URL)
			if err != nil {
				continue
			}
			as.Add = append(as.Add, archive.FrontierEntry{Key: key, Value: e.encode(key)})
		}
	}
	return as
}

func rawPage(r *colly.Response, at time.Time) archive.RawPage {
	return archive.RawPage{
		URL:       r.Request.URL.String(),
		Status:    r.StatusCode,
		Header:    r.Headers.Clone(),
		Body:      r.Body,
		FetchedAt: at,
	}
}

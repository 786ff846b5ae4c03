package crawl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
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
	// StartURLs are where the walk starts. Start URLs that name one page
	// under several of the site's names are tried in order until one
	// answers: a name that does not resolve or refuses is logged and the
	// next is used, and the page fails only if every name fails.
	StartURLs []string
	// AllowedDomains are host names (no port) whose pages are crawled
	// besides the site's names (Hosts).
	AllowedDomains []string
	// Hosts are the names the site is served under (canon.Options.Hosts;
	// with a port when not the default). A page reached under any of them
	// is one page: one key in the seen-set and the frontier, one record,
	// recorded under Canonical. Redirects between them are followed;
	// each name's robots.txt governs the fetches from it; they share one
	// politeness limit. Records an archive holds under another of the
	// names (made before they were configured) are found and kept under
	// their own URLs and IDs.
	Hosts []string
	// Canonical is the origin ("https://www.hxw.gov.cn") the site's pages
	// are recorded under (canon.Options.Canonical); required with Hosts.
	Canonical string
	// ResourceHosts serve the site's images and attachments
	// (img.hxw.gov.cn): an article's links to them are recorded, but they
	// are never crawled, and links to pages on them are not followed.
	ResourceHosts []string
	UserAgent     string
	Delay         time.Duration // between requests to one host
	Parallelism   int           // concurrent requests per host; default 2
	Timeout       time.Duration // per request; default 30s
	MaxRetries    int           // retries of a transient failure
	MaxPages      int           // pages fetched per run; 0 = no limit
	MaxBodyBytes  int64         // default 10 MiB
	// AllowPrivateNetworks lets the crawler dial loopback and private
	// addresses (tests, the demo).
	AllowPrivateNetworks bool
	// CAFile is a PEM file of root certificates trusted besides the
	// system's (crawl.ca_file).
	CAFile string
	// TLSLegacy allows TLS 1.0/1.1 and RSA key exchange, which some old
	// servers are limited to (crawl.tls_legacy).
	TLSLegacy bool
	// ChallengeLimit is how many anti-bot challenge pages in a row make
	// the run stop fetching from a host; default 5 (a site may guard a
	// few pages, such as its search or 互动交流, and serve the rest).
	ChallengeLimit int
	// BrowserChallenges, when set, loads a challenged page once in
	// headless Chromium and hands its cookies to the fetcher
	// (crawl.browser: challenge).
	BrowserChallenges bool
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
	// NoAttachments turns the file pass off (attachments.go): the
	// attachments of articles stay links.
	NoAttachments bool
	// FetchImages makes the file pass fetch and store the articles'
	// images too.
	FetchImages bool
	// MaxAttachmentBytes caps the size of a fetched file; larger files are
	// not stored. Default DefaultMaxAttachmentBytes.
	MaxAttachmentBytes int64
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
	canon     *canon.Canonicaliser // the site's names; nil: plain canon.URL
	scope     scope
	browser   *browser // nil unless Options.BrowserChallenges
	frontier  string   // name of the persisted frontier
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
	columns map[string]entry
	// alts are, by key, the URLs of a start page under each of the site's
	// names, in the configured order (startEntries, fetchNamed).
	alts map[string][]string
	// challenged is the challenge state of each host met with one.
	challenged map[string]*hostChallenges
	variants   map[string]int
	// listFiles are the files of the list pages this run fetched, each
	// once, in order: an incremental run's file pass fetches those not
	// yet stored.
	listFiles []string
	listSeen  map[string]bool
	res       Result
	steps     chan step

	began time.Time // when the run started, by Options.Now
	// cov counts the fields of the articles written; the writer's alone.
	cov *CoverageCounter
}

// step is what processing one frontier entry produced.
type step struct {
	done    *entry // finished (nil: the entry stays pending)
	update  *entry // stays pending with a new attempt count
	add     []entry
	article *archive.Article
	// siteName is the site's name as the article's page states it
	// (see SiteName).
	siteName string
	// files are the files a list page links (extract.Links.Files) on
	// hosts files may be fetched from, under the page's key.
	files *archive.PageFiles
}

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
	if opts.ChallengeLimit <= 0 {
		opts.ChallengeLimit = 5
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
	names, err := canon.New(canon.Options{Hosts: opts.Hosts, Canonical: opts.Canonical})
	if err != nil {
		return nil, fmt.Errorf("the site's names: %w", err)
	}
	cr := &crawler{
		ctx:        ctx,
		opts:       opts,
		arch:       a,
		ext:        ext,
		log:        opts.Logger,
		canon:      names,
		scope:      newScope(opts),
		frontier:   opts.Mode.String(),
		seen:       newSeenSet(),
		followed:   map[string][]string{},
		columns:    map[string]entry{},
		alts:       map[string][]string{},
		retained:   map[string]struct{}{},
		variants:   map[string]int{},
		listSeen:   map[string]bool{},
		challenged: map[string]*hostChallenges{},
		steps:      make(chan step, 64),
		cov:        NewCoverageCounter(opts.Now),
	}
	cr.wake = sync.NewCond(&cr.mu)
	cr.began = opts.Now()
	tr, err := newTransport(opts)
	if err != nil {
		return nil, err
	}
	cr.transport = tr
	cr.transport.hostKey = cr.hostKey
	// One cookie jar for pages and robots.txt, which a browser's
	// cookies (Options.BrowserChallenges) let past a challenge.
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	cr.robots = newRobots(&http.Client{
		Transport:     cr.transport, // which applies the timeout
		Jar:           jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error { return cr.inScope(req, via) },
	}, opts.UserAgent, opts.MaxRetries, cr.retrying)
	collOpts := opts
	collOpts.AllowedDomains = cr.scope.hostnames()
	cr.coll = newCollector(ctx, collOpts, cr.transport, cr.checkRedirect)
	cr.coll.SetCookieJar(jar)
	if opts.BrowserChallenges {
		path, err := FindChromium()
		if err != nil {
			return nil, err
		}
		cr.browser = newBrowser(path, jar)
	}
	return cr, nil
}

// key returns the identity of the page at raw: its canonical URL, on the
// canonical name when raw is on one of the site's names. It keys the
// seen-set and the frontier.
func (cr *crawler) key(raw string) (string, error) {
	return cr.canon.URL(raw)
}

// keyOf returns e's frontier key: the one it was loaded under, or else
// its URL's key.
func (cr *crawler) keyOf(e entry) string {
	if e.Key != "" {
		return e.Key
	}
	k, _ := cr.key(e.URL)
	return k
}

// hostKey returns the name under which the transport keeps the politeness
// state of host: the canonical name for each of the site's names, so that
// they share one limit; host itself otherwise.
func (cr *crawler) hostKey(scheme, host string) string {
	if cr.canon == nil {
		return host
	}
	if u, err := cr.canon.URL(scheme + "://" + host + "/"); err == nil && cr.canon.SiteHost(u) {
		_, rest, _ := strings.Cut(u, "://")
		return strings.TrimSuffix(rest, "/")
	}
	return host
}

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
	if ctx.Err() == nil {
		if err := cr.fetchFiles(ctx, cr.began); err != nil && ctx.Err() == nil {
			cr.log.Error("file pass failed; the next run tries again", "err", err)
		}
	}

	cr.mu.Lock()
	if ctx.Err() == nil {
		cr.blockSilent()
	}
	res := cr.res
	capped := cr.opts.MaxPages > 0 && cr.fetched >= cr.opts.MaxPages
	cr.mu.Unlock()
	res.Requests = cr.transport.requests.Load()
	res.Bytes = cr.transport.bytes.Load()
	res.Coverage = cr.cov.Coverage()
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if len(res.Blocked) > 0 {
		// The blocked hosts' pages stay pending: a backfill resumes.
		return res, &BlockedError{Hosts: res.Blocked}
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

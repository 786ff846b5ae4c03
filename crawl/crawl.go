package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"
	"github.com/gocolly/colly/v2/queue"

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
	// Options.MaxBodyBytes; such a page is never archived.
	ErrTruncated = errors.New("response body truncated or over crawl.max_body_bytes")
)

// Mode says how much of the site a run walks.
type Mode int

const (
	// Backfill walks every list page to its end and fetches every article,
	// known or not; unchanged articles leave the archive untouched.
	Backfill Mode = iota
	// Incremental is the scheduled run: it skips every URL the archive
	// already holds.
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
	MaxPages       int           // requests per run; 0 = no limit
	MaxBodyBytes   int64         // default 10 MiB
	// AllowPrivateNetworks lets the crawler dial loopback and private
	// addresses (tests, the demo).
	AllowPrivateNetworks bool
	// MaxQueryVariants caps how many query strings of one path are
	// followed from navigation links (calendar and search traps); default 10.
	MaxQueryVariants int
	// MaxURLLength skips longer URLs; default 1024.
	MaxURLLength int
	Mode         Mode
	Extractor    *extract.Extractor // default extract.New(extract.Options{})
	Logger       *slog.Logger       // default: discard
	Now          func() time.Time   // default time.Now
	// Progress, when set, is called after every page with the counts so far.
	Progress func(Result)
}

// Failure is one page that could not be fetched or used.
type Failure struct {
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"`
	Err    string `json:"error"`
}

// Result counts what a run did.
type Result struct {
	Pages         int // responses received
	Articles      int // articles handed to the archive
	Added         int
	Versioned     int
	Aliased       int
	Unchanged     int
	Skipped       int      // known URLs not fetched (incremental mode)
	Dead          int      // 404/410 links
	Challenges    []string // anti-bot challenge pages met; reported, never archived
	OutOfScope    int      // redirects to hosts outside the allowed domains, not followed
	RobotsBlocked int      // links robots.txt disallows, not fetched
	Failures      []Failure
}

// Run crawls the site described by opts into a and returns what it did.
// It stops early, with ctx's error, when ctx is cancelled; articles fetched
// by then are archived.
func Run(ctx context.Context, a *archive.Archive, opts Options) (Result, error) {
	cr, err := newCrawler(ctx, a, opts)
	if err != nil {
		return Result{}, err
	}
	return cr.run(ctx)
}

// crawler is the state of one run.
type crawler struct {
	opts    Options
	arch    *archive.Archive
	ext     *extract.Extractor
	log     *slog.Logger
	main    *colly.Collector // walks the site through q
	pages   *colly.Collector // fetches article continuation pages synchronously
	q       *queue.Queue
	allowed map[string]bool
	starts  map[string]bool
	robots  *robots
	ingest  chan archive.Article
	wg      sync.WaitGroup
	// ctx is the run's context, kept for Colly callbacks, which carry none.
	ctx context.Context

	mu       sync.Mutex
	seen     map[string]struct{}
	variants map[string]int
	res      Result
	requests atomic.Int64
}

const (
	ctxColumn  = "column"
	ctxAttempt = "attempt"
	ctxCType   = "content-type"
	ctxSink    = "sink"
)

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
		starts:   map[string]bool{},
		seen:     map[string]struct{}{},
		variants: map[string]int{},
		ingest:   make(chan archive.Article, 64),
	}
	for _, d := range opts.AllowedDomains {
		cr.allowed[strings.ToLower(d)] = true
	}

	c := colly.NewCollector(
		colly.StdlibContext(ctx),
		colly.UserAgent(opts.UserAgent),
		colly.MaxBodySize(int(opts.MaxBodyBytes)),
	)
	// NewCollector reads COLLY_* environment variables; config.yaml is the
	// one source of settings, so set everything that matters again.
	c.UserAgent = opts.UserAgent
	c.MaxBodySize = int(opts.MaxBodyBytes)
	// robots.txt is applied by the crawler itself (see robots), so that its
	// Crawl-delay is honoured, redirects are checked too and a robots.txt
	// that cannot be fetched is reported.
	c.IgnoreRobotsTxt = true
	c.AllowURLRevisit = true // the crawler keeps its own canonical seen-set
	c.DetectCharset = false  // extract.Decode decides; the raw bytes stay as served
	c.ParseHTTPErrorResponse = false
	c.CacheDir = ""
	c.MaxDepth = 0
	c.AllowedDomains = append([]string(nil), opts.AllowedDomains...)
	transport := newTransport(opts)
	c.WithTransport(transport)
	c.SetRequestTimeout(opts.Timeout)
	c.SetRedirectHandler(cr.checkRedirect)
	cr.robots = newRobots(&http.Client{
		Transport:     transport,
		Timeout:       opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error { return cr.inScope(req, via) },
	}, opts.UserAgent, opts.MaxRetries)
	cr.main = c
	cr.pages = c.Clone()

	for _, col := range []*colly.Collector{cr.main, cr.pages} {
		col.OnRequest(func(*colly.Request) { cr.requests.Add(1) })
		col.OnResponseHeaders(cr.onHeaders)
	}
	cr.main.OnResponse(cr.onResponse)
	cr.main.OnError(cr.onError)
	cr.pages.OnResponse(func(r *colly.Response) {
		restoreContentType(r)
		if s, ok := r.Ctx.GetAny(ctxSink).(*fetchResult); ok {
			s.resp = r
		}
	})
	cr.pages.OnError(func(r *colly.Response, err error) {
		if s, ok := r.Ctx.GetAny(ctxSink).(*fetchResult); ok {
			s.resp, s.err = r, err
		}
	})

	q, err := queue.New(opts.Parallelism, newFrontier(ctx))
	if err != nil {
		return nil, fmt.Errorf("create crawl queue: %w", err)
	}
	cr.q = q
	return cr, nil
}

func newTransport(opts Options) http.RoundTripper {
	d := &net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivateNetworks {
		d.Control = dialGuard
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   opts.Parallelism * 2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
		ForceAttemptHTTP2:     true,
	}
}

// inScope refuses a redirect that leaves the allowed domains or goes on
// for too long.
func (cr *crawler) inScope(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if (req.URL.Scheme != "http" && req.URL.Scheme != "https") || !cr.allowed[strings.ToLower(req.URL.Hostname())] {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), colly.ErrForbiddenDomain)
	}
	return nil
}

// checkRedirect applies scope and robots.txt to every redirect hop.
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
	// An old address redirecting to a page already fetched or queued ends
	// here, so the page is not fetched twice.
	if key, err := canon.URL(req.URL.String()); err == nil {
		cr.mu.Lock()
		_, dup := cr.seen[key]
		cr.seen[key] = struct{}{}
		cr.mu.Unlock()
		if dup {
			return errRedirectSeen
		}
		if cr.opts.Mode == Incremental {
			if known, err := cr.arch.Has(key); err == nil && known {
				cr.count(func(r *Result) { r.Skipped++ })
				return errRedirectSeen
			}
		}
	}
	return nil
}

// errRedirectSeen stops a redirect to a page the run already has.
var errRedirectSeen = errors.New("redirect to a page already seen")

// setLimits applies the per-host delay and parallelism, raising the delay
// to the Crawl-delay of the start hosts' robots.txt where it asks for more.
func (cr *crawler) setLimits(ctx context.Context) error {
	delay := cr.opts.Delay
	for _, raw := range cr.opts.StartURLs {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		d, err := cr.robots.crawlDelay(ctx, u)
		if err != nil {
			continue // reported when the start URL is enqueued
		}
		if d > delay {
			cr.log.Info("robots.txt asks for a longer delay; obeying", "host", u.Host, "crawl_delay", d)
			delay = d
		}
	}
	if err := cr.main.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: cr.opts.Parallelism, Delay: delay}); err != nil {
		return fmt.Errorf("set crawl limits: %w", err)
	}
	return nil
}

func (cr *crawler) run(ctx context.Context) (Result, error) {
	if err := cr.setLimits(ctx); err != nil {
		return Result{}, err
	}
	cr.wg.Add(1)
	go cr.writeArchive(ctx)

	for _, u := range cr.opts.StartURLs {
		if cu, err := canon.URL(u); err == nil {
			cr.starts[cu] = true
		}
		cr.enqueue(u, "", true)
	}
	err := cr.q.Run(cr.main)
	close(cr.ingest)
	cr.wg.Wait()

	cr.mu.Lock()
	res := cr.res
	cr.mu.Unlock()
	if err == nil {
		err = ctx.Err()
	}
	return res, err
}

// enqueue schedules rawURL once per canonical form, if it is in scope and
// not a trap. trusted links (start URLs, list items, list pagination) skip
// the query-variant cap that tames calendar and search links.
func (cr *crawler) enqueue(rawURL, column string, trusted bool) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return
	}
	if !cr.allowed[strings.ToLower(u.Hostname())] || len(rawURL) > cr.opts.MaxURLLength || skippedExt(u.Path) {
		return
	}
	key, err := canon.URL(rawURL)
	if err != nil {
		return
	}
	cr.mu.Lock()
	if _, dup := cr.seen[key]; dup {
		cr.mu.Unlock()
		return
	}
	if !trusted && u.RawQuery != "" {
		p := u.Host + u.Path
		if cr.variants[p] >= cr.opts.MaxQueryVariants {
			cr.mu.Unlock()
			return
		}
		cr.variants[p]++
	}
	if cr.opts.MaxPages > 0 && len(cr.seen) >= cr.opts.MaxPages {
		cr.mu.Unlock()
		return
	}
	cr.seen[key] = struct{}{}
	cr.mu.Unlock()

	// The page is fetched at the address the site gave (canonical forms
	// such as /col/ for /col/index.html need not be served); only the
	// fragment goes.
	u.Fragment, u.RawFragment = "", ""
	if ok, err := cr.robots.allowed(cr.ctx, u); err != nil {
		cr.fail(key, 0, err)
		return
	} else if !ok {
		cr.log.Debug("robots.txt disallows", "url", key)
		cr.count(func(r *Result) { r.RobotsBlocked++ })
		return
	}

	if cr.opts.Mode == Incremental {
		if known, err := cr.arch.Has(key); err == nil && known {
			cr.count(func(r *Result) { r.Skipped++ })
			return
		}
	}
	colCtx := colly.NewContext()
	if column != "" {
		colCtx.Put(ctxColumn, column)
	}
	req := &colly.Request{URL: u, Method: http.MethodGet, Ctx: colCtx, Headers: &http.Header{}}
	if err := cr.q.AddRequest(req); err != nil && cr.ctx.Err() == nil {
		cr.fail(key, 0, fmt.Errorf("queue: %w", err))
	}
}

// onHeaders stops colly from re-encoding the body: the charset parameter is
// moved aside so the archive keeps the bytes as served, and extract.Decode
// decides the encoding from the header, the page and its content.
func (cr *crawler) onHeaders(r *colly.Response) {
	ct := r.Headers.Get("Content-Type")
	r.Ctx.Put(ctxCType, ct)
	if mt, _, err := mime.ParseMediaType(ct); err == nil && ct != mt {
		r.Headers.Set("Content-Type", mt)
	}
	if n, err := strconv.ParseInt(r.Headers.Get("Content-Length"), 10, 64); err == nil && n > cr.opts.MaxBodyBytes {
		r.Request.Abort()
	}
}

func restoreContentType(r *colly.Response) {
	if ct := r.Ctx.Get(ctxCType); ct != "" {
		r.Headers.Set("Content-Type", ct)
	}
}

func (cr *crawler) onResponse(r *colly.Response) {
	restoreContentType(r)
	pageURL := r.Request.URL.String()
	cr.count(func(res *Result) { res.Pages++ })
	defer cr.progress()

	if int64(len(r.Body)) >= cr.opts.MaxBodyBytes {
		cr.fail(pageURL, r.StatusCode, ErrTruncated)
		return
	}
	if !isMarkup(r.Headers.Get("Content-Type")) {
		return
	}
	page, err := extract.Parse(r.Body, r.Headers.Get("Content-Type"), pageURL)
	if err != nil {
		cr.fail(pageURL, r.StatusCode, fmt.Errorf("parse: %w", err))
		return
	}
	links := cr.ext.Links(page)
	column := r.Ctx.Get(ctxColumn)

	switch links.Kind {
	case extract.Challenge:
		cr.challenge(pageURL, r.StatusCode)
		return
	case extract.List:
		listColumn := links.Column
		if listColumn == "" || cr.isStart(pageURL) {
			listColumn = column
		}
		for _, u := range links.Articles {
			cr.enqueue(u, listColumn, true)
		}
		for _, u := range links.Pagination {
			cr.enqueue(u, listColumn, true)
		}
	case extract.ArticlePage:
		if base, ok := continuationOf(pageURL, links); ok {
			cr.enqueue(base, column, true)
			return
		}
		cr.article(r, page, links, column)
	}
	for _, u := range links.Other {
		cr.enqueue(u, "", false)
	}
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

// article extracts the article on r (fetching its other pages) and hands
// it to the archive writer.
func (cr *crawler) article(r *colly.Response, page *extract.Page, links extract.Links, column string) {
	pageURL := r.Request.URL.String()
	first, err := cr.ext.Article(page)
	if err != nil {
		if !errors.Is(err, extract.ErrNoArticle) {
			cr.fail(pageURL, r.StatusCode, fmt.Errorf("extract: %w", err))
		}
		return
	}
	now := cr.opts.Now()
	raw := []archive.RawPage{rawPage(r, now)}
	parts := []extract.Article{first}
	for _, u := range links.ArticlePages {
		if u == pageURL {
			continue
		}
		if key, err := canon.URL(u); err == nil {
			cr.mu.Lock()
			cr.seen[key] = struct{}{}
			cr.mu.Unlock()
		}
		resp, err := cr.fetch(u)
		if err != nil {
			// An article with a missing page is not archived: the next run
			// retries it whole.
			cr.fail(pageURL, 0, fmt.Errorf("page %s of article: %w", u, err))
			return
		}
		p, err := extract.Parse(resp.Body, resp.Headers.Get("Content-Type"), u)
		if err != nil {
			cr.fail(u, resp.StatusCode, fmt.Errorf("parse: %w", err))
			return
		}
		part, err := cr.ext.Article(p)
		if err != nil {
			cr.fail(u, resp.StatusCode, fmt.Errorf("extract page of article: %w", err))
			return
		}
		parts = append(parts, part)
		raw = append(raw, rawPage(resp, now))
	}
	art := extract.Stitch(parts...)
	if art.Column == "" {
		art.Column = column
	}
	cr.count(func(res *Result) { res.Articles++ })
	cr.ingest <- archive.Article{
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
		FetchedAt:   now,
		Pages:       raw,
	}
}

type fetchResult struct {
	resp *colly.Response
	err  error
}

// fetch gets one page synchronously, through the same politeness limits as
// the walk, retrying transient failures.
func (cr *crawler) fetch(rawURL string) (*colly.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if ok, err := cr.robots.allowed(cr.ctx, u); err != nil {
		return nil, err
	} else if !ok {
		return nil, colly.ErrRobotsTxtBlocked
	}
	var lastErr error
	var wait time.Duration
	for attempt := 0; attempt <= cr.opts.MaxRetries; attempt++ {
		time.Sleep(wait)
		sink := &fetchResult{}
		ctx := colly.NewContext()
		ctx.Put(ctxSink, sink)
		err := cr.pages.Request(http.MethodGet, rawURL, nil, ctx, nil)
		if err == nil {
			err = sink.err
		}
		if err == nil && sink.resp != nil {
			if int64(len(sink.resp.Body)) >= cr.opts.MaxBodyBytes {
				return nil, ErrTruncated
			}
			return sink.resp, nil
		}
		if err == nil {
			err = errors.New("no response")
		}
		lastErr = err
		if !retryable(sink.resp, err) {
			break
		}
		wait = max(backoff(attempt+1), retryAfter(sink.resp, cr.opts.Now()))
	}
	return nil, lastErr
}

func (cr *crawler) onError(r *colly.Response, err error) {
	pageURL := r.Request.URL.String()
	restoreContentType(r)
	switch {
	case cr.ctx.Err() != nil:
		return // the run was stopped; the page is fetched by the next run
	case r.StatusCode == http.StatusNotFound || r.StatusCode == http.StatusGone:
		cr.count(func(res *Result) { res.Dead++ })
		return
	case r.StatusCode >= 400 && cr.isChallenge(r):
		cr.challenge(pageURL, r.StatusCode)
		return
	case errors.Is(err, errRedirectSeen):
		return
	case errors.Is(err, colly.ErrRobotsTxtBlocked):
		cr.count(func(res *Result) { res.RobotsBlocked++ })
		return
	case errors.Is(err, colly.ErrForbiddenDomain):
		cr.log.Debug("redirect out of scope not followed", "url", pageURL, "err", err)
		cr.count(func(res *Result) { res.OutOfScope++ })
		return
	case errors.Is(err, colly.ErrAbortedAfterHeaders):
		cr.fail(pageURL, r.StatusCode, ErrTruncated)
		return
	}
	attempt, _ := strconv.Atoi(r.Ctx.Get(ctxAttempt))
	if retryable(r, err) && attempt < cr.opts.MaxRetries {
		r.Ctx.Put(ctxAttempt, strconv.Itoa(attempt+1))
		time.Sleep(max(backoff(attempt+1), retryAfter(r, cr.opts.Now())))
		// A failed retry comes back through onError, which records it.
		_ = r.Request.Retry()
		return
	}
	cr.fail(pageURL, r.StatusCode, err)
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
	if errors.Is(err, ErrPrivateAddress) || errors.Is(err, colly.ErrForbiddenDomain) || errors.Is(err, colly.ErrRobotsTxtBlocked) {
		return false
	}
	if r != nil && r.StatusCode != 0 {
		return r.StatusCode == http.StatusTooManyRequests || r.StatusCode >= 500
	}
	return err != nil
}

// maxRetryAfter caps how long a Retry-After header can hold a worker.
const maxRetryAfter = 2 * time.Minute

// retryAfter reads a 429/503 response's Retry-After (seconds or an HTTP
// date), capped at maxRetryAfter; 0 when absent.
func retryAfter(r *colly.Response, now time.Time) time.Duration {
	if r == nil || r.Headers == nil {
		return 0
	}
	v := r.Headers.Get("Retry-After")
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// backoff is exponential with full jitter: up to 0.5s, 1s, 2s … capped at 30s.
func backoff(attempt int) time.Duration {
	d := 250 * time.Millisecond << min(attempt, 7)
	d = min(d, 30*time.Second)
	return d/2 + rand.N(d/2+1)
}

func (cr *crawler) challenge(pageURL string, status int) {
	cr.log.Warn("anti-bot challenge page; not archived", "url", pageURL, "status", status)
	cr.count(func(r *Result) {
		r.Challenges = append(r.Challenges, pageURL)
	})
}

func (cr *crawler) fail(pageURL string, status int, err error) {
	cr.log.Warn("page failed", "url", pageURL, "status", status, "err", err)
	cr.count(func(r *Result) {
		r.Failures = append(r.Failures, Failure{URL: pageURL, Status: status, Err: err.Error()})
	})
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
	cr.opts.Progress(res)
}

func (cr *crawler) isStart(pageURL string) bool {
	key, err := canon.URL(pageURL)
	return err == nil && cr.starts[key]
}

// writeArchive stores articles in batches: one transaction per batch keeps
// ingest fast, and each article with its indexes is still all-or-nothing.
func (cr *crawler) writeArchive(ctx context.Context) {
	defer cr.wg.Done()
	batch := make([]archive.Article, 0, 64)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		// The batch is written even after cancellation: it was fetched whole.
		wctx := context.WithoutCancel(ctx)
		outcomes, err := cr.arch.PutBatch(wctx, batch)
		if err != nil {
			// One bad article must not sink the others: store them one by one.
			outcomes = outcomes[:0]
			for _, a := range batch {
				o, err := cr.arch.Put(wctx, a)
				if err != nil {
					cr.fail(a.URL, 0, fmt.Errorf("archive: %w", err))
					continue
				}
				outcomes = append(outcomes, o)
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
		batch = batch[:0]
	}
	for art := range cr.ingest {
		batch = append(batch, art)
		// Take whatever else is waiting, then write.
	drain:
		for len(batch) < cap(batch) {
			select {
			case more, ok := <-cr.ingest:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		flush()
	}
	flush()
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

// isMarkup reports whether a Content-Type is HTML or XML (or missing, as on
// some government servers).
func isMarkup(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return true
	}
	return strings.Contains(mt, "html") || strings.Contains(mt, "xml") || mt == "text/plain"
}

// skippedExt lists file types never fetched as pages: attachments, media,
// styles and scripts.
func skippedExt(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg", ".ico",
		".css", ".js", ".json", ".woff", ".woff2", ".ttf",
		".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".wps", ".et",
		".zip", ".rar", ".7z", ".gz", ".tar",
		".mp3", ".mp4", ".avi", ".flv", ".wmv", ".mov", ".swf", ".exe", ".apk":
		return true
	}
	return false
}

// FetchPage fetches one page with the crawler's transport, User-Agent,
// size limit and address guard, for one-off use such as "crawler extract
// URL". It does not consult robots.txt: the user asked for this page.
func FetchPage(ctx context.Context, rawURL string, opts Options) (body []byte, contentType string, err error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 10 << 20
	}
	if opts.Parallelism < 1 {
		opts.Parallelism = 1
	}
	client := &http.Client{Transport: newTransport(opts), Timeout: opts.Timeout}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	req.Header.Set("User-Agent", opts.UserAgent)
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("fetch %s: HTTP %s", rawURL, resp.Status)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, opts.MaxBodyBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	if int64(len(body)) > opts.MaxBodyBytes {
		return nil, "", fmt.Errorf("fetch %s: %w", rawURL, ErrTruncated)
	}
	return body, resp.Header.Get("Content-Type"), nil
}

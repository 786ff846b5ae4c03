package crawl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/simsite"
)

func openTestArchive(t *testing.T) *archive.Archive {
	t.Helper()
	a, err := archive.Open(filepath.Join(t.TempDir(), "archive.db"), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		problems, err := a.Verify(context.Background())
		if err != nil {
			t.Errorf("verify: %v", err)
		}
		for _, p := range problems {
			t.Errorf("verify: %s", p)
		}
		a.Close()
	})
	return a
}

func siteOptions(srv *simsite.Server) Options {
	return Options{
		StartURLs:            []string{srv.URL + "/"},
		AllowedDomains:       []string{"127.0.0.1"},
		UserAgent:            "crawler-test/1.0",
		Parallelism:          4,
		Timeout:              5 * time.Second,
		MaxRetries:           2,
		AllowPrivateNetworks: true,
	}
}

func TestRunArchivesEveryArticle(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 3, Articles: 120, Columns: 5})
	defer srv.Close()
	pages := 0
	for _, maxQueued := range []int{0, 3} { // the default, and a queue that spills
		t.Run(fmt.Sprint("MaxQueued=", maxQueued), func(t *testing.T) {
			opts := siteOptions(srv)
			opts.MaxQueued = maxQueued
			res, refills := checkRunArchivesEveryArticle(t, srv, opts)
			if maxQueued == 0 {
				pages = res.Pages
				return
			}
			if refills == 0 {
				t.Error("the small queue never spilled to the frontier")
			}
			if res.Pages != pages {
				t.Errorf("with spilling the run fetched %d pages, without %d", res.Pages, pages)
			}
		})
	}
}

// checkRunArchivesEveryArticle backfills srv into a new archive and checks
// the outcome against the site's ground truth. It returns the result and
// how often the run refilled its queues from the frontier.
func checkRunArchivesEveryArticle(t *testing.T, srv *simsite.Server, opts Options) (Result, int) {
	t.Helper()
	a := openTestArchive(t)
	ctx := context.Background()
	cr, err := newCrawler(ctx, a, opts)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cr.run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	truth := srv.Truth()
	dupURLs := 0
	for _, art := range truth {
		dupURLs += len(art.URLs) - 1
	}
	if res.Added != len(truth) {
		t.Errorf("added %d articles, the site has %d", res.Added, len(truth))
	}
	if res.Aliased != dupURLs {
		t.Errorf("aliased %d, the site publishes %d second copies", res.Aliased, dupURLs)
	}
	if len(res.Failures) > 0 {
		t.Errorf("failures: %+v", res.Failures)
	}
	if len(res.Challenges) != len(srv.ChallengeURLs()) {
		t.Error("the site's challenge pages were not reported")
	}
	for _, art := range truth {
		for _, u := range art.URLs {
			if ok, err := a.Has(u); err != nil || !ok {
				t.Errorf("article %d at %s not archived (%v)", art.ID, u, err)
			}
		}
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("requests a polite in-scope crawler never makes: %v", v)
	}
	return res, cr.refills
}

func TestRunStopsWhenCancelled(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 5, Articles: 300})
	defer srv.Close()
	a := openTestArchive(t)
	ctx, cancel := context.WithCancel(context.Background())
	opts := siteOptions(srv)
	opts.Parallelism = 1
	var pages atomic.Int64
	opts.Progress = func(r Result) {
		if pages.Add(1) == 20 {
			cancel()
		}
	}
	done := make(chan struct{})
	var res Result
	var err error
	go func() {
		res, err = Run(ctx, a, opts)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if res.Pages >= 300 {
		t.Errorf("crawled %d pages after cancellation", res.Pages)
	}
}

func TestRunRefusesPrivateAddressesByDefault(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("<html><body>hello</body></html>"))
	}))
	defer srv.Close()
	a := openTestArchive(t)
	res, err := Run(context.Background(), a, Options{
		StartURLs:      []string{srv.URL + "/"},
		AllowedDomains: []string{"127.0.0.1"},
		UserAgent:      "crawler-test/1.0",
		MaxRetries:     1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 {
		t.Errorf("server got %d requests; loopback must be refused at dial time", hits.Load())
	}
	if len(res.Failures) == 0 || !strings.Contains(res.Failures[0].Err, "non-public address") {
		t.Errorf("failures = %+v, want the refusal reported", res.Failures)
	}
}

func TestRunStaysInScope(t *testing.T) {
	var offsite atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offsite.Add(1)
	}))
	defer other.Close()
	// "localhost" reaches the same machine but is not an allowed domain.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<html><head><base href="` + otherURL + `/"></head><body>
				<a href="/away">relative to base</a>
				<a href="//localhost/x">protocol-relative</a>
				<a href="` + otherURL + `/abs">absolute</a>
				<a href="javascript:alert(1)">js</a><a href="mailto:a@b.cn">mail</a>
				<a href="/redirect">redirect</a></body></html>`))
		default:
			http.Redirect(w, r, otherURL+"/redirected", http.StatusFound)
		}
	}))
	defer site.Close()
	a := openTestArchive(t)
	_, err := Run(context.Background(), a, Options{
		StartURLs:            []string{site.URL + "/"},
		AllowedDomains:       []string{"127.0.0.1"},
		UserAgent:            "crawler-test/1.0",
		AllowPrivateNetworks: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := offsite.Load(); n != 0 {
		t.Errorf("%d requests left the allowed domains", n)
	}
}

func TestBlockedAddresses(t *testing.T) {
	for _, tt := range []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"::1", true}, {"fe80::1", true}, {"fd12::1", true},
		{"::ffff:127.0.0.1", true}, {"0.0.0.0", true}, {"100.64.0.1", true},
		{"58.20.53.10", false}, {"2400:da00::6666", false}, {"8.8.8.8", false},
	} {
		if got := isBlockedAddr(netip.MustParseAddr(tt.addr)); got != tt.blocked {
			t.Errorf("isBlockedAddr(%s) = %v, want %v", tt.addr, got, tt.blocked)
		}
	}
}

func TestRunGetsEverythingThroughFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("fault injection waits out stalls and Retry-After")
	}
	srv, err := simsite.Start(simsite.Options{Seed: 9, Articles: 100, Columns: 5,
		Faults: simsite.Faults{Rate: 0.1, Stall: 1500 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	a := openTestArchive(t)
	opts := siteOptions(srv)
	opts.Timeout = 500 * time.Millisecond
	opts.MaxRetries = 4
	opts.MaxQueued = 5 // failures stay pending beside spilled entries
	var failures int
	for run := 0; run < 3; run++ {
		res, err := Run(context.Background(), a, opts)
		if err != nil {
			t.Fatal(err)
		}
		failures += len(res.Failures)
		if run == 0 && res.Retries == 0 {
			t.Error("no retries under 10% faults")
		}
		if len(res.Failures) == 0 {
			break
		}
	}
	injected := 0
	for _, n := range srv.Faults() {
		injected += n
	}
	if injected == 0 {
		t.Fatal("the site injected no faults")
	}
	for _, art := range srv.Truth() {
		rec, err := a.Lookup(art.URLs[0])
		if err != nil {
			t.Errorf("article %d not archived: %v", art.ID, err)
			continue
		}
		if rec.Body != art.Body || rec.Title != art.Title {
			t.Errorf("article %d archived wrong (truncated page?): title %q, body %d bytes, want %d", art.ID, rec.Title, len(rec.Body), len(art.Body))
		}
		if rec.Version != 1 {
			t.Errorf("article %d has %d versions", art.ID, rec.Version)
		}
	}
	t.Logf("faults injected: %v; failures reported across runs: %d", srv.Faults(), failures)
}

func TestIncrementalCrawlFetchesOnlyWhatIsNew(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 4, Articles: 200, Columns: 6, SlowDelay: -1})
	defer srv.Close()
	a := openTestArchive(t)
	opts := siteOptions(srv)
	if _, err := Run(context.Background(), a, opts); err != nil {
		t.Fatal(err)
	}
	columns := len(srv.Site.ColumnNames())
	opts.Mode = Incremental
	for _, k := range []int{0, 7, 40} {
		before := srv.Truth()
		srv.Publish(k)
		truth := srv.Truth()
		newPages := 0
		for _, art := range truth[len(before):] {
			for _, pages := range art.PageURLs {
				newPages += len(pages)
			}
		}
		n0 := srv.Requests()
		res, err := Run(context.Background(), a, opts)
		if err != nil {
			t.Fatal(err)
		}
		requests := srv.Requests() - n0
		if res.Added != k {
			t.Errorf("k=%d: crawl added %d articles", k, res.Added)
		}
		if limit := newPages + 3*columns + 5; requests > limit {
			t.Errorf("k=%d: %d requests, want at most %d (new pages %d + 3×%d columns + 5)", k, requests, limit, newPages, columns)
		}
		t.Logf("k=%d: %d requests for %d new pages and %d columns", k, requests, newPages, columns)
		for _, art := range truth[len(before):] {
			if ok, _ := a.Has(art.URLs[0]); !ok {
				t.Errorf("k=%d: new article %s not archived", k, art.URLs[0])
			}
		}
	}
}

func TestRedirectIntoPrivateNetworkRefused(t *testing.T) {
	var inner atomic.Int64
	private := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.Add(1)
	}))
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skip("127.0.0.2 not available:", err)
	}
	private.Listener = l
	private.Start()
	defer private.Close()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, private.URL+"/secret", http.StatusFound)
			return
		}
		http.NotFound(w, r)
	}))
	defer site.Close()
	a := openTestArchive(t)
	opts := Options{
		StartURLs:      []string{site.URL + "/"},
		AllowedDomains: []string{"127.0.0.1", "127.0.0.2"},
		UserAgent:      "crawler-test/1.0",
		// The guard allows the test site on 127.0.0.1 and nothing else
		// of the loopback network.
		blockAddr: func(ip netip.Addr) bool { return ip != netip.MustParseAddr("127.0.0.1") && isBlockedAddr(ip) },
	}
	res, err := Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if inner.Load() != 0 {
		t.Errorf("the redirect reached 127.0.0.2 (%d requests)", inner.Load())
	}
	if len(res.Failures) == 0 || !strings.Contains(res.Failures[0].Err, "non-public address") {
		t.Errorf("failures = %+v, want the refused redirect reported", res.Failures)
	}
}

func TestIncrementalCrawlRechecksRecentArticles(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 6, Articles: 80, Columns: 5, SlowDelay: -1})
	defer srv.Close()
	a := openTestArchive(t)
	opts := siteOptions(srv)
	if _, err := Run(context.Background(), a, opts); err != nil {
		t.Fatal(err)
	}
	revised := srv.Revise(3)
	truth := srv.Truth()
	newest := truth[len(truth)-1].Published
	opts.Mode = Incremental
	opts.Now = func() time.Time { return newest.Add(time.Hour) }

	// Without rechecking, a cron crawl never sees corrections of known articles.
	res, err := Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Versioned != 0 {
		t.Errorf("crawl without recheck_days made %d new versions", res.Versioned)
	}
	// With it, the revised articles published in the window become new versions.
	var oldest time.Time
	for _, id := range revised {
		if p := truth[id-truth[0].ID].Published; oldest.IsZero() || p.Before(oldest) {
			oldest = p
		}
	}
	opts.RecheckDays = int(newest.Sub(oldest).Hours()/24) + 2
	res, err = Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Versioned != len(revised) {
		t.Errorf("crawl with recheck_days %d made %d new versions, want %d (revised %v)", opts.RecheckDays, res.Versioned, len(revised), revised)
	}
	for _, id := range revised {
		art := truth[id-truth[0].ID]
		rec, err := a.Lookup(art.URLs[0])
		if err != nil || rec.Version != 2 || rec.Body != art.Body {
			t.Errorf("revised article %d: version %d, body matches %v (%v)", id, rec.Version, rec.Body == art.Body, err)
		}
	}
}

func TestLooksLikeArticle(t *testing.T) {
	for u, want := range map[string]bool{
		"https://www.hnredstar.gov.cn/c/2024/01/29/123456.html":               true,
		"https://www.hnredstar.gov.cn/col/ganbu/202401/t20240129_123456.html": true,
		"https://www.hnredstar.gov.cn/art/2024/1/29/art_1229_104410.html":     true,
		"https://www.hnredstar.gov.cn/news/202106/104162.shtml":               true,
		"https://www.hnredstar.gov.cn/c/2024-01/29/content_123456.htm":        true,
		"https://www.hnredstar.gov.cn/":                                       false,
		"https://www.hnredstar.gov.cn/col/col1229/index.html":                 false,
		"https://www.hnredstar.gov.cn/c/rcfw/index_2.html":                    false,
		"https://www.hnredstar.gov.cn/about.html":                             false,
		// Lists numbered like articles (rednet channels, node pages).
		"https://www.hxw.gov.cn/channel/12345.html":             false,
		"https://www.hxw.gov.cn/channel/12345_2.html":           false,
		"https://www.hxw.gov.cn/topic/12/index.html":            false,
		"https://www.hxw.gov.cn/node_123456.htm":                false,
		"https://www.hxw.gov.cn/content/2012/10/08/392183.html": true,
		"https://www.hxw.gov.cn/content/1234/56/392183.html":    true,
	} {
		if got := looksLikeArticle(u); got != want {
			t.Errorf("looksLikeArticle(%s) = %v, want %v", u, got, want)
		}
	}
}

// TestIncrementalVisitsKnownColumns checks that a cron crawl whose start
// page is unchanged (304) still visits every column earlier runs found,
// from the list the archive keeps, and that an archive without that list
// (written before it was kept) has it rebuilt from its frontiers.
func TestIncrementalVisitsKnownColumns(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 5, Articles: 80, Columns: 4, SlowDelay: -1})
	defer srv.Close()
	a := openTestArchive(t)
	opts := siteOptions(srv)
	if _, err := Run(context.Background(), a, opts); err != nil {
		t.Fatal(err)
	}
	kept, err := a.State(columnsKey)
	if err != nil {
		t.Fatal(err)
	}
	var cols []entry
	if err := json.Unmarshal(kept, &cols); err != nil {
		t.Fatalf("state %s = %q: %v", columnsKey, kept, err)
	}
	if len(cols) < len(srv.Site.ColumnNames()) {
		t.Fatalf("the backfill kept %d columns, the site has %d: %s", len(cols), len(srv.Site.ColumnNames()), kept)
	}

	opts.Mode = Incremental
	requests := func() int {
		t.Helper()
		n0 := srv.Requests()
		res, err := Run(context.Background(), a, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.NotModified == 0 {
			t.Fatalf("no page answered 304: %+v", res)
		}
		return srv.Requests() - n0
	}
	// robots.txt, the start page, then each column's first page.
	if n := requests(); n < len(cols)+2 || n > len(cols)+4 {
		t.Errorf("cron crawl with nothing new made %d requests; want the %d known columns + 2", n, len(cols))
	}
	if err := a.PutState(columnsKey, nil); err != nil {
		t.Fatal(err)
	}
	if n := requests(); n < len(cols)+2 || n > len(cols)+4 {
		t.Errorf("without the kept columns, the cron crawl made %d requests; want the %d columns + 2", n, len(cols))
	}
	if rebuilt, err := a.State(columnsKey); err != nil || !bytes.Equal(rebuilt, kept) {
		t.Errorf("columns rebuilt from the frontiers:\n%s\nwant\n%s (%v)", rebuilt, kept, err)
	}
}

// TestSpilledBackfillResumes interrupts a backfill whose navigation queue
// spills to the frontier several times, and checks that the runs that
// resume it archive every article exactly once.
func TestSpilledBackfillResumes(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 6, Articles: 150, Columns: 4, SlowDelay: -1})
	defer srv.Close()
	a := openTestArchive(t)
	opts := siteOptions(srv)
	opts.MaxQueued = 4
	added := 0
	for run, stopAfter := range []int64{40, 90, 0} { // 0: run to the end
		ctx, cancel := context.WithCancel(context.Background())
		var pages atomic.Int64
		opts.Progress = func(Result) {
			if pages.Add(1) == stopAfter {
				cancel()
			}
		}
		res, err := Run(ctx, a, opts)
		cancel()
		if stopAfter == 0 && err != nil || stopAfter > 0 && err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("run %d: %v", run, err)
		}
		if run > 0 && res.Resumed == 0 {
			t.Errorf("run %d did not resume the interrupted backfill", run)
		}
		added += res.Added
		if run == 0 {
			// As an archive written before the columns were kept: the
			// resumed run must find those the first one visited.
			if err := a.PutState(columnsKey, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	truth := srv.Truth()
	if added != len(truth) {
		t.Errorf("the runs added %d articles in all, the site has %d", added, len(truth))
	}
	var cols []entry
	if kept, err := a.State(columnsKey); err != nil || json.Unmarshal(kept, &cols) != nil || len(cols) < len(srv.Site.ColumnNames()) {
		t.Errorf("after the resumed runs the archive keeps %d columns (%v); the site has %d", len(cols), err, len(srv.Site.ColumnNames()))
	}
	for _, art := range truth {
		rec, err := a.Lookup(art.URLs[0])
		if err != nil || rec.Version != 1 {
			t.Errorf("article %d: %v, version %d", art.ID, err, rec.Version)
		}
	}
}

// htmlPage answers with the HTML page body.
func htmlPage(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(body))
	}
}

// articleHTML is a plain article page: a title, a line with the source
// and time, and a body long enough to be taken for an article, ending
// with extra.
func articleHTML(title, extra string) string {
	return `<html><head><meta charset="utf-8"><title>` + title + `</title></head><body><h1>` + title +
		`</h1><div class="info">来源：红星网 时间：2024-01-29 15:20</div><div class="content">` +
		strings.Repeat("<p>这是一段足够长的正文，用来让页面看起来像一篇文章，而不是导航或列表页面。</p>", 12) +
		extra + `</div></body></html>`
}

// busyArticle answers 503 to the first busy requests, then with an
// article titled title; hits counts the requests.
func busyArticle(title string, busy int32, hits *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= busy {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		htmlPage(articleHTML(title, ""))(w, r)
	}
}

// localOptions are the options of a run over a test server at siteURL.
func localOptions(siteURL string) Options {
	return Options{
		StartURLs:            []string{siteURL + "/"},
		AllowedDomains:       []string{"127.0.0.1"},
		UserAgent:            "crawler-test/1.0",
		AllowPrivateNetworks: true,
	}
}

// A page reached only through a redirect must be archived even when the
// first fetch through that redirect fails and is retried: the retry
// follows the same redirect, which the run's seen-set must not refuse.
func TestRetriedRedirectReachesItsPage(t *testing.T) {
	const articlePath = "/news/2024/01/29/1001.html"
	const title = "县委组织部开展党员教育培训"
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.Handle("/", htmlPage(`<html><body><a href="/old/1001.shtml">旧地址</a></body></html>`))
	mux.Handle("/old/1001.shtml", http.RedirectHandler(articlePath, http.StatusMovedPermanently))
	mux.Handle(articlePath, busyArticle(title, 1, &hits))
	site := httptest.NewServer(mux)
	defer site.Close()
	a := openTestArchive(t)
	opts := localOptions(site.URL)
	opts.MaxRetries = 2
	res, err := Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Retries == 0 {
		t.Fatal("the 503 was not retried")
	}
	rec, err := a.Lookup(site.URL + articlePath)
	if err != nil {
		t.Fatalf("the page behind the retried redirect was not archived (%d fetches of it, %d failures): %v", hits.Load(), len(res.Failures), err)
	}
	if rec.Title != title {
		t.Errorf("title = %q, want %q", rec.Title, title)
	}
}

// An archive written before frontier entries were binary holds them as
// JSON: an interrupted backfill in it resumes exactly, and a cron crawl
// still knows its pages.
func TestFrontierInJSONStillReads(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 8, Articles: 120, Columns: 4, SlowDelay: -1})
	defer srv.Close()
	a := openTestArchive(t)
	opts := siteOptions(srv)
	opts.MaxPages = 60
	first, err := Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite every entry as the JSON an older version stored.
	var done, pending []archive.FrontierEntry
	err = a.LoadFrontier(Backfill.String(), func(fe archive.FrontierEntry, isDone bool) error {
		e, err := decodeEntry(fe.Key, fe.Value)
		if err != nil {
			return fmt.Errorf("%s: %w", fe.Key, err)
		}
		js, _ := json.Marshal(e)
		if isDone {
			done = append(done, archive.FrontierEntry{Key: fe.Key, Value: js})
		} else {
			pending = append(pending, archive.FrontierEntry{Key: fe.Key, Value: js})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) == 0 {
		t.Fatal("the capped run left nothing pending")
	}
	if _, err := a.Commit(context.Background(), Backfill.String(), archive.Step{Done: done, Update: pending}); err != nil {
		t.Fatal(err)
	}
	opts.MaxPages = 0
	second, err := Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if second.Resumed != len(pending) {
		t.Errorf("resumed %d pending entries, the archive held %d", second.Resumed, len(pending))
	}
	truth := srv.Truth()
	if first.Added+second.Added != len(truth) {
		t.Errorf("the runs added %d+%d articles, the site has %d", first.Added, second.Added, len(truth))
	}
	opts.Mode = Incremental
	cron, err := Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if cols := len(srv.Site.ColumnNames()); cron.Requests > int64(cols+4) || cron.Added != 0 {
		t.Errorf("cron crawl with nothing new made %d requests and added %d; want at most the %d columns + 4 and none", cron.Requests, cron.Added, cols)
	}
}

// When every attempt through a redirect fails, the page it led to was not
// fetched: a link to that page found later in the run must still be
// followed, rather than taken for a page already seen.
func TestFailedRedirectLeavesItsPageReachable(t *testing.T) {
	const articlePath = "/news/2024/01/29/1002.html"
	const retries = 1
	var hits atomic.Int32
	failed := make(chan struct{}) // closed once the run has recorded the redirect's failure
	var once sync.Once
	mux := http.NewServeMux()
	mux.Handle("/", htmlPage(`<html><body><a href="/old/1002.shtml">旧地址</a> <a href="/later/index.html">栏目</a></body></html>`))
	mux.Handle("/old/1002.shtml", http.RedirectHandler(articlePath, http.StatusMovedPermanently))
	list := htmlPage(`<html><body><a href="` + articlePath + `">新地址</a></body></html>`)
	mux.HandleFunc("/later/index.html", func(w http.ResponseWriter, r *http.Request) {
		select { // answer once the old address has failed
		case <-failed:
		case <-time.After(10 * time.Second):
		}
		list(w, r)
	})
	mux.Handle(articlePath, busyArticle("组织工作会议召开", retries+1, &hits))
	site := httptest.NewServer(mux)
	defer site.Close()
	a := openTestArchive(t)
	opts := localOptions(site.URL)
	opts.MaxRetries = retries
	opts.Parallelism = 2 // the list page waiting for the failure holds one connection
	opts.Progress = func(r Result) {
		if len(r.Failures) > 0 {
			once.Do(func() { close(failed) })
		}
	}
	res, err := Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) == 0 {
		t.Error("the old address's failure was not reported")
	}
	if _, err := a.Lookup(site.URL + articlePath); err != nil {
		t.Errorf("the page behind the failed redirect was not archived from its later link (%d fetches of it): %v", hits.Load(), err)
	}
}

package crawl

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hnredstar/crawler/archive"
)

// movingSite is a news site that changed its name halfway through its
// history, on one listener on 127.0.0.1 answering to two names: the old
// one (localhost:PORT) and the new one (127.0.0.1:PORT). Before the move
// (moved false) it has articles 1–6, all linked and served under the old
// name. After the move it also has articles 7–12, which its home page
// links under the new name while still linking the older ones under the
// old name; the old name then redirects articles 1–3 to the new one and
// serves 4–6 itself. Each name has its own robots.txt: the old one
// disallows article 6, the new one article 5. Articles attach a file on a
// resource host and link a page there, which must never be requested.
type movingSite struct {
	srv       *httptest.Server
	res       *httptest.Server // the resource host, on 127.0.0.2
	old, new  string           // http://localhost:PORT, http://127.0.0.1:PORT
	moved     atomic.Bool
	down      atomic.Bool  // the home page answers 503
	revised   atomic.Int32 // an article whose text changed after the move
	resources atomic.Int32 // requests to the resource host other than robots.txt and files

	mu   sync.Mutex
	hits map[string]int // "host path" → requests
}

func newMovingSite(t *testing.T) *movingSite {
	t.Helper()
	s := &movingSite{hits: map[string]int{}}
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skip("127.0.0.2 not available:", err)
	}
	s.res = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The file pass may read robots.txt and fetch attachments
		// there; anything else would be crawling it.
		if r.URL.Path != "/robots.txt" && !strings.HasSuffix(r.URL.Path, ".xlsx") {
			s.resources.Add(1)
		}
		http.NotFound(w, r)
	}))
	s.res.Listener = l
	s.res.Start()
	t.Cleanup(s.res.Close)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	s.new = s.srv.URL
	s.old = strings.Replace(s.srv.URL, "127.0.0.1", "localhost", 1)
	return s
}

// articlePath is where article id lives, under either name.
func articlePath(id int) string {
	if id <= 6 {
		return fmt.Sprintf("/content/2012/10/%02d/39218%d.html", id, id)
	}
	return fmt.Sprintf("/content/2024/01/%02d/10%04d.html", id, id)
}

// articleURL returns the address the site's pages give article id.
func (s *movingSite) articleURL(id int) string {
	if id <= 6 || !s.moved.Load() {
		return s.old + articlePath(id)
	}
	return s.new + articlePath(id)
}

func (s *movingSite) count() int {
	if s.moved.Load() {
		return 12
	}
	return 6
}

func (s *movingSite) hitCount(base, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[strings.TrimPrefix(base, "http://")+" "+path]
}

func (s *movingSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.Host+" "+r.URL.Path]++
	s.mu.Unlock()
	oldName := "http://"+r.Host == s.old
	if r.URL.Path == "/robots.txt" {
		disallow := articlePath(5)
		if oldName {
			disallow = articlePath(6)
		}
		fmt.Fprintf(w, "User-agent: *\nDisallow: %s\n", disallow)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if r.URL.Path == "/" && s.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	if r.URL.Path == "/" {
		var b strings.Builder
		b.WriteString(`<html><head><meta charset="utf-8"><title>红星网</title></head><body><h2>工作动态</h2><ul class="list">`)
		for id := s.count(); id >= 1; id-- {
			fmt.Fprintf(&b, `<li><a href="%s">第%d篇工作动态的标题文字</a><span>%s</span></li>`, s.articleURL(id), id, articleDate(id))
		}
		b.WriteString(`</ul></body></html>`)
		w.Write([]byte(b.String()))
		return
	}
	for id := 1; id <= s.count(); id++ {
		if r.URL.Path != articlePath(id) {
			continue
		}
		if oldName && s.moved.Load() && id <= 3 {
			http.Redirect(w, r, s.new+r.URL.Path, http.StatusMovedPermanently)
			return
		}
		if !oldName && !s.moved.Load() {
			break // the new name serves nothing before the move
		}
		extra := fmt.Sprintf(`<p>附件：<a href="%s/2024/01-29/%d.xlsx">岗位表</a> <a href="%s/page%d.html">图片新闻</a></p>`, s.res.URL, id, s.res.URL, id)
		if int(s.revised.Load()) == id {
			extra += "<p>更正：本文有修改。</p>"
		}
		w.Write([]byte(articleHTML(fmt.Sprintf("第%d篇工作动态的标题文字", id), extra)))
		return
	}
	http.NotFound(w, r)
}

func articleDate(id int) string {
	if id <= 6 {
		return fmt.Sprintf("2012-10-%02d", id)
	}
	return fmt.Sprintf("2024-01-%02d", id)
}

// options are those of a crawler that knows both names, the new one
// canonical, and the resource host.
func (s *movingSite) options() Options {
	return Options{
		StartURLs:            []string{s.new + "/", s.old + "/"},
		Hosts:                []string{strings.TrimPrefix(s.new, "http://"), strings.TrimPrefix(s.old, "http://")},
		Canonical:            s.new,
		ResourceHosts:        []string{strings.TrimPrefix(s.res.URL, "http://")},
		UserAgent:            "crawler-test/1.0",
		AllowPrivateNetworks: true,
	}
}

// oldOptions are those of a crawler from before the move, which knew only
// the old name.
func (s *movingSite) oldOptions() Options {
	return Options{
		StartURLs:            []string{s.old + "/"},
		AllowedDomains:       []string{"localhost"},
		UserAgent:            "crawler-test/1.0",
		AllowPrivateNetworks: true,
	}
}

// records returns the archive's records by URL.
func records(t *testing.T, a *archive.Archive) map[string]archive.Record {
	t.Helper()
	out := map[string]archive.Record{}
	err := a.ForEach(context.Background(), archive.Filter{}, func(r archive.Record) error {
		out[r.URL] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSiteUnderTwoNames(t *testing.T) {
	s := newMovingSite(t)
	s.moved.Store(true)
	a := openTestArchive(t)
	res, err := Run(context.Background(), a, s.options())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) > 0 {
		t.Errorf("failures: %+v", res.Failures)
	}
	// Article 6 is only linked under the old name, whose robots.txt
	// disallows it; article 5 under the old name too, whose robots.txt
	// allows it (the new name's refusal does not govern the old name).
	if res.RobotsBlocked != 1 || s.hitCount(s.old, articlePath(6)) != 0 || s.hitCount(s.new, articlePath(6)) != 0 {
		t.Errorf("robots.txt blocked %d pages; article 6 requested %d times under the old name, %d under the new",
			res.RobotsBlocked, s.hitCount(s.old, articlePath(6)), s.hitCount(s.new, articlePath(6)))
	}
	recs := records(t, a)
	var want []string
	for id := 1; id <= 12; id++ {
		if id != 6 {
			want = append(want, s.new+articlePath(id))
		}
	}
	var got []string
	for u := range recs {
		got = append(got, u)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("records:\n%s\nwant every article once, under the new name:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Added != len(want) || res.Aliased != 0 {
		t.Errorf("added %d, aliased %d; want %d added, no aliases", res.Added, res.Aliased, len(want))
	}
	for _, name := range []string{s.old, s.new} {
		if n := s.hitCount(name, "/robots.txt"); n != 1 {
			t.Errorf("robots.txt of %s read %d times, want once", name, n)
		}
	}
	if n := s.hitCount(s.new, "/") + s.hitCount(s.old, "/"); n != 1 {
		t.Errorf("the home page, one page under two start URLs, was fetched %d times", n)
	}
	for id := 1; id <= 3; id++ { // redirected from the old name to the new
		if s.hitCount(s.old, articlePath(id)) != 1 || s.hitCount(s.new, articlePath(id)) != 1 {
			t.Errorf("article %d: %d requests under the old name, %d under the new; want the redirect followed once",
				id, s.hitCount(s.old, articlePath(id)), s.hitCount(s.new, articlePath(id)))
		}
	}
	// Resource hosts: attachments recorded, nothing but files (and
	// robots.txt) requested there.
	rec := recs[s.new+articlePath(7)]
	if wantAtt := s.res.URL + "/2024/01-29/7.xlsx"; !slices.Contains(rec.Attachments, wantAtt) {
		t.Errorf("attachments of article 7 = %q, want %s", rec.Attachments, wantAtt)
	}
	if n := s.resources.Load(); n != 0 {
		t.Errorf("the resource host got %d requests; it must never be crawled", n)
	}
}

// An archive made before the site's names were configured, which holds
// the articles under the old name, keeps their records, IDs and URLs when
// the pages come back under the new name: unchanged articles stay
// unchanged, a changed one becomes a new version of its old record.
func TestArchiveFromBeforeTheMoveKeepsItsRecords(t *testing.T) {
	for _, mode := range []Mode{Backfill, Incremental} {
		t.Run(mode.String(), func(t *testing.T) {
			s := newMovingSite(t)
			path := filepath.Join(t.TempDir(), "archive.db")
			a, err := archive.Open(path, archive.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// Before: the old crawler, the old name.
			res, err := Run(context.Background(), a, s.oldOptions())
			if err != nil || res.Added != 5 {
				t.Fatalf("first run: added %d, %v; want articles 1-5", res.Added, err)
			}
			before := records(t, a)
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}

			// The site moves; article 4 is corrected; the crawler is
			// configured with both names.
			s.moved.Store(true)
			s.revised.Store(4)
			a, err = archive.Open(path, archive.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			opts := s.options()
			opts.Mode = mode
			opts.RecheckDays = 100000 // the incremental run rechecks everything, to see the correction
			res, err = Run(context.Background(), a, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Failures) > 0 {
				t.Errorf("failures: %+v", res.Failures)
			}
			after := records(t, a)
			for u, old := range before {
				rec, ok := after[u]
				if !ok || rec.ID != old.ID {
					t.Errorf("record %s (%s) lost or renumbered: %+v", old.ID, u, rec)
					continue
				}
				wantVersion := 1
				if u == s.old+articlePath(4) {
					wantVersion = 2
				}
				if rec.Version != wantVersion || len(rec.Aliases) != 0 {
					t.Errorf("record %s: version %d, aliases %q; want version %d, no aliases", u, rec.Version, rec.Aliases, wantVersion)
				}
			}
			if len(after) != len(before)+6 || res.Added != 6 || res.Versioned != 1 || res.Aliased != 0 {
				t.Errorf("%d records (added %d, versioned %d, aliased %d); want the %d old ones, 6 new, one new version",
					len(after), res.Added, res.Versioned, res.Aliased, len(before))
			}
			for id := 7; id <= 12; id++ {
				if _, ok := after[s.new+articlePath(id)]; !ok {
					t.Errorf("new article %d not archived under the new name", id)
				}
			}
			// Every later lookup, under either name, finds the old record.
			for _, u := range []string{s.old + articlePath(1), s.new + articlePath(1)} {
				cr, err := newCrawler(context.Background(), a, opts)
				if err != nil {
					t.Fatal(err)
				}
				key, _ := cr.key(u)
				if got, ok := cr.archived(key); !ok || got != s.old+articlePath(1) {
					t.Errorf("archived(%s) = %s, %v; want the old record's URL", u, got, ok)
				}
			}
		})
	}
}

// A cron crawl over an archive from before the move knows the old
// articles under their new addresses too, and does not fetch them.
func TestIncrementalAfterTheMoveSkipsOldArticles(t *testing.T) {
	s := newMovingSite(t)
	a := openTestArchive(t)
	if _, err := Run(context.Background(), a, s.oldOptions()); err != nil {
		t.Fatal(err)
	}
	s.moved.Store(true)
	opts := s.options()
	opts.Mode = Incremental
	res, err := Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 6 || res.Unchanged != 0 || len(res.Failures) > 0 {
		t.Errorf("added %d, unchanged %d, failures %+v; want the 6 new articles only", res.Added, res.Unchanged, res.Failures)
	}
	for id := 1; id <= 5; id++ {
		if n := s.hitCount(s.old, articlePath(id)) + s.hitCount(s.new, articlePath(id)); n != 1 {
			t.Errorf("article %d requested %d times in all; want once, by the first run", id, n)
		}
	}
}

// Start URLs that are one page under several names are tried in order: a
// name that refuses connections is logged and the next one used, and the
// run has no failure. When every name fails, each is reported.
func TestStartPageUnderAnotherName(t *testing.T) {
	s := newMovingSite(t)
	s.moved.Store(true)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String() // a name of the site nobody answers at
	l.Close()
	opts := s.options()
	opts.Hosts = append(opts.Hosts, strings.TrimPrefix(dead, "http://"))
	opts.StartURLs = []string{dead + "/", s.new + "/"}

	a := openTestArchive(t)
	res, err := Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) != 0 || res.Added != 11 {
		t.Errorf("added %d, failures %+v; want the whole site through the second name, no failure", res.Added, res.Failures)
	}

	opts.StartURLs = []string{dead + "/", dead + "/index.html"}
	res, err = Run(context.Background(), openTestArchive(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range res.Failures {
		failed = append(failed, f.URL)
	}
	if !slices.Equal(failed, opts.StartURLs) {
		t.Errorf("failures at %q, want one per start URL %q", failed, opts.StartURLs)
	}

	// A start page every name failed for stays pending; the next run
	// tries the names again in order, not only the last one.
	s.down.Store(true)
	a = openTestArchive(t)
	opts.StartURLs = []string{s.new + "/", dead + "/"}
	if res, err = Run(context.Background(), a, opts); err != nil || len(res.Failures) != 2 {
		t.Fatalf("with the site down: failures %+v, %v; want both names", res.Failures, err)
	}
	s.down.Store(false)
	if res, err = Run(context.Background(), a, opts); err != nil || len(res.Failures) != 0 || res.Added != 11 {
		t.Errorf("the site back: added %d, failures %+v, %v; want it crawled under its first name", res.Added, res.Failures, err)
	}
}

// Start URLs of different pages do not stand in for each other: one that
// fails is reported and the others go on.
func TestFailingStartURLDoesNotStopTheOthers(t *testing.T) {
	s := newMovingSite(t)
	s.moved.Store(true)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	opts := s.options()
	opts.StartURLs = []string{dead + "/", s.new + "/"}
	opts.AllowedDomains = []string{"127.0.0.1"}
	res, err := Run(context.Background(), openTestArchive(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) != 1 || res.Failures[0].URL != dead+"/" || res.Added != 11 {
		t.Errorf("added %d, failures %+v; want the refused start reported and the site crawled", res.Added, res.Failures)
	}
}

func TestScope(t *testing.T) {
	sc := newScope(Options{
		AllowedDomains: []string{"other.gov.cn"},
		Hosts:          []string{"www.hnredstar.gov.cn", "hnredstar.gov.cn:8080"},
		Canonical:      "https://www.hxw.gov.cn",
		ResourceHosts:  []string{"img.hxw.gov.cn", "www.hxw.gov.cn"}, // a crawled name stays crawled
	})
	for _, tt := range []struct {
		url            string
		page, resource bool
	}{
		{"https://www.hxw.gov.cn/content/1.html", true, true},
		{"http://WWW.HNREDSTAR.gov.cn./a", true, true},
		{"http://hnredstar.gov.cn:8080/a", true, true},
		{"http://other.gov.cn/a", true, true},
		{"https://img.hxw.gov.cn/2024/01-29/a.xlsx", false, true},
		{"https://img.hxw.gov.cn/news.html", false, true},
		{"ftp://img.hxw.gov.cn/a.xlsx", false, false},
		{"https://www.rednet.cn/", false, false},
	} {
		u, _ := url.Parse(tt.url)
		if sc.page(u) != tt.page || sc.resource(u) != tt.resource {
			t.Errorf("%s: page %v, resource %v; want %v, %v", tt.url, sc.page(u), sc.resource(u), tt.page, tt.resource)
		}
	}
}

// The site's names share one politeness limit; other hosts keep their own.
func TestSiteNamesShareOneHostLimit(t *testing.T) {
	cr, err := newCrawler(context.Background(), openTestArchive(t), Options{
		Hosts:     []string{"www.hnredstar.gov.cn", "hxw.gov.cn"},
		Canonical: "https://www.hxw.gov.cn",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ scheme, host, want string }{
		{"https", "www.hnredstar.gov.cn", "www.hxw.gov.cn"},
		{"http", "hxw.gov.cn", "www.hxw.gov.cn"},
		{"https", "www.hxw.gov.cn", "www.hxw.gov.cn"},
		{"https", "img.hxw.gov.cn", "img.hxw.gov.cn"},
		{"https", "www.hnredstar.gov.cn:8443", "www.hnredstar.gov.cn:8443"},
	} {
		if got := cr.hostKey(tt.scheme, tt.host); got != tt.want {
			t.Errorf("hostKey(%s, %s) = %s, want %s", tt.scheme, tt.host, got, tt.want)
		}
	}
	if _, err := newCrawler(context.Background(), openTestArchive(t), Options{Hosts: []string{"hxw.gov.cn"}}); err == nil {
		t.Error("site names without a canonical origin were accepted")
	}
}

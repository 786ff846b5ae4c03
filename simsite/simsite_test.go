package simsite

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// newTestServer starts a server closed at the end of the test.
func newTestServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// client never leaves the test server: redirects elsewhere are returned.
func testClient(s *Server) *http.Client {
	host := strings.TrimPrefix(s.URL, "http://")
	return &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != host {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

type fetched struct {
	status int
	header http.Header
	body   []byte
	url    *url.URL // after redirects
}

// fetch GETs u, retrying once on 503 as a crawler would.
func fetch(t *testing.T, c *http.Client, u string) fetched {
	t.Helper()
	for try := 0; ; try++ {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatalf("get %s: %v", u, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("read %s: %v", u, err)
		}
		if resp.StatusCode == http.StatusServiceUnavailable && try == 0 {
			continue
		}
		return fetched{resp.StatusCode, resp.Header, b, resp.Request.URL}
	}
}

func decodeGBK(t *testing.T, b []byte) string {
	t.Helper()
	out, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatalf("decode gbk: %v", err)
	}
	return string(out)
}

// serveLocal renders uri through the handler with a fixed Host.
func serveLocal(h http.Handler, method, uri string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://127.0.0.1:8080"+uri, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func sampleURIs(s *Site) []string {
	uris := []string{"/", "/robots.txt", "/calendar.html?date=2022-03-04", "/search?q=x&page=3", "/about.html", "/sitemap.html",
		"/zt/ztjy/index.html", "/zt/dsxx/index.html"}
	for _, c := range s.cols {
		uris = append(uris, c.listPath(0), c.listPath(1))
		if c.plat == platHanweb {
			uris = append(uris, "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15&columnid="+strconv.Itoa(c.hanwebID))
		}
	}
	for _, a := range s.Truth("") {
		if a.ID%7 == 0 || len(a.URLs) > 1 || len(a.PageURLs[0]) > 1 {
			for _, pages := range a.PageURLs {
				uris = append(uris, pages...)
			}
		}
	}
	return uris
}

func TestDeterminism(t *testing.T) {
	a, b := New(Options{Seed: 7}), New(Options{Seed: 7})
	uris := sampleURIs(a)
	if len(uris) < 50 {
		t.Fatalf("only %d sample URIs", len(uris))
	}
	for _, uri := range uris {
		for range 2 { // the second request passes any transient 503
			ra, rb := serveLocal(a.Handler(), "GET", uri), serveLocal(b.Handler(), "GET", uri)
			if ra.Code != rb.Code || !bytes.Equal(ra.Body.Bytes(), rb.Body.Bytes()) {
				t.Fatalf("%s: same seed served different responses (%d, %d)", uri, ra.Code, rb.Code)
			}
		}
	}
	c := New(Options{Seed: 8})
	if bytes.Equal(serveLocal(a.Handler(), "GET", "/").Body.Bytes(), serveLocal(c.Handler(), "GET", "/").Body.Bytes()) {
		t.Error("seeds 7 and 8 serve the same home page")
	}
	ta, tc := a.Truth(""), c.Truth("")
	if ta[0].Title == tc[0].Title && ta[0].Body == tc[0].Body {
		t.Error("seeds 7 and 8 have the same first article")
	}
}

var (
	imgRe  = regexp.MustCompile(`<img[^>]+src="([^"]+)"`)
	hrefRe = regexp.MustCompile(`(?i)href\s*=\s*["']([^"'#]*)`)
	attExt = regexp.MustCompile(`\.(pdf|docx?|xlsx?|zip)$`)
	tagRe  = regexp.MustCompile(`<[^>]*>`)
)

// TestTruthServed checks every page of every article against its truth.
func TestTruthServed(t *testing.T) {
	srv := newTestServer(t, Options{})
	c := testClient(srv)
	truth := srv.Truth()
	if len(truth) != 300 {
		t.Fatalf("truth has %d articles, want 300", len(truth))
	}
	var gbk, multi, dual, noSource, dateOnly int
	for i, a := range truth {
		if a.ID != i+1 || a.Version != 1 || a.Title == "" || a.Body == "" {
			t.Fatalf("article %d: bad truth %+v", i+1, a)
		}
		if i > 0 && !a.Published.After(truth[i-1].Published) && !a.Published.Equal(truth[i-1].Published) {
			t.Errorf("article %d published before article %d", a.ID, a.ID-1)
		}
		n := utf8.RuneCountInString(a.Body)
		if len(a.PageURLs[0]) == 1 && (n < 400 || n > 3300) {
			t.Errorf("article %d: body of %d characters", a.ID, n)
		}
		for _, para := range strings.Split(a.Body, "\n") {
			if para == "" || strings.TrimSpace(para) != para || strings.Contains(para, "  ") {
				t.Fatalf("article %d: badly normalised paragraph %q", a.ID, para)
			}
		}
		if a.Encoding == "gbk" {
			gbk++
		}
		if len(a.PageURLs[0]) > 1 {
			multi++
		}
		if len(a.URLs) > 1 {
			dual++
		}
		if a.Source == "" {
			noSource++
		}
		if a.Published.Hour() == 0 && a.Published.Minute() == 0 {
			dateOnly++
		}
		for ci, pages := range a.PageURLs {
			if pages[0] != a.URLs[ci] {
				t.Fatalf("article %d: first page %s is not URL %s", a.ID, pages[0], a.URLs[ci])
			}
			var all strings.Builder
			var imgs, atts []string
			for _, u := range pages {
				f := fetch(t, c, u)
				if f.status != http.StatusOK {
					t.Fatalf("%s: status %d", u, f.status)
				}
				text := string(f.body)
				if a.Encoding == "gbk" {
					if utf8.Valid(f.body) {
						t.Fatalf("%s: gbk page is valid UTF-8", u)
					}
					text = decodeGBK(t, f.body)
				}
				if !strings.Contains(text, html.EscapeString(a.Title)) && !strings.Contains(text, a.Title) {
					t.Fatalf("%s: title %q not on the page", u, a.Title)
				}
				if !strings.Contains(text, a.Columns[ci]) {
					t.Fatalf("%s: column %q not on the page", u, a.Columns[ci])
				}
				all.WriteString(text)
				base := f.url
				for _, m := range imgRe.FindAllStringSubmatch(text, -1) {
					if strings.Contains(m[1], "uploadfiles") || strings.Contains(m[1], "W0") {
						ref, _ := url.Parse(m[1])
						imgs = append(imgs, base.ResolveReference(ref).String())
					}
				}
				for _, m := range hrefRe.FindAllStringSubmatch(text, -1) {
					if attExt.MatchString(m[1]) {
						ref, _ := url.Parse(m[1])
						atts = append(atts, base.ResolveReference(ref).String())
					}
				}
			}
			page := html.UnescapeString(tagRe.ReplaceAllString(all.String(), ""))
			for _, para := range strings.Split(a.Body, "\n") {
				if !strings.Contains(page, para) {
					t.Fatalf("article %d copy %d: paragraph %q not on its pages", a.ID, ci, para)
				}
			}
			if !slices.Equal(imgs, a.Images) {
				t.Errorf("article %d copy %d: images %v, truth %v", a.ID, ci, imgs, a.Images)
			}
			if !slices.Equal(atts, a.Attachments) {
				t.Errorf("article %d copy %d: attachments %v, truth %v", a.ID, ci, atts, a.Attachments)
			}
			if a.Source != "" && !strings.Contains(page, a.Source) {
				t.Errorf("article %d: source %q not on the page", a.ID, a.Source)
			}
			if a.Editor != "" && !strings.Contains(page, a.Editor) {
				t.Errorf("article %d: editor %q not on the page", a.ID, a.Editor)
			}
		}
	}
	t.Logf("gbk %d, multi-page %d, two columns %d, no source %d, date only %d of %d", gbk, multi, dual, noSource, dateOnly, len(truth))
	if gbk < 20 || gbk > 100 {
		t.Errorf("%d GBK articles of 300, want about 15–20%%", gbk)
	}
	if multi < 5 || dual < 2 || noSource < 5 || dateOnly < 5 {
		t.Errorf("too few multi-page (%d), two-column (%d), sourceless (%d) or date-only (%d) articles", multi, dual, noSource, dateOnly)
	}
}

var (
	createPageRe = regexp.MustCompile(`createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*"([^"]+)"\s*,\s*"([^"]+)"\s*\)`)
	jpageRe      = regexp.MustCompile(`totalRecord:(\d+), perpage:(\d+).*columnid:"(\d+)"`)
	listDateRe   = regexp.MustCompile(`href="([^"]+)"[^>]*>[^<]*(?:</a>|<h4>[^<]*</h4></a>)(?:<span[^>]*>|<p class="date">|</td><td[^>]*>\()(\d{4}-\d\d-\d\d)`)
	listDateRe2  = regexp.MustCompile(`<li><span>(\d{4}-\d\d-\d\d)</span><a href="([^"]+)"`)
)

// crawl is a tiny polite crawler: it follows <a href>, createPageHTML calls
// and Hanweb jpage parameters, stays on the server's host, obeys robots.txt
// and skips the calendar trap. It returns the final URLs of the HTML pages
// it fetched.
func crawl(t *testing.T, srv *Server) map[string]bool {
	t.Helper()
	c := testClient(srv)
	base, _ := url.Parse(srv.URL + "/")
	seen := map[string]bool{}
	got := map[string]bool{}
	queue := []string{srv.URL + "/"}
	add := func(from *url.URL, ref string) {
		ref = strings.TrimSpace(html.UnescapeString(ref))
		if ref == "" || strings.HasPrefix(ref, "javascript:") || strings.HasPrefix(ref, "mailto:") {
			return
		}
		r, err := url.Parse(ref)
		if err != nil {
			return
		}
		u := from.ResolveReference(r)
		u.Fragment = ""
		if u.Host != base.Host || u.Scheme != "http" || isDisallowed(u.Path) || u.Path == "/calendar.html" ||
			regexp.MustCompile(`\.(css|js|jpg|png|gif|ico|pdf|docx?|xlsx?|zip)$`).MatchString(u.Path) {
			return
		}
		if s := u.String(); !seen[s] {
			seen[s] = true
			queue = append(queue, s)
		}
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if len(got) > 5000 {
			t.Fatal("crawl did not converge")
		}
		f := fetch(t, c, u)
		if f.status != http.StatusOK {
			continue
		}
		got[f.url.String()] = true
		text := string(f.body)
		for _, m := range hrefRe.FindAllStringSubmatch(text, -1) {
			add(f.url, m[1])
		}
		for _, m := range createPageRe.FindAllStringSubmatch(text, -1) {
			n, _ := strconv.Atoi(m[1])
			for i := range n {
				name := m[3] + "." + m[4]
				if i > 0 {
					name = m[3] + "_" + strconv.Itoa(i) + "." + m[4]
				}
				add(f.url, name)
			}
		}
		for _, m := range jpageRe.FindAllStringSubmatch(text, -1) {
			total, _ := strconv.Atoi(m[1])
			for start := 1; start <= total; start += 45 {
				form := url.Values{"startrecord": {strconv.Itoa(start)}, "endrecord": {strconv.Itoa(start + 44)},
					"perpage": {m[2]}, "columnid": {m[3]}, "webid": {"1"}}
				resp, err := c.PostForm(srv.URL+"/module/web/jpage/dataproxy.jsp", form)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				for _, h := range hrefRe.FindAllStringSubmatch(string(b), -1) {
					add(f.url, h[1])
				}
			}
		}
	}
	return got
}

func TestReachable(t *testing.T) {
	srv := newTestServer(t, Options{Seed: 3, Articles: 250, Columns: 7})
	got := crawl(t, srv)
	missing := 0
	for _, a := range srv.Truth() {
		for _, pages := range a.PageURLs {
			for _, u := range pages {
				if !got[u] {
					missing++
					if missing < 5 {
						t.Errorf("article %d page %s not reachable from the home page", a.ID, u)
					}
				}
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d article pages not reachable", missing)
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("a polite crawl made violations: %v", v)
	}
	t.Logf("%d pages, %d requests", len(got), srv.Requests())
}

// TestListsNewestFirst reads every column list and checks the order.
func TestListsNewestFirst(t *testing.T) {
	srv := newTestServer(t, Options{Seed: 5, Articles: 400})
	c := testClient(srv)
	idOf := map[string]int{}
	for _, a := range srv.Truth() {
		for _, u := range a.URLs {
			idOf[u] = a.ID
		}
	}
	styles := map[pagerStyle]bool{}
	gbkList := false
	total := 0
	for _, col := range srv.Site.cols {
		styles[col.style] = true
		items := len(srv.Site.colItems(col))
		var ids []int
		var dates []string
		collect := func(from *url.URL, text string) {
			for _, m := range listDateRe.FindAllStringSubmatch(text, -1) {
				r, _ := url.Parse(m[1])
				ids = append(ids, idOf[from.ResolveReference(r).String()])
				dates = append(dates, m[2])
			}
			for _, m := range listDateRe2.FindAllStringSubmatch(text, -1) {
				r, _ := url.Parse(m[2])
				ids = append(ids, idOf[from.ResolveReference(r).String()])
				dates = append(dates, m[1])
			}
		}
		if col.style == pagerHanweb {
			for start := 1; start <= items; start += 30 {
				u := fmt.Sprintf("%s/module/web/jpage/dataproxy.jsp?startrecord=%d&endrecord=%d&perpage=15&columnid=%d", srv.URL, start, start+29, col.hanwebID)
				f := fetch(t, c, u)
				if !strings.Contains(string(f.body), "<totalrecord>"+strconv.Itoa(items)+"</totalrecord>") {
					t.Fatalf("%s: wrong totalrecord", u)
				}
				collect(f.url, string(f.body))
			}
		} else {
			for n := range col.pageCount(items) {
				f := fetch(t, c, srv.URL+col.listPath(n))
				text := string(f.body)
				if col.gbk {
					gbkList = true
					text = decodeGBK(t, f.body)
				}
				if col.style == pagerScript && strings.Contains(text, `href="index_`) {
					t.Errorf("%s: script-paged list has <a> page links", f.url)
				}
				if k := len(listDateRe.FindAllString(text, -1)) + len(listDateRe2.FindAllString(text, -1)); n < col.pageCount(items)-1 && (k < 15 || k > 25) {
					t.Errorf("%s: %d items on a list page", f.url, k)
				}
				collect(f.url, text)
			}
		}
		if len(ids) != items {
			t.Fatalf("column %s: %d list items, want %d", col.name, len(ids), items)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] == 0 || ids[i] >= ids[i-1] || dates[i] > dates[i-1] {
				t.Fatalf("column %s: item %d (article %d, %s) not older than item %d (article %d, %s)", col.name, i, ids[i], dates[i], i-1, ids[i-1], dates[i-1])
			}
		}
		total += len(ids)
	}
	if len(styles) != 4 || !gbkList {
		t.Errorf("pager styles %v, GBK list %v: want all four styles and a GBK list", styles, gbkList)
	}
	if total < 400 {
		t.Errorf("lists hold %d items for 400 articles", total)
	}
}

func TestPublishRevise(t *testing.T) {
	srv := newTestServer(t, Options{Seed: 11, Articles: 120})
	c := testClient(srv)
	before := srv.Truth()
	srv.Publish(3)
	after := srv.Truth()
	if len(after) != 123 || !slices.EqualFunc(before, after[:120], func(a, b Article) bool { return a.Body == b.Body && a.URLs[0] == b.URLs[0] }) {
		t.Fatal("Publish changed existing articles or did not add 3")
	}
	newest := after[122]
	if !newest.Published.After(after[119].Published) {
		t.Error("published articles are not the newest")
	}
	col := srv.Site.cols[slices.Index(srv.Site.ColumnNames(), newest.Columns[0])]
	if col.style == pagerHanweb {
		f := fetch(t, c, fmt.Sprintf("%s/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=1&columnid=%d", srv.URL, col.hanwebID))
		if !strings.Contains(string(f.body), strings.TrimPrefix(newest.URLs[0], srv.URL)) {
			t.Error("newest article not first in its Hanweb list")
		}
	} else {
		f := fetch(t, c, srv.URL+col.listPath(0))
		text := string(f.body)
		if col.gbk {
			text = decodeGBK(t, f.body)
		}
		if !strings.Contains(text, newest.Title) {
			t.Error("newest article not on its column's first list page")
		}
	}

	ids := srv.Revise(2)
	if len(ids) != 2 || ids[0] >= ids[1] {
		t.Fatalf("Revise returned %v", ids)
	}
	revised := srv.Truth()
	for _, id := range ids {
		old, cur := after[id-1], revised[id-1]
		if cur.Version != 2 || cur.URLs[0] != old.URLs[0] || cur.Title != old.Title || cur.Body == old.Body {
			t.Fatalf("article %d: revision did not change the body at the same URL", id)
		}
		op, np := strings.Split(old.Body, "\n"), strings.Split(cur.Body, "\n")
		diff := 0
		for i := range min(len(op), len(np)) {
			if op[i] != np[i] {
				diff++
			}
		}
		if len(op) != len(np) || diff != 1 {
			t.Errorf("article %d: revision changed %d paragraphs", id, diff)
		}
		var page strings.Builder
		for _, u := range cur.PageURLs[0] {
			f := fetch(t, c, u)
			if cur.Encoding == "gbk" {
				page.WriteString(decodeGBK(t, f.body))
			} else {
				page.Write(f.body)
			}
		}
		for _, para := range np {
			if !strings.Contains(html.UnescapeString(page.String()), para) {
				t.Errorf("article %d: revised paragraph not served", id)
			}
		}
	}
	if v := srv.Site.Revise(0); v != nil {
		t.Errorf("Revise(0) = %v", v)
	}
}

func TestTraps(t *testing.T) {
	srv := newTestServer(t, Options{Seed: 2, CrawlDelay: 2, SlowDelay: 60 * time.Millisecond})
	c := testClient(srv)
	get := func(u string) fetched {
		t.Helper()
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return fetched{resp.StatusCode, resp.Header, b, resp.Request.URL}
	}
	truth := srv.Truth()

	t.Run("robots", func(t *testing.T) {
		b := string(get(srv.URL + "/robots.txt").body)
		for _, want := range []string{"Disallow: /search\n", "Disallow: /admin/\n", "Disallow: /private/\n", "Crawl-delay: 2\n"} {
			if !strings.Contains(b, want) {
				t.Errorf("robots.txt lacks %q", want)
			}
		}
		if strings.Contains(b, "jpage") || strings.Contains(b, "calendar") {
			t.Error("robots.txt disallows the data proxy or the calendar")
		}
		home := string(get(srv.URL + "/").body)
		if !strings.Contains(home, `href="/private/`) || !strings.Contains(home, `href="/search?`) {
			t.Error("home page does not link disallowed paths")
		}
	})
	t.Run("challenges", func(t *testing.T) {
		statuses := map[int]bool{}
		for _, ch := range srv.Site.challenges {
			f := get(srv.URL + ch.path)
			statuses[f.status] = true
			if !strings.Contains(string(f.body), "document.cookie") || strings.Contains(string(f.body), "主办单位") {
				t.Errorf("%s: not a challenge page", ch.path)
			}
			req, _ := http.NewRequest("GET", srv.URL+ch.path, nil)
			req.AddCookie(&http.Cookie{Name: ch.cookie, Value: ch.value})
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s with cookie: status %d", ch.path, resp.StatusCode)
			}
		}
		if !statuses[200] || !statuses[412] {
			t.Errorf("challenge statuses %v, want 200 and 412", statuses)
		}
	})
	t.Run("calendar", func(t *testing.T) {
		b := string(get(srv.URL + "/calendar.html?date=1999-01-01").body)
		if !strings.Contains(b, "/calendar.html?date=1998-12-31") || !strings.Contains(b, "/calendar.html?date=2000-01-01") {
			t.Error("calendar does not link its neighbours")
		}
		a := truth[10]
		day := a.Published.Format("2006-01-02")
		if b := string(get(srv.URL + "/calendar.html?date=" + day).body); !strings.Contains(b, strings.TrimPrefix(a.URLs[0], srv.URL)) {
			t.Error("calendar does not list the day's article")
		}
	})
	t.Run("redirects and dead links", func(t *testing.T) {
		a := truth[20]
		m, _ := srv.Site.meta(a.ID)
		f := get(srv.URL + srv.Site.oldPath(a.ID, m))
		if f.status != 200 || f.url.String() != a.URLs[0] {
			t.Errorf("old URL led to %d %s, want %s", f.status, f.url, a.URLs[0])
		}
		f = get(srv.URL + "/link/rednet")
		if f.status != http.StatusFound || !strings.Contains(f.header.Get("Location"), "rednet.cn") {
			t.Errorf("/link/rednet: %d %s", f.status, f.header.Get("Location"))
		}
		for _, p := range []string{"/zt/2019/lzjy/index.html", "/wap/index.html", "/c/2018/05/03/1.html", strings.Replace(strings.TrimPrefix(a.URLs[0], srv.URL), ".html", "_9.html", 1)} {
			if f := get(srv.URL + p); f.status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", p, f.status)
			}
		}
		f = get(srv.URL + srv.Site.cols[0].dir)
		if f.status != 200 || !strings.HasSuffix(f.url.Path, "/index.html") {
			t.Errorf("column directory: %d %s", f.status, f.url)
		}
	})
	t.Run("transient and slow", func(t *testing.T) {
		n := 0
		for uri := range srv.Site.transient {
			n++
			if f := get(srv.URL + uri); f.status != http.StatusServiceUnavailable {
				t.Errorf("%s: first status %d, want 503", uri, f.status)
			}
			if f := get(srv.URL + uri); f.status != http.StatusOK {
				t.Errorf("%s: second status %d, want 200", uri, f.status)
			}
		}
		if n < 3 {
			t.Errorf("%d transient pages", n)
		}
		for uri := range srv.Site.slow {
			start := time.Now()
			get(srv.URL + uri)
			if d := time.Since(start); d < 60*time.Millisecond {
				t.Errorf("%s answered in %v", uri, d)
			}
			break
		}
	})
	t.Run("dataproxy and conditional GET", func(t *testing.T) {
		for _, col := range srv.Site.cols {
			if col.plat != platHanweb {
				continue
			}
			resp, err := c.PostForm(srv.URL+"/module/web/jpage/dataproxy.jsp", url.Values{"columnid": {strconv.Itoa(col.hanwebID)}, "startrecord": {"2"}, "endrecord": {"4"}, "perpage": {"15"}})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if n := strings.Count(string(b), "<record>"); n != 3 || !strings.HasPrefix(string(b), "<?xml") {
				t.Errorf("POST dataproxy: %d records", n)
			}
		}
		f := get(truth[0].URLs[0])
		req, _ := http.NewRequest("GET", truth[0].URLs[0], nil)
		req.Header.Set("If-None-Match", f.header.Get("ETag"))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: status %d", resp.StatusCode)
		}
	})
	t.Run("violations", func(t *testing.T) {
		before := len(srv.Violations())
		get(srv.URL + "/search?q=a&page=2")
		get(srv.URL + "/private/notice.html")
		port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		req.Host = "localhost:" + port
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		v := srv.Violations()
		if len(v) != before+3 || !strings.Contains(v[len(v)-1], "localhost") || !strings.Contains(v[before], "robots") {
			t.Errorf("violations: %q", v)
		}
		home := string(get(srv.URL + "/").body)
		if !strings.Contains(home, "http://localhost:"+port+"/") {
			t.Error("home page does not link the localhost alias")
		}
	})
	t.Run("footer and spam everywhere", func(t *testing.T) {
		for _, u := range []string{srv.URL + "/", truth[1].URLs[0], srv.URL + srv.Site.cols[0].listPath(0)} {
			f := get(u)
			text := string(f.body)
			if !utf8.Valid(f.body) {
				text = decodeGBK(t, f.body)
			}
			for _, want := range []string{"主办单位：中共湖南省委组织部", "技术支持：湖南红网新媒体集团", "湘ICP备17016663号-1", "欢迎您访问红星网", "位来访者", "县| "} {
				if !strings.Contains(text, want) {
					t.Errorf("%s lacks %q", u, want)
				}
			}
		}
	})
}

// TestAllSeedsRender renders every page of several small sites through the
// handler, catching panics and bad statuses without the network.
func TestAllSeedsRender(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		s := New(Options{Seed: seed, Articles: 150, Columns: 5 + int(seed%4)})
		skins := map[skin]bool{}
		for _, c := range s.cols {
			skins[c.skin] = true
		}
		if len(skins) != 5 {
			t.Errorf("seed %d: %d column skins, want 5", seed, len(skins))
		}
		for _, m := range s.arts {
			for copy := range m.copies() {
				skins[s.skinOf(m, copy)] = true
			}
		}
		if len(skins) != 8 {
			t.Errorf("seed %d: %d article skins, want 8", seed, len(skins))
		}
		for _, a := range s.Truth("") {
			for _, pages := range a.PageURLs {
				for _, u := range pages {
					rec := serveLocal(s.Handler(), "GET", u)
					if rec.Code == http.StatusServiceUnavailable {
						rec = serveLocal(s.Handler(), "GET", u)
					}
					if rec.Code != http.StatusOK {
						t.Fatalf("seed %d %s: status %d", seed, u, rec.Code)
					}
				}
			}
		}
	}
}

func TestBanksEncodeInGBK(t *testing.T) {
	var all []string
	for _, c := range cities {
		all = append(all, c.name, c.abbr)
		all = append(all, c.counties...)
	}
	all = append(all, towns...)
	all = append(all, villages...)
	all = append(all, surnames...)
	all = append(all, givenNames...)
	for k := range numTopics {
		all = append(all, topicFocus[k]...)
		all = append(all, titleMethods[k]...)
		all = append(all, titlePurposes[k]...)
		all = append(all, headings[k]...)
		all = append(all, leads[k]...)
		all = append(all, sentences[k]...)
		all = append(all, quotes[k]...)
	}
	for _, b := range [][]string{meetings, sharedHeadings, sharedSentences, sharedQuotes, closings, posts, sources, attachmentNames, spamCounties} {
		all = append(all, b...)
	}
	for _, c := range columnBank {
		all = append(all, c.name)
	}
	all = append(all, "發佈時間", "您现在的位置：", "＞", "【责任编辑：】", "相关阅读相关新闻相关文章相关信息", "打印本页关闭窗口分享到：微信微博QQ空间")
	enc := simplifiedchinese.GBK.NewEncoder()
	for _, s := range all {
		if _, err := enc.String(s); err != nil {
			t.Errorf("%q does not encode in GBK: %v", s, err)
		}
	}
}

func TestBigSite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-article site")
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	s := New(Options{Articles: 100000, SlowDelay: -1})
	built := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	// Pages are made on request: the site holds its plan, not its pages.
	// (Its speed is BenchmarkArticlePage's and BenchmarkListPage's.)
	t.Logf("built in %v, heap %d KB", built, heap/1024)
	if heap > 100<<20 {
		t.Errorf("site holds %d MB", heap>>20)
	}
	var multi, dual int
	for id := 1; id <= 100000; id++ {
		m, _ := s.meta(id)
		if m.pages > 1 {
			multi++
		}
		if m.col2 != noCol {
			dual++
		}
	}
	if multi < 5000 || multi > 10000 || dual < 2000 || dual > 4500 {
		t.Errorf("%d multi-page and %d two-column articles of 100,000", multi, dual)
	}
	start = time.Now()
	n := 0
	for id := 1; id <= 100000; id += 97 {
		a, ok := s.Article("", id)
		if !ok {
			t.Fatalf("article %d missing", id)
		}
		rec := serveLocal(s.Handler(), "GET", a.URLs[0])
		if rec.Code == http.StatusServiceUnavailable {
			rec = serveLocal(s.Handler(), "GET", a.URLs[0])
		}
		if rec.Code != 200 {
			t.Fatalf("%s: %d", a.URLs[0], rec.Code)
		}
		n++
	}
	for _, c := range s.cols {
		for _, p := range []int{0, 1, c.pageCount(len(c.items)) - 1} {
			if rec := serveLocal(s.Handler(), "GET", c.listPath(p)); rec.Code != 200 && rec.Code != 503 {
				t.Fatalf("%s: %d", c.listPath(p), rec.Code)
			}
			n++
		}
	}
	d := time.Since(start)
	t.Logf("%d pages in %v (%.0f pages/s)", n, d, float64(n)/d.Seconds())
}

// TestConcurrent serves pages while articles are published and revised
// (run with -race).
func TestConcurrent(t *testing.T) {
	srv := newTestServer(t, Options{Seed: 4, Articles: 200, SlowDelay: -1})
	truth := srv.Truth()
	done := make(chan struct{})
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			c := testClient(srv)
			for i := g; i < len(truth); i += 8 {
				for _, u := range []string{truth[i].URLs[0], srv.URL + "/", srv.URL + srv.Site.cols[i%5].listPath(0)} {
					resp, err := c.Get(u)
					if err != nil {
						errs <- err
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 && resp.StatusCode != 503 {
						errs <- fmt.Errorf("%s: status %d", u, resp.StatusCode)
						return
					}
				}
			}
			errs <- nil
		}()
	}
	go func() {
		defer close(done)
		for range 20 {
			srv.Publish(2)
			srv.Revise(1)
			_ = srv.Truth()
		}
	}()
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	<-done
	if srv.Site.Len() != 240 {
		t.Errorf("%d articles after publishing 40", srv.Site.Len())
	}
}

func TestOptionsDefaults(t *testing.T) {
	s := New(Options{Columns: 2, SlowDelay: -1})
	if len(s.ColumnNames()) != 5 || s.Len() != 300 || s.slowDelay >= 0 {
		t.Errorf("columns %d, articles %d, slow %v", len(s.ColumnNames()), s.Len(), s.slowDelay)
	}
	if _, ok := s.Article("", 301); ok {
		t.Error("article 301 exists")
	}
}

func BenchmarkArticlePage(b *testing.B) {
	s := New(Options{Articles: 100000, SlowDelay: -1})
	h := s.Handler()
	var uris []string
	for id := 1; id <= 100000; id += 331 {
		a, _ := s.Article("", id)
		uris = append(uris, a.URLs[0])
	}
	b.ResetTimer()
	for i := range b.N {
		serveLocal(h, "GET", uris[i%len(uris)])
	}
}

func BenchmarkListPage(b *testing.B) {
	s := New(Options{Articles: 100000, SlowDelay: -1})
	h := s.Handler()
	b.ResetTimer()
	for i := range b.N {
		c := s.cols[i%len(s.cols)]
		serveLocal(h, "GET", c.listPath(i%50))
	}
}

package serve

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
)

// injected is markup a crawled page could carry in any field.
const injected = `<script>alert("x")</script><img src=x onerror=alert(1)><b id="injected">粗体</b>`

// testArchive writes a small archive: four articles in two columns, one
// with two versions and an alias, one carrying markup in every field, one
// without a date; and returns its path.
func testArchive(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := archive.Open(path, archive.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	put := func(art archive.Article) {
		t.Helper()
		if art.FetchedAt.IsZero() {
			art.FetchedAt = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
		}
		art.Pages = []archive.RawPage{{URL: art.URL, Status: 200, Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<html>" + art.Body), FetchedAt: art.FetchedAt}}
		if _, err := a.Put(context.Background(), art); err != nil {
			t.Fatal(err)
		}
	}
	put(archive.Article{URL: "https://www.hnredstar.gov.cn/c/2024/01/05/1.html", Title: "娄底市：外派竞学为干部提能发展提质",
		Source: "娄底市委组织部", Published: time.Date(2024, 1, 5, 15, 20, 0, 0, beijing), Column: "干部工作",
		Body: "娄底市坚持把乡村振兴作为重点。\n外派竞学\n干部能力明显提升。", Author: "李明", Editor: "王芳",
		Images:      []string{"https://www.hnredstar.gov.cn/c/2024/01/05/W1.jpg"},
		Attachments: []string{"https://www.hnredstar.gov.cn/c/2024/01/05/名单.pdf"}})
	put(archive.Article{URL: "https://www.hnredstar.gov.cn/c/2024/01/05/1.html", Title: "娄底市：外派竞学为干部提能发展提质",
		Source: "娄底市委组织部", Published: time.Date(2024, 1, 5, 15, 20, 0, 0, beijing), Column: "干部工作",
		Body: "娄底市坚持把乡村振兴作为重点工作。\n外派竞学\n干部能力明显提升。", FetchedAt: time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC), Author: "李明",
		Images:      []string{"https://www.hnredstar.gov.cn/c/2024/01/05/W1.jpg"},
		Attachments: []string{"https://www.hnredstar.gov.cn/c/2024/01/05/名单.pdf"}})
	put(archive.Article{URL: "https://www.hnredstar.gov.cn/col/ganbu/202401/t20240105_1.html", Title: "娄底市：外派竞学为干部提能发展提质",
		Body: "娄底市坚持把乡村振兴作为重点工作。\n外派竞学\n干部能力明显提升。"})
	put(archive.Article{URL: "https://www.hnredstar.gov.cn/c/2024/03/10/2.html", Title: "株洲市：村级后备力量培养", Source: "株洲日报",
		Published: time.Date(2024, 3, 10, 0, 0, 0, 0, beijing), Column: "基层党建", Body: "株洲市实施能人回引工程。"})
	put(archive.Article{URL: "https://www.hnredstar.gov.cn/c/2024/02/01/3.html", Title: "标题" + injected, Source: injected,
		Published: time.Date(2024, 2, 1, 9, 0, 0, 0, beijing), Column: "要闻" + injected, Body: "正文" + injected + "\n第二段",
		Author: injected, Images: []string{"javascript:alert(2)", "https://www.hnredstar.gov.cn/a.png\" onload=\"alert(3)"},
		Attachments: []string{"javascript:alert(4)"}})
	put(archive.Article{URL: "https://www.hnredstar.gov.cn/about/4.html", Title: "没有日期的页面", Column: "干部工作", Body: "关于我们"})
	return path
}

// loadServer returns a server over the archive at opts.Path, loaded.
func loadServer(t *testing.T, opts Options) (*Server, error) {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, s.Reload(context.Background())
}

func newTestServer(t *testing.T, path string, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	opts.Path = path
	s, err := loadServer(t, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, newHTTPServer(t, s)
}

// newHTTPServer serves s on 127.0.0.1 for the test.
func newHTTPServer(t *testing.T, s *Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// get fetches path as a browser that states no language preference.
func get(t *testing.T, ts *httptest.Server, path string) (int, http.Header, string) {
	t.Helper()
	return getIn(t, ts, path, "")
}

// getIn fetches path with the Accept-Language header acceptLang (none if
// empty).
func getIn(t *testing.T, ts *httptest.Server, path, acceptLang string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest("GET", ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acceptLang != "" {
		req.Header.Set("Accept-Language", acceptLang)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func TestPages(t *testing.T) {
	_, ts := newTestServer(t, testArchive(t), Options{PageSize: 2})
	for _, c := range []struct {
		name, path string
		status     int
		want, not  []string
	}{
		{"list", "/", 200,
			[]string{"4 articles, newest first", "株洲市：村级后备力量培养", "<svg class=\"plot\"", "<option value=\"干部工作\">干部工作 (2)</option>", "Page 1 of 2", `href="/?page=2"`},
			[]string{"没有日期的页面", "← Newer"}},
		{"second page, undated last", "/?page=2", 200,
			[]string{"娄底市", "没有日期的页面", `href="/"`, "Page 2 of 2", "2 versions", "also at 1 other URL"}, []string{"株洲市"}},
		{"page past the end", "/?page=9", 404, []string{"page 9: there are only 2 pages"}, nil},
		{"search", "/?q=%E4%B9%A1%E6%9D%91%E6%8C%AF%E5%85%B4", 200,
			[]string{"1 article matching “乡村振兴”", "<mark>乡村振兴</mark>", `href="/article/0000000001?q=%E4%B9%A1%E6%9D%91%E6%8C%AF%E5%85%B4"`}, []string{"株洲市"}},
		{"column", "/?column=%E5%9F%BA%E5%B1%82%E5%85%9A%E5%BB%BA", 200,
			[]string{"1 article,", "株洲市", `<option value="基层党建" selected>`}, []string{"娄底市"}},
		{"dates", "/?since=2024-02-01&until=2024-03", 200, []string{"1 article,", "标题&lt;script&gt;"}, []string{"株洲市", "娄底市"}},
		{"bad date", "/?since=soon", 400, []string{`since=&#34;soon&#34;: expected a date`}, nil},
		{"bad page", "/?page=0", 400, []string{"expected a page number"}, nil},
		{"article", "/article/0000000001?q=%E5%A4%96%E6%B4%BE", 200,
			[]string{`<h1 id="title">娄底市：<mark>外派</mark>竞学为干部提能发展提质</h1>`, `<dd id="source">娄底市委组织部</dd>`,
				`<time>2024-01-05 15:20</time>`, `<a href="/?column=%E5%B9%B2%E9%83%A8%E5%B7%A5%E4%BD%9C">干部工作</a>`,
				`<p>娄底市坚持把乡村振兴作为重点工作。</p>`, `<p><mark>外派</mark>竞学</p>`,
				`<img src="/article/0000000001/stored?url=https%3A%2F%2Fwww.hnredstar.gov.cn%2Fc%2F2024%2F01%2F05%2FW1.jpg&amp;v=2"`,
				`<a href="https://www.hnredstar.gov.cn/c/2024/01/05/W1.jpg" rel="noopener noreferrer">original site</a>`, `名单.pdf`,
				`2 (shown)`, `href="/article/0000000001?v=1"`, `https://www.hnredstar.gov.cn/col/ganbu/202401/t20240105_1.html`,
				`href="https://www.hnredstar.gov.cn/c/2024/01/05/1.html" id="original"`, `<dd id="author">李明</dd>`, `href="/?q=%E5%A4%96%E6%B4%BE"`},
			[]string{"This is version"}},
		{"earlier version", "/article/0000000001?v=1", 200,
			[]string{"This is version 1 of 2", "<p>娄底市坚持把乡村振兴作为重点。</p>", "1 (shown)", `href="/api/articles/0000000001?v=1"`}, nil},
		{"no such version", "/article/0000000001?v=7", 404, []string{"has no version 7"}, nil},
		{"no such article", "/article/0000000099", 404, []string{"no article with ID"}, nil},
		{"no such page", "/nope", 404, []string{"no such page"}, nil},
		{"undated article", "/article/0000000004", 200, []string{"<time>no date</time>", "None: the article was found at one URL only."}, nil},
		{"style sheet", "/static/style.css", 200, []string{"mark {"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, h, body := getIn(t, ts, c.path, "en")
			if status != c.status {
				t.Errorf("status %d, want %d", status, c.status)
			}
			if c.path != "/static/style.css" && !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("Content-Type %q", h.Get("Content-Type"))
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "script-src") && !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("no content security policy: %v", h)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(body, n) {
					t.Errorf("page has %q", n)
				}
			}
			if t.Failed() {
				t.Logf("page:\n%s", body)
			}
		})
	}
}

// TestMarkupShowsAsText checks that markup from the crawled site is never
// live on any page: it shows escaped, and unsafe URLs are neutralised.
func TestMarkupShowsAsText(t *testing.T) {
	_, ts := newTestServer(t, testArchive(t), Options{})
	for _, path := range []string{"/", "/?q=%E6%A0%87%E9%A2%98", "/article/0000000003", "/?column=" + url.QueryEscape("要闻"+injected)} {
		status, _, body := get(t, ts, path)
		if status != 200 {
			t.Fatalf("%s: status %d", path, status)
		}
		for _, bad := range []string{"<script>", "<img src=x", "<b id=\"injected\">", `onload="alert`, `href="javascript:`, `src="javascript:`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: live markup %q in the page", path, bad)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("%s: the markup is not shown as text", path)
		}
	}
	_, _, body := get(t, ts, "/article/0000000003")
	if !strings.Contains(body, "#ZgotmplZ") {
		t.Errorf("the javascript: image URL was not neutralised")
	}
}

type apiListResult struct {
	Total    int `json:"total"`
	Page     int `json:"page"`
	PerPage  int `json:"per_page"`
	Pages    int `json:"pages"`
	Articles []struct {
		ID        string   `json:"id"`
		Title     string   `json:"title"`
		Published *string  `json:"published"`
		Column    string   `json:"column"`
		Aliases   []string `json:"aliases"`
		Version   int      `json:"version"`
		Snippet   string   `json:"snippet"`
	} `json:"articles"`
}

func TestAPI(t *testing.T) {
	_, ts := newTestServer(t, testArchive(t), Options{})
	getJSON := func(path string, wantStatus int, v any) {
		t.Helper()
		status, h, body := get(t, ts, path)
		if status != wantStatus || h.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("%s: status %d, %s: %s", path, status, h.Get("Content-Type"), body)
		}
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("%s: %v: %s", path, err, body)
		}
	}
	var all apiListResult
	getJSON("/api/articles", 200, &all)
	if all.Total != 4 || all.PerPage != 50 || len(all.Articles) != 4 || all.Articles[0].ID != "0000000002" || all.Articles[3].Published != nil {
		t.Errorf("all articles: %+v", all)
	}
	if a := all.Articles[2]; a.Version != 2 || len(a.Aliases) != 1 || *a.Published != "2024-01-05T15:20:00+08:00" {
		t.Errorf("article with versions and alias: %+v", a)
	}

	for _, c := range []struct {
		query string
		want  []string
	}{
		{"q=乡村振兴", []string{"0000000001"}},
		{"q=市", []string{"0000000002", "0000000001"}},
		{"column=干部工作", []string{"0000000001", "0000000004"}},
		{"since=2024-02-01", []string{"0000000002", "0000000003"}},
		{"until=2024-02-01", []string{"0000000001"}},
		{"since=2024-01-01&until=2024-12-31&column=基层党建&q=株洲", []string{"0000000002"}},
		{"per_page=1&page=2", []string{"0000000003"}},
	} {
		var r apiListResult
		getJSON("/api/articles?"+c.query, 200, &r)
		var got []string
		for _, a := range r.Articles {
			got = append(got, a.ID)
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}
	var withSnippet apiListResult
	getJSON("/api/articles?q="+url.QueryEscape("能人"), 200, &withSnippet)
	if len(withSnippet.Articles) != 1 || !strings.Contains(withSnippet.Articles[0].Snippet, "能人回引") {
		t.Errorf("snippet: %+v", withSnippet)
	}

	for _, bad := range []string{"since=never", "per_page=0", "per_page=5000", "page=x", "q=" + strings.Repeat("长", 201)} {
		var e map[string]string
		getJSON("/api/articles?"+bad, 400, &e)
		if e["error"] == "" {
			t.Errorf("%s: no error message", bad)
		}
	}

	var rec archive.Record
	getJSON("/api/articles/0000000001", 200, &rec)
	if rec.Version != 2 || !strings.Contains(rec.Body, "重点工作") || rec.Editor != "" {
		t.Errorf("latest version: %+v", rec)
	}
	getJSON("/api/articles/0000000001?v=1", 200, &rec)
	if rec.Version != 1 || rec.Editor != "王芳" || strings.Contains(rec.Body, "重点工作") {
		t.Errorf("version 1: %+v", rec)
	}
	var e map[string]string
	getJSON("/api/articles/nope", 404, &e)
	getJSON("/api/nope", 404, &e)

	var months []monthCount
	getJSON("/api/months?column=干部工作", 200, &months)
	if len(months) != 1 || months[0] != (monthCount{"2024-01", "干部工作", 1}) {
		t.Errorf("months: %+v", months)
	}
}

func TestReload(t *testing.T) {
	path := testArchive(t)
	s, ts := newTestServer(t, path, Options{LockTimeout: 50 * time.Millisecond})
	if s.Articles() != 4 {
		t.Fatalf("%d articles", s.Articles())
	}
	// A crawler adds an article while the server runs: the archive is not
	// held open between loads.
	a, err := archive.Open(path, archive.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("a crawler cannot open the archive while serve runs: %v", err)
	}
	if _, err := a.Put(context.Background(), archive.Article{URL: "https://www.hnredstar.gov.cn/c/2024/05/01/5.html", Title: "新文章", Body: "新内容",
		Published: time.Date(2024, 5, 1, 0, 0, 0, 0, beijing)}); err != nil {
		t.Fatal(err)
	}

	post := func(hdr ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", ts.URL+"/reload", nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		client := *ts.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// While the crawler holds the archive, a reload keeps the old articles.
	if status, body := post("Accept-Language", "en"); status != http.StatusServiceUnavailable || !strings.Contains(body, "a crawler is writing to the archive") {
		t.Errorf("reload during a crawl: %d %s", status, body)
	}
	if _, _, body := getIn(t, ts, "/", "en"); !strings.Contains(body, "The last reload failed") || !strings.Contains(body, "4 articles") {
		t.Errorf("the list does not show the failed reload and the old articles")
	}
	a.Close()

	if status, _ := post("Sec-Fetch-Site", "cross-site"); status != http.StatusForbidden {
		t.Errorf("cross-site reload: status %d, want 403", status)
	}
	if status, _ := post("Sec-Fetch-Site", "same-origin"); status != http.StatusSeeOther {
		t.Errorf("reload: status %d, want 303", status)
	}
	if _, _, body := get(t, ts, "/"); !strings.Contains(body, "新文章") || strings.Contains(body, "上次重新载入失败") {
		t.Errorf("the new article is not listed after the reload")
	}
	if status, _, _ := get(t, ts, "/reload"); status != http.StatusNotFound {
		t.Errorf("GET /reload: %d, want 404 (only POST reloads)", status)
	}
}

func TestLocalOnly(t *testing.T) {
	_, ts := newTestServer(t, testArchive(t), Options{LocalOnly: true})
	for host, want := range map[string]int{"": 200, "localhost:8080": 200, "127.0.0.1": 200, "[::1]:80": 200, "evil.example": 421, "evil.example:8080": 421} {
		req, _ := http.NewRequest("GET", ts.URL+"/api/articles", nil)
		if host != "" {
			req.Host = host
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: status %d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestNewFails(t *testing.T) {
	if _, err := loadServer(t, Options{Path: filepath.Join(t.TempDir(), "missing.db")}); err == nil {
		t.Error("a missing archive loaded")
	}
	path := testArchive(t)
	a, err := archive.Open(path, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := loadServer(t, Options{Path: path, LockTimeout: 50 * time.Millisecond}); !errors.Is(err, archive.ErrLocked) {
		t.Errorf("archive held by a crawler: %v, want ErrLocked", err)
	}
}

func TestServe(t *testing.T) {
	s, err := loadServer(t, Options{Path: testArchive(t)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, s.Handler(), nil) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/api/articles")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

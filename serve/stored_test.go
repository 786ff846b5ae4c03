package serve

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
)

// TestStored checks the archive's copies: the pages of an article as
// fetched, and its files when the archive holds them; otherwise the
// original.
func TestStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := archive.Open(path, archive.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const (
		page  = "https://www.hnredstar.gov.cn/c/2024/01/05/1.html"
		page2 = "https://www.hnredstar.gov.cn/c/2024/01/05/1_2.html"
		held  = "https://img.hxw.gov.cn/2024/01-05/名单.xlsx"
		image = "https://www.hnredstar.gov.cn/c/2024/01/05/W1.jpg"
	)
	at := time.Date(2024, 1, 5, 8, 0, 0, 0, beijing)
	html := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	// The archive stores the pages of an article; a response stored with
	// them under an attachment's URL is that attachment's copy.
	_, err = a.Put(context.Background(), archive.Article{URL: page, Title: "名单公示", Body: "正文", FetchedAt: at,
		Images: []string{image}, Attachments: []string{held},
		Pages: []archive.RawPage{
			{URL: page, Status: 200, Header: html, Body: []byte("<html><script>alert(1)</script>第一页"), FetchedAt: at},
			{URL: page2, Status: 200, Header: html, Body: []byte("<html>第二页"), FetchedAt: at},
			{URL: held, Status: 200, Header: http.Header{"Content-Type": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}}, Body: []byte("PK\x03\x04表格"), FetchedAt: at},
		}})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	_, ts := newTestServer(t, path, Options{})

	_, _, art := get(t, ts, "/article/0000000001")
	for _, w := range []string{`href="/article/0000000001/stored?page=1&amp;v=1" id="archived-copy"`, `<img src="/article/0000000001/stored?url=` + strings.ReplaceAll(url.QueryEscape(image), "&", "&amp;")} {
		if !strings.Contains(art, w) {
			t.Errorf("article page lacks %s", w)
		}
	}

	client := *ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	fetch := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, string(b)
	}
	for _, c := range []struct {
		path, status, ctype, body, location string
	}{
		{"/article/0000000001/stored?page=1", "200", "text/html; charset=utf-8", "第一页", ""},
		{"/article/0000000001/stored?page=2&v=1", "200", "text/html; charset=utf-8", "第二页", ""},
		{"/article/0000000001/stored?url=" + url.QueryEscape(held), "200", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\x03\x04表格", ""},
		{"/article/0000000001/stored?url=" + url.QueryEscape(image), "302", "", "", image}, // not held: the original
		{"/article/0000000001/stored?url=" + url.QueryEscape(image), "302", "", "", image}, // again, from what the server learnt
		{"/article/0000000001/stored?page=9", "302", "", "", page},
		{"/article/0000000001/stored?url=" + url.QueryEscape("https://evil.example/"), "404", "", "不是文章 0000000001 的图片或附件", ""},
		{"/article/0000000001/stored?page=x", "400", "", "page=", ""},
		{"/article/0000000009/stored?page=1", "404", "", "0000000009", ""},
	} {
		resp, body := fetch(c.path)
		if got := resp.Status[:3]; got != c.status {
			t.Errorf("%s: status %s, want %s: %s", c.path, got, c.status, body)
			continue
		}
		if c.ctype != "" && resp.Header.Get("Content-Type") != c.ctype {
			t.Errorf("%s: Content-Type %q", c.path, resp.Header.Get("Content-Type"))
		}
		if loc, _ := url.PathUnescape(resp.Header.Get("Location")); !strings.Contains(body, c.body) || loc != c.location {
			t.Errorf("%s: body %q, Location %q", c.path, body, resp.Header.Get("Location"))
		}
		if c.status == "200" && !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox;") {
			t.Errorf("%s: the copy is not sandboxed: %q", c.path, resp.Header.Get("Content-Security-Policy"))
		}
	}

	// While a crawler writes, the page's copy says so and offers the
	// original; an image goes to the original at once.
	w, err := archive.Open(path, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if resp, body := fetch("/article/0000000001/stored?page=1"); resp.StatusCode != 503 || !strings.Contains(body, "抓取程序正在写入存档") || !strings.Contains(body, `href="`+page+`" id="original"`) {
		t.Errorf("page copy during a crawl: %d %s", resp.StatusCode, body)
	}
	if resp, _ := fetch("/article/0000000001/stored?url=" + url.QueryEscape(held) + "&lang=en"); resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), "https://img.hxw.gov.cn/") {
		t.Errorf("attachment during a crawl: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestStoredFile checks that a file in the archive's attachment store is
// served from it, under its name, and that one the archive does not hold
// leads to the original.
func TestStoredFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := archive.Open(path, archive.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const (
		page  = "https://www.hxw.gov.cn/content/2024/01/29/1.html"
		table = "https://img.hxw.gov.cn/2024/01-29/5f0c.xlsx"
		big   = "https://img.hxw.gov.cn/2024/01-29/big.zip"
	)
	at := time.Date(2024, 1, 29, 8, 0, 0, 0, beijing)
	_, err = a.Put(context.Background(), archive.Article{URL: page, Title: "职位表", Body: "正文", FetchedAt: at,
		Attachments: []string{table, big},
		Pages:       []archive.RawPage{{URL: page, Status: 200, Body: []byte("<html>正文"), FetchedAt: at}}})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("PK\x03\x04 职位表")
	if err := a.PutFile(archive.File{URL: table, State: archive.FileStored, Status: 200, Name: "2024年职位表.xlsx",
		ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", FetchedAt: at}, body); err != nil {
		t.Fatal(err)
	}
	if err := a.PutFile(archive.File{URL: big, State: archive.FileTooLarge, Size: 1 << 30, FetchedAt: at}, nil); err != nil {
		t.Fatal(err)
	}
	a.Close()
	_, ts := newTestServer(t, path, Options{})
	client := *ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	resp, err := client.Get(ts.URL + "/article/0000000001/stored?url=" + url.QueryEscape(table))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != string(body) {
		t.Errorf("stored file: %d, %q", resp.StatusCode, got)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=utf-8''2024%E5%B9%B4") {
		t.Errorf("Content-Disposition %q does not name the file", cd)
	}
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("no Content-Security-Policy on a stored file")
	}

	resp, err = client.Get(ts.URL + "/article/0000000001/stored?url=" + url.QueryEscape(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != big {
		t.Errorf("file not stored: %d to %q, want 302 to the original", resp.StatusCode, resp.Header.Get("Location"))
	}
}

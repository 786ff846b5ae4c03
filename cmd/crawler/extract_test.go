package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/hnredstar/crawler/simsite"
)

// savePage fetches u from the simulated site and saves it in dir as name.
// The site answers the first request for a few pages with a 503, so it
// asks again.
func savePage(t testing.TB, u, dir, name string) string {
	t.Helper()
	var body []byte
	for try := 0; ; try++ {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode == http.StatusOK {
			break
		}
		if try == 2 || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("GET %s: %s %v", u, resp.Status, err)
		}
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func extractRecords(t *testing.T, out string) []extractRecord {
	t.Helper()
	var recs []extractRecord
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var r extractRecord
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		recs = append(recs, r)
	}
	return recs
}

// siteConfig is a config.yaml that lets extract fetch from srv.
func siteConfig(t *testing.T, srv *simsite.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, []byte(fmt.Sprintf("site:\n  start_urls: [\"%s/\"]\n  allowed_domains: [\"127.0.0.1\"]\ncrawl:\n  allow_private_networks: true\n", srv.URL)), 0o600)
	return path
}

// TestExtractSavedListLikeFetched saves list pages and checks that they
// get the kind they get when fetched, with an explanation and their links.
func TestExtractSavedListLikeFetched(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 2, Articles: 60})
	defer srv.Close()
	dir := t.TempDir()
	lists := []string{"/c/dangjian/index.html", "/col/yaowen/index.html", "/"}
	var files, urls []string
	for i, p := range lists {
		files = append(files, savePage(t, srv.URL+p, dir, fmt.Sprintf("list%d.html", i)))
		urls = append(urls, srv.URL+p)
	}
	cfg := siteConfig(t, srv)
	code, out, errOut := cli(t, append([]string{"extract", "--explain", "--config", cfg}, urls...)...)
	if code != exitOK {
		t.Fatalf("extract URLs: exit %d: %s", code, errOut)
	}
	fetched := extractRecords(t, out)
	code, out, errOut = cli(t, append([]string{"extract", "--explain", "--config", cfg}, files...)...)
	if code != exitOK {
		t.Fatalf("extract files: exit %d: %s\n%s", code, errOut, out)
	}
	saved := extractRecords(t, out)
	for i := range lists {
		f, s := fetched[i], saved[i]
		if f.Kind != "list" || s.Kind != f.Kind {
			t.Errorf("%s: kind %q saved, %q fetched; want list for both", lists[i], s.Kind, f.Kind)
		}
		if s.Explain["kind"] == "" {
			t.Errorf("%s: --explain says nothing of a saved list page: %v", lists[i], s.Explain)
		}
		if len(f.Articles) == 0 || s.Column != f.Column {
			t.Errorf("%s: fetched list has %d articles, column %q; saved column %q", lists[i], len(f.Articles), f.Column, s.Column)
		}
	}
	if !strings.Contains(errOut, "--url") {
		t.Errorf("no warning that the saved lists' links are left out: %q", errOut)
	}
	// With --url a saved list gives the same links as fetched.
	code, out, _ = cli(t, "extract", "--config", cfg, "--url", urls[0], files[0])
	if recs := extractRecords(t, out); code != exitOK || !slices.Equal(recs[0].Articles, fetched[0].Articles) {
		t.Errorf("saved list with --url: exit %d, articles %v, want %v", code, recs[0].Articles, fetched[0].Articles)
	}
}

// TestExtractResolvesAgainstOwnAddress checks that a saved page's
// root-relative images resolve against the address the page gives itself,
// and that a page without one says its images are left out.
func TestExtractResolvesAgainstOwnAddress(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 2, Articles: 30})
	defer srv.Close()
	var art simsite.Article
	for _, a := range srv.Truth() {
		if len(a.Images) > 0 && strings.Contains(a.URLs[0], "/c/") {
			art = a
			break
		}
	}
	if art.Title == "" {
		t.Fatal("no rednet article with images on the simulated site")
	}
	dir := t.TempDir()
	bare := savePage(t, art.URLs[0], dir, "bare.html")
	raw, _ := os.ReadFile(bare)
	heads := map[string]string{
		"canonical.html": `<link rel="canonical" href="` + art.URLs[0] + `">`,
		"ogurl.html":     `<meta property="og:url" content="` + art.URLs[0] + `">`,
		"base.html":      `<base href="` + srv.URL + `/">`,
	}
	var files []string
	for name, tag := range heads {
		page := strings.Replace(string(raw), "<head>", "<head>"+tag, 1)
		if page == string(raw) {
			t.Fatalf("no <head> in %s", art.URLs[0])
		}
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(page), 0o600)
		files = append(files, path)
	}
	code, out, errOut := runIn(t, dir, append([]string{"extract", "--explain"}, files...)...)
	if code != exitOK || strings.Contains(errOut, "level=WARN") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, rec := range extractRecords(t, out) {
		if !slices.Equal(rec.Images, art.Images) {
			t.Errorf("%s: images %v, want %v", filepath.Base(rec.Input), rec.Images, art.Images)
		}
		if rec.Explain["url"] == "" {
			t.Errorf("%s: --explain does not say where the address came from", rec.Input)
		}
	}

	code, out, errOut = runIn(t, dir, "extract", bare)
	if code != exitOK {
		t.Fatalf("bare page: exit %d: %s", code, errOut)
	}
	if rec := extractRecords(t, out)[0]; len(rec.Images) != 0 || rec.Title != art.Title {
		t.Errorf("bare page: images %v (want none), title %q", rec.Images, rec.Title)
	}
	var warnings []string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.Contains(l, "level=WARN") {
			warnings = append(warnings, l)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], bare) || !strings.Contains(warnings[0], "--url") {
		t.Errorf("want one warning naming %s and --url; got %q", bare, warnings)
	}
}

// TestExtractRefusesWhatIsNotHTML gives extract a binary file, a text file
// and a README among good pages.
func TestExtractRefusesWhatIsNotHTML(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "page.html")
	os.WriteFile(page, []byte(testPage), 0o600)
	bad := map[string][]byte{
		"image.png":  {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'},
		"binary.bin": bytes.Repeat([]byte{0, 1, 2, 0xff, 0xfe}, 100),
		"notes.txt":  []byte("这是一个文本文件，不是网页。\n第二行。\n"),
		"README.md":  []byte("# crawler\n\nArchives pages; see `<base href>` and <p> in the docs.\n"),
		"empty.html": {},
	}
	args := []string{"extract", "--url", "https://www.hnredstar.gov.cn/c/2024/01/29/1.html", page}
	for name, b := range bad {
		os.WriteFile(filepath.Join(dir, name), b, 0o600)
		args = append(args, filepath.Join(dir, name))
	}
	args = append(args, page)
	code, out, errOut := runIn(t, dir, args...)
	if code != exitError {
		t.Errorf("exit %d, want %d\n%s", code, exitError, errOut)
	}
	recs := extractRecords(t, out)
	if len(recs) != len(bad)+2 {
		t.Fatalf("%d records for %d inputs", len(recs), len(bad)+2)
	}
	for _, rec := range recs {
		if rec.Input == page {
			if rec.Error != "" || rec.Kind != "article" {
				t.Errorf("the page beside them: kind %q, error %q", rec.Kind, rec.Error)
			}
			continue
		}
		if !strings.Contains(rec.Error, rec.Input) || !strings.Contains(rec.Error, "not an HTML page") || rec.Body != "" || rec.Kind != "" {
			t.Errorf("%s: kind %q, body %q, error %q; want it refused by name", filepath.Base(rec.Input), rec.Kind, rec.Body, rec.Error)
		}
	}
}

func TestNotHTML(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		ok   bool
	}{
		{"doctype", "<!DOCTYPE html><html><body>x</body></html>", true},
		{"bom", "\xEF\xBB\xBF<html><body>x</body></html>", true},
		{"comment first", "<!-- saved -->\n<html><body>x</body></html>", true},
		{"stray text first", "document.write('x');\n<html><head></head><body>x</body></html>", true},
		{"gbk", "<html><head><meta charset=\"gbk\"></head><body>\xba\xec\xd0\xc7</body></html>", true},
		{"xhtml", "<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"><body>x</body></html>", true},
		{"hanweb datastore", "<datastore><nextgroup><![CDATA[]]></nextgroup><recordset></recordset></datastore>", true},
		{"text", "just some words\n", false},
		{"pdf", "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", false},
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00", false},
		{"blank", " \n\t", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if why := notHTML([]byte(tc.body)); (why == "") != tc.ok {
				t.Errorf("notHTML = %q, want ok=%v", why, tc.ok)
			}
		})
	}
}

// TestExtractKeepsInputOrder extracts a directory of pages with several
// workers and with one: the same records, in input order.
func TestExtractKeepsInputOrder(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 3, Articles: 40})
	defer srv.Close()
	dir := t.TempDir()
	for i, a := range srv.Truth()[:24] {
		savePage(t, a.URLs[0], dir, fmt.Sprintf("p%02d.html", i))
	}
	run := func(workers int) []extractRecord {
		_, opts := newRootCommand(io.Discard)
		var out bytes.Buffer
		if err := runExtract(context.Background(), opts, extractFlags{workers: workers}, []string{dir}, &out); err != nil {
			t.Fatalf("%d workers: %v", workers, err)
		}
		return extractRecords(t, out.String())
	}
	one, many := run(1), run(8)
	if len(one) != 24 || len(many) != 24 {
		t.Fatalf("%d and %d records, want 24", len(one), len(many))
	}
	for i := range one {
		if want := filepath.Join(dir, fmt.Sprintf("p%02d.html", i)); many[i].Input != want || one[i].Input != want {
			t.Errorf("record %d is %s, want %s", i, many[i].Input, want)
		}
		a, _ := json.Marshal(one[i])
		b, _ := json.Marshal(many[i])
		if !bytes.Equal(a, b) {
			t.Errorf("record %d differs between 1 and 8 workers", i)
		}
	}

	// A failing output (a closed pipe) stops the workers.
	x := &extraction{f: extractFlags{workers: 2}}
	broken := errors.New("broken pipe")
	n := 0
	err := x.each(context.Background(), slices.Repeat([]string{filepath.Join(dir, "p00.html")}, 50), func(extractRecord) error {
		if n++; n == 3 {
			return broken
		}
		return nil
	})
	if !errors.Is(err, broken) || n != 3 {
		t.Errorf("each returned %v after %d records, want the output's error after 3", err, n)
	}
}

// BenchmarkExtractCommand extracts 48 saved pages of the simulated site
// with one worker and with GOMAXPROCS; compare the two for the speedup.
func BenchmarkExtractCommand(b *testing.B) {
	srv := simsite.NewServer(simsite.Options{Seed: 4, Articles: 60})
	defer srv.Close()
	dir := b.TempDir()
	for i, a := range srv.Truth()[:48] {
		savePage(b, a.URLs[0], dir, fmt.Sprintf("p%02d.html", i))
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			_, opts := newRootCommand(io.Discard)
			for b.Loop() {
				if err := runExtract(context.Background(), opts, extractFlags{workers: workers}, []string{dir}, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/48/1e6, "ms/page")
		})
	}
}

func TestOwnAddress(t *testing.T) {
	for _, tc := range []struct {
		name, head, want, rule string
	}{
		{"canonical first", `<base href="http://a.cn/x/"><meta property="og:url" content="http://b.cn/2.html"><link rel="canonical" href="http://c.cn/3.html">`, "http://c.cn/3.html", `<link rel="canonical">`},
		{"rel list, any case", `<link rel="Canonical alternate" href="https://c.cn/3.html#top">`, "https://c.cn/3.html", `<link rel="canonical">`},
		{"relative canonical against base", `<base href="http://a.cn/x/"><link rel="canonical" href="/c/1.html">`, "http://a.cn/c/1.html", `<link rel="canonical">`},
		{"relative canonical alone", `<link rel="canonical" href="/c/1.html">`, "", ""},
		{"og:url by name", `<meta name="og:url" content="http://b.cn/2.html">`, "http://b.cn/2.html", `<meta property="og:url">`},
		{"base only", `<base href="http://a.cn/x/">`, "http://a.cn/x/", "<base href>"},
		{"not http", `<link rel="canonical" href="file:///tmp/x.html">`, "", ""},
		{"in the body, ignored", `</head><body><link rel="canonical" href="http://c.cn/3.html">`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, rule := ownAddress([]byte("<!DOCTYPE html><html><head>" + tc.head + "<title>t</title></head><body>x</body></html>"))
			if got != tc.want || rule != tc.rule {
				t.Errorf("ownAddress = %q, %q; want %q, %q", got, rule, tc.want, tc.rule)
			}
		})
	}
}

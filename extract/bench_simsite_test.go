package extract_test

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hnredstar/crawler/extract"
	"github.com/hnredstar/crawler/simsite"
)

// benchPage is a page as the crawler receives it.
type benchPage struct {
	name, url, contentType string
	body                   []byte
}

// simsitePages renders, from a 2,000-article simulated site, the first
// page of the first article of each column (one per article template) and
// each column's first list page.
func simsitePages(b *testing.B) (articles, lists []benchPage) {
	b.Helper()
	site := simsite.New(simsite.Options{Seed: 1, Articles: 2000, SlowDelay: -1})
	const base = "http://127.0.0.1"
	get := func(u string) (benchPage, bool) {
		for range 2 { // a few pages answer 503 once
			rec := httptest.NewRecorder()
			site.Handler().ServeHTTP(rec, httptest.NewRequest("GET", u, nil))
			if rec.Code == 200 {
				return benchPage{url: u, contentType: rec.Header().Get("Content-Type"), body: rec.Body.Bytes()}, true
			}
		}
		return benchPage{}, false
	}
	seen := map[string]bool{}
	for id := 1; len(seen) < len(site.ColumnNames()) && id <= 2000; id++ {
		a, _ := site.Article(base, id)
		if seen[a.Columns[0]] {
			continue
		}
		seen[a.Columns[0]] = true
		p, ok := get(a.URLs[0])
		if !ok {
			b.Fatalf("%s: no page", a.URLs[0])
		}
		p.name = fmt.Sprintf("article%d-%s", len(articles)+1, a.Encoding)
		articles = append(articles, p)
	}
	e, _ := extract.New(extract.Options{})
	home, _ := get(base + "/")
	page, err := extract.Parse(home.body, home.contentType, home.url)
	if err != nil {
		b.Fatal(err)
	}
	for _, u := range e.Links(page).Other {
		if !strings.HasPrefix(u, base+"/") || !strings.HasSuffix(u, "/index.html") || slices.ContainsFunc(lists, func(p benchPage) bool { return p.url == u }) {
			continue
		}
		p, ok := get(u)
		if !ok {
			continue
		}
		lp, err := extract.Parse(p.body, p.contentType, u)
		if err != nil || e.Links(lp).Kind != extract.List {
			continue
		}
		p.name = fmt.Sprintf("list%d-%s", len(lists)+1, filepath.Base(filepath.Dir(u)))
		lists = append(lists, p)
	}
	return articles, lists
}

// BenchmarkSimsitePage parses and extracts the simulated site's pages as
// the crawler does: every page is parsed and its links found; article pages
// are also extracted.
func BenchmarkSimsitePage(b *testing.B) {
	articles, lists := simsitePages(b)
	e, err := extract.New(extract.Options{})
	if err != nil {
		b.Fatal(err)
	}
	run := func(p benchPage, article bool) {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(p.body)))
			b.ReportAllocs()
			for b.Loop() {
				page, err := extract.Parse(p.body, p.contentType, p.url)
				if err != nil {
					b.Fatal(err)
				}
				e.Links(page)
				if article {
					if _, err := e.Article(page); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
	for _, p := range articles {
		run(p, true)
	}
	for _, p := range lists {
		run(p, false)
	}
}

// BenchmarkCorpusPages does the same for every page of the cn-news corpus
// of real Chinese news and government pages.
func BenchmarkCorpusPages(b *testing.B) {
	files, _ := filepath.Glob("../../shared/corpus/cn-news/*.html.gz")
	if len(files) == 0 {
		b.Skip("no corpus at ../../shared/corpus/cn-news")
	}
	var pages [][]byte
	total := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		zr, err := gzip.NewReader(fh)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		fh.Close()
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, body)
		total += len(body)
	}
	e, err := extract.New(extract.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(total / len(pages)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		body := pages[n%len(pages)]
		page, err := extract.Parse(body, "", "http://news.example.cn/a/index.html")
		if err != nil {
			b.Fatal(err)
		}
		e.Links(page)
		_, _ = e.Article(page) // list pages have none
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "pages/s")
}

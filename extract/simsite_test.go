package extract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hnredstar/crawler/simsite"
)

// fetch gets a page from the simulated site.
func fetch(t testing.TB, c *http.Client, u string) ([]byte, string, int) {
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
		if resp.StatusCode == http.StatusServiceUnavailable && try < 3 {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		return b, resp.Header.Get("Content-Type"), resp.StatusCode
	}
}

// TestSimsite checks the extractor against the simulated site's ground
// truth, with no hints: every copy of every article must be classified as
// an article, its pages found, and its fields extracted. It reports each
// field's accuracy and fails below 98%. SIMSITE_SEED, SIMSITE_ARTICLES and
// SIMSITE_COLUMNS vary the site.
func TestSimsite(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: fetches every article of the simulated site")
	}
	seed, _ := strconv.ParseInt(os.Getenv("SIMSITE_SEED"), 10, 64)
	n, _ := strconv.Atoi(os.Getenv("SIMSITE_ARTICLES"))
	cols, _ := strconv.Atoi(os.Getenv("SIMSITE_COLUMNS"))
	srv := simsite.NewServer(simsite.Options{Seed: seed, Articles: n, Columns: cols, SlowDelay: -1})
	defer srv.Close()
	c := &http.Client{Timeout: 10 * time.Second}
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	fields := []string{"kind", "pages", "title", "source", "published", "body", "images", "attachments", "author", "editor", "column"}
	ok := map[string]int{}
	total := 0
	shown := map[string]int{}
	miss := func(field, url, got, want string) {
		if shown[field] < 3 {
			shown[field]++
			t.Logf("%s %s:\n  got  %q\n  want %q", field, url, prefix(got, 300), prefix(want, 300))
		}
	}
	for _, truth := range srv.Truth() {
		for ci, u := range truth.URLs {
			total++
			var parts []Article
			var pages []string
			kindOK := true
			for pi, pu := range truth.PageURLs[ci] {
				b, ct, _ := fetch(t, c, pu)
				p, err := Parse(b, ct, pu)
				if err != nil {
					t.Fatalf("%s: %v", pu, err)
				}
				l := e.Links(p)
				if l.Kind != ArticlePage {
					kindOK = false
					a, _ := e.Article(p)
					miss("kind", pu, l.Kind.String()+" "+a.Explain["kind"], "article")
				}
				if pi == 0 {
					pages = l.ArticlePages
				}
				a, err := e.Article(p)
				if err != nil {
					t.Logf("%s: %v", pu, err)
				}
				parts = append(parts, a)
			}
			if kindOK {
				ok["kind"]++
			}
			if slices.Equal(pages, truth.PageURLs[ci][1:]) {
				ok["pages"]++
			} else {
				miss("pages", u, strings.Join(pages, " "), strings.Join(truth.PageURLs[ci][1:], " "))
			}
			a := Stitch(parts...)
			check := func(field, got, want string) {
				if got == want {
					ok[field]++
				} else {
					miss(field, u, got+"  ["+a.Explain[field]+"]", want)
				}
			}
			check("title", a.Title, truth.Title)
			check("source", a.Source, truth.Source)
			check("published", a.Published.Format(time.DateTime), truth.Published.In(defaultLocation()).Format(time.DateTime))
			check("body", a.Body, truth.Body)
			check("images", strings.Join(a.Images, " "), strings.Join(truth.Images, " "))
			check("attachments", strings.Join(a.Attachments, " "), strings.Join(truth.Attachments, " "))
			check("author", a.Author, truth.Author)
			check("editor", a.Editor, truth.Editor)
			check("column", a.Column, truth.Columns[ci])
		}
	}
	for _, f := range fields {
		share := float64(ok[f]) / float64(max(total, 1))
		t.Logf("%-12s %4d/%d  %.3f", f, ok[f], total, share)
		if share < 0.98 {
			t.Errorf("%s right on %.1f%% of %d article copies, want at least 98%%", f, 100*share, total)
		}
	}
	for _, u := range srv.ChallengeURLs() {
		b, ct, code := fetch(t, c, u)
		p, err := Parse(b, ct, u)
		if err != nil {
			t.Fatal(err)
		}
		if k := e.Links(p).Kind; k != Challenge {
			t.Errorf("%s (status %d) is %v, want challenge", u, code, k)
		}
	}
}

// TestSimsiteLists walks the simulated site's column lists from the home
// page, following only Links.Pagination, and checks that the list items
// found (Links.Articles) reach every article.
func TestSimsiteLists(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: walks every list page of the simulated site")
	}
	srv := simsite.NewServer(simsite.Options{SlowDelay: -1})
	defer srv.Close()
	c := &http.Client{Timeout: 10 * time.Second}
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, ct, _ := fetch(t, c, srv.URL+"/")
	home, err := Parse(b, ct, srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	hl := e.Links(home)
	t.Logf("home: %v, %d articles, %d other links", hl.Kind, len(hl.Articles), len(hl.Other))
	// Column entry points: home links that are list pages.
	seen := map[string]bool{}
	var queue []string
	for _, u := range append(append([]string{}, hl.Articles...), hl.Other...) {
		if strings.HasPrefix(u, srv.URL+"/c/") || strings.HasPrefix(u, srv.URL+"/col/") {
			if strings.HasSuffix(u, "/index.html") || strings.HasSuffix(u, "/") {
				queue = append(queue, u)
			}
		}
	}
	found := map[string]bool{}
	lists := 0
	for len(queue) > 0 && lists < 2000 {
		u := queue[0]
		queue = queue[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		b, ct, code := fetch(t, c, u)
		if code != http.StatusOK {
			t.Errorf("%s: status %d", u, code)
			continue
		}
		p, err := Parse(b, ct, u)
		if err != nil {
			t.Fatal(err)
		}
		l := e.Links(p)
		if l.Kind != List {
			a, _ := e.Article(p)
			t.Errorf("%s is %v (%s), want list", u, l.Kind, a.Explain["kind"])
			continue
		}
		lists++
		if len(l.Articles) == 0 {
			t.Errorf("%s: no items", u)
		}
		for _, a := range l.Articles {
			found[a] = true
		}
		queue = append(queue, l.Pagination...)
	}
	missing := 0
	for _, a := range srv.Truth() {
		for _, u := range a.URLs {
			if !found[u] {
				missing++
				if missing <= 5 {
					t.Logf("not listed: %s", u)
				}
			}
		}
	}
	t.Logf("%d list pages, %d item links, %d article copies not reached", lists, len(found), missing)
	if total := len(srv.Truth()); missing*50 > total {
		t.Errorf("%d article copies not reached through list pages (of about %d articles)", missing, total)
	}
}

// TestSimsiteGolden extracts one article of each column of the simulated
// site (each column has its template), the first multi-page article and
// the first GBK article, and compares them with
// testdata/simsite-*.golden.json. The server's address is written as the
// real site's, so the goldens do not depend on the port.
func TestSimsiteGolden(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 1, Articles: 120, SlowDelay: -1})
	defer srv.Close()
	c := &http.Client{Timeout: 10 * time.Second}
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	type pick struct {
		name  string
		truth simsite.Article
		copy  int
	}
	var picks []pick
	seenCol := map[string]bool{}
	multi, gbk := false, false
	for _, a := range srv.Truth() {
		for ci, col := range a.Columns {
			switch {
			case !seenCol[col]:
				seenCol[col] = true
				picks = append(picks, pick{fmt.Sprintf("simsite-column-%d", len(seenCol)), a, ci})
			case !multi && len(a.PageURLs[ci]) > 1:
				multi = true
				picks = append(picks, pick{"simsite-multipage", a, ci})
			case !gbk && a.Encoding == "gbk":
				gbk = true
				picks = append(picks, pick{"simsite-gbk", a, ci})
			}
		}
	}
	host := "http://www.hnredstar.gov.cn"
	for _, pk := range picks {
		t.Run(pk.name, func(t *testing.T) {
			var parts []Article
			var links Links
			var enc string
			for i, u := range pk.truth.PageURLs[pk.copy] {
				b, ct, _ := fetch(t, c, u)
				p, err := Parse(b, ct, u)
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					links = e.Links(p)
					enc = p.Encoding
				}
				a, err := e.Article(p)
				if err != nil {
					t.Fatalf("%s: %v", u, err)
				}
				parts = append(parts, a)
			}
			a := Stitch(parts...)
			if a.Title != pk.truth.Title || a.Body != pk.truth.Body {
				t.Errorf("title or body differs from the site's truth")
			}
			links.Other = nil // navigation: long and of no interest here
			g := golden{URL: pk.truth.URLs[pk.copy], Encoding: enc, Links: links, Article: &a}
			raw, err := json.Marshal(g)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(bytes.ReplaceAll(raw, []byte(srv.URL), []byte(host)), &g); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, pk.name, g)
		})
	}
}

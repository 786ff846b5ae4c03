package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hnredstar/crawler/archive"
)

// beforeMove is an archive written by the crawler as it was before it knew
// the site's names, from www.hnredstar.gov.cn (see TestWriteArchiveBeforeMove).
const beforeMove = "testdata/archive-before-move.db.gz"

// movedSite serves 红星网 under both its names through an HTTP proxy on
// 127.0.0.1, so that a crawler subprocess given HTTP_PROXY fetches
// http://www.hnredstar.gov.cn/ and http://www.hxw.gov.cn/ without any
// traffic leaving the machine. Before the move (moved false) the old name
// serves articles 1–4. After it, the new name's home lists them (linked
// under the old name) and two new ones; the old name redirects its home
// and articles 1–2 to the new name, and article 3 has been corrected.
type movedSite struct {
	proxy *httptest.Server
	moved atomic.Bool
	hits  atomic.Int32
}

func newMovedSite(t *testing.T) *movedSite {
	t.Helper()
	s := &movedSite{}
	s.proxy = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.proxy.Close)
	return s
}

func movedArticlePath(id int) string {
	if id <= 4 {
		return fmt.Sprintf("/content/2012/10/%02d/39218%d.html", id, id)
	}
	return fmt.Sprintf("/content/2024/01/%02d/10%04d.html", id, id)
}

func (s *movedSite) serve(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	const oldName, newName = "www.hnredstar.gov.cn", "www.hxw.gov.cn"
	moved := s.moved.Load()
	if (r.Host != oldName && r.Host != newName) || (r.Host == newName && !moved) {
		http.Error(w, "no such host", http.StatusBadGateway)
		return
	}
	if r.URL.Path == "/robots.txt" {
		io.WriteString(w, "User-agent: *\nDisallow: /search\n")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if moved && r.Host == oldName && (r.URL.Path == "/" || r.URL.Path == movedArticlePath(1) || r.URL.Path == movedArticlePath(2)) {
		http.Redirect(w, r, "http://"+newName+r.URL.Path, http.StatusMovedPermanently)
		return
	}
	last := 4
	if moved {
		last = 6
	}
	if r.URL.Path == "/" {
		var b strings.Builder
		b.WriteString(`<html><head><meta charset="utf-8"><title>红星网</title></head><body><h2>工作动态</h2><ul class="list">`)
		for id := last; id >= 1; id-- {
			host := oldName
			if id > 4 {
				host = newName
			}
			fmt.Fprintf(&b, `<li><a href="http://%s%s">第%d篇干部工作动态</a><span>2012-10-%02d</span></li>`, host, movedArticlePath(id), id, id)
		}
		b.WriteString(`</ul></body></html>`)
		io.WriteString(w, b.String())
		return
	}
	for id := 1; id <= last; id++ {
		if r.URL.Path == movedArticlePath(id) {
			body := strings.Repeat("<p>这是一段足够长的正文，用来让页面看起来像一篇文章，而不是导航或列表页面。</p>", 12)
			if moved && id == 3 {
				body += "<p>更正：本文有修改。</p>"
			}
			fmt.Fprintf(w, `<html><head><meta charset="utf-8"><title>第%d篇干部工作动态</title></head><body><h1>第%d篇干部工作动态</h1><div class="info">来源：红星网 时间：2012-10-%02d 15:20</div><div class="content">%s</div></body></html>`, id, id, id, body)
			return
		}
	}
	http.NotFound(w, r)
}

// crawl runs the crawler as a subprocess whose requests go through the
// site's proxy.
func (s *movedSite) crawl(t *testing.T, mode, config, db string) (int, string) {
	t.Helper()
	cmd := crawlerCmd(t, mode, "--config", config, "--archive", db)
	cmd.Env = append(cmd.Env, "HTTP_PROXY="+s.proxy.URL, "http_proxy="+s.proxy.URL, "NO_PROXY=", "no_proxy=")
	code, _, stderr := runProcess(t, cmd)
	return code, stderr
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWriteArchiveBeforeMove writes beforeMove when
// CRAWLER_WRITE_ARCHIVE_BEFORE_MOVE is set. It was run with the crawler's
// source as of the commit before site.hosts existed (copy this file into
// that tree's cmd/crawler and run it there), so the file is what an
// archive made with that crawler holds.
func TestWriteArchiveBeforeMove(t *testing.T) {
	if os.Getenv("CRAWLER_WRITE_ARCHIVE_BEFORE_MOVE") == "" {
		t.Skip("set CRAWLER_WRITE_ARCHIVE_BEFORE_MOVE=1 to rewrite " + beforeMove)
	}
	s := newMovedSite(t)
	dir := t.TempDir()
	config := writeFile(t, filepath.Join(dir, "config.yaml"), `site:
  start_urls: ["http://www.hnredstar.gov.cn/"]
  allowed_domains: ["www.hnredstar.gov.cn", "hnredstar.gov.cn"]
crawl:
  delay: 0s
  allow_private_networks: true
`)
	db := filepath.Join(dir, "archive.db")
	if code, stderr := s.crawl(t, "backfill", config, db); code != 0 {
		t.Fatalf("backfill: exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	if err := os.MkdirAll(filepath.Dir(beforeMove), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(beforeMove, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestArchiveBeforeMoveKeepsItsRecords crawls the moved site, with the
// shipped configuration of the site's names, into a copy of an archive the
// crawler made before it knew them: every old record keeps its ID and URL,
// the corrected article becomes a new version of its old record, and only
// the new articles are added, under the canonical name.
func TestArchiveBeforeMoveKeepsItsRecords(t *testing.T) {
	f, err := os.Open(beforeMove)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	old, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"backfill", "crawl"} {
		t.Run(mode, func(t *testing.T) {
			s := newMovedSite(t)
			s.moved.Store(true)
			dir := t.TempDir()
			db := writeFile(t, filepath.Join(dir, "archive.db"), string(old))
			before := archiveRecords(t, db)
			if len(before) != 4 {
				t.Fatalf("%s holds %d records, want 4", beforeMove, len(before))
			}
			config := writeFile(t, filepath.Join(dir, "config.yaml"), `site:
  start_urls: ["http://www.hxw.gov.cn/", "http://www.hnredstar.gov.cn/"]
  hosts: ["www.hxw.gov.cn", "hxw.gov.cn", "www.hnredstar.gov.cn", "hnredstar.gov.cn"]
  canonical: "https://www.hxw.gov.cn"
  allowed_domains: []
crawl:
  delay: 0s
  recheck_days: 100000
  allow_private_networks: true
`)
			if code, stderr := s.crawl(t, mode, config, db); code != 0 {
				t.Fatalf("%s: exit %d\n%s", mode, code, stderr)
			}
			after := archiveRecords(t, db)
			for u, rec := range before {
				got, ok := after[u]
				want := 1
				if strings.HasSuffix(u, movedArticlePath(3)) {
					want = 2
				}
				if !ok || got.ID != rec.ID || got.Version != want || len(got.Aliases) != 0 {
					t.Errorf("old record %s %s became %+v; want its ID, URL, version %d and no aliases", rec.ID, u, got, want)
				}
			}
			for id := 5; id <= 6; id++ {
				if _, ok := after["https://www.hxw.gov.cn"+movedArticlePath(id)]; !ok {
					t.Errorf("new article %d not recorded under https://www.hxw.gov.cn", id)
				}
			}
			if len(after) != 6 {
				t.Errorf("%d records after the crawl, want the 4 old and 2 new", len(after))
			}
		})
	}
}

func archiveRecords(t *testing.T, path string) map[string]archive.Record {
	t.Helper()
	a, err := archive.Open(path, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	out := map[string]archive.Record{}
	err = a.ForEach(t.Context(), archive.Filter{}, func(r archive.Record) error {
		out[r.URL] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

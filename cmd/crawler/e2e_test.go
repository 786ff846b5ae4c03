package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hnredstar/crawler/canon"
	"github.com/hnredstar/crawler/simsite"
)

// exportedRecord mirrors the JSONL schema promised in the README.
type exportedRecord struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Title       string   `json:"title"`
	Source      string   `json:"source"`
	Published   *string  `json:"published"`
	Body        string   `json:"body"`
	Column      string   `json:"column"`
	Images      []string `json:"images"`
	Attachments []string `json:"attachments"`
	FetchedAt   string   `json:"fetched_at"`
	ContentHash string   `json:"content_hash"`
	Aliases     []string `json:"aliases"`
	Version     int      `json:"version"`
}

// cli runs the crawler command line in-process and returns its exit
// status, stdout and stderr.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writeSiteConfig writes a config.yaml pointing at srv, with no hints
// about the site's markup, and returns its path.
func writeSiteConfig(t *testing.T, srv *simsite.Server) string {
	t.Helper()
	return writeSiteConfigDelay(t, srv, "0s")
}

// writeSiteConfigDelay is writeSiteConfig with a delay between requests,
// for tests that must catch a crawl in the middle.
func writeSiteConfigDelay(t *testing.T, srv *simsite.Server, delay string) string {
	t.Helper()
	cfg := fmt.Sprintf(`site:
  start_urls: ["%s/"]
  allowed_domains: ["127.0.0.1"]
crawl:
  delay: %s
  parallelism: 4
  timeout: 10s
  allow_private_networks: true
`, srv.URL, delay)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readExport(t *testing.T, path string) []exportedRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var recs []exportedRecord
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r exportedRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return recs
}

var (
	spamBlock = regexp.MustCompile(`\p{Han}{1,5}[县市区省]\s*\|\s*\p{Han}{1,5}[县市区省]`)
	footer    = regexp.MustCompile(`主办单位|技术支持|ICP备|位来访者|欢迎您访问`)
)

// TestBackfillMatchesGroundTruth is the whole pipeline on the simulated
// site: backfill through a real HTTP server into a real bbolt file, export,
// and compare every record with the site's ground truth.
func TestBackfillMatchesGroundTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end backfill skipped in -short mode")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 7, Articles: 320})
	defer srv.Close()
	cfg := writeSiteConfig(t, srv)
	dir := t.TempDir()
	db := filepath.Join(dir, "archive.db")

	code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "--quiet")
	if code != exitOK {
		t.Fatalf("backfill exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	export1 := filepath.Join(dir, "export1.jsonl.gz")
	if code, _, errOut := cli(t, "export", "--config", cfg, "--archive", db, "-o", export1); code != exitOK {
		t.Fatalf("export exit %d: %s", code, errOut)
	}
	recs := readExport(t, export1)
	truth := srv.Truth()
	checkAgainstTruth(t, recs, truth)

	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("the crawler made %d requests it must never make, e.g. %v", len(v), v[:min(len(v), 5)])
	}

	// A second backfill finds nothing new and changes nothing.
	_, statsBefore, _ := cli(t, "stats", "--config", cfg, "--archive", db)
	if code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "--quiet"); code != exitOK {
		t.Fatalf("second backfill exit %d\n%s\n%s", code, out, errOut)
	} else if !strings.Contains(out, "(0 new, 0 new versions, 0 aliases,") {
		t.Errorf("second backfill changed the archive: %s", out)
	}
	export2 := filepath.Join(dir, "export2.jsonl.gz")
	if code, _, errOut := cli(t, "export", "--config", cfg, "--archive", db, "-o", export2); code != exitOK {
		t.Fatalf("export exit %d: %s", code, errOut)
	}
	if a, b := readExport(t, export1), readExport(t, export2); len(a) != len(b) {
		t.Errorf("export changed after a second backfill: %d records, then %d", len(a), len(b))
	} else {
		for i := range a {
			x, _ := json.Marshal(a[i])
			y, _ := json.Marshal(b[i])
			if !bytes.Equal(x, y) {
				t.Errorf("export changed after a second backfill of an unchanged site:\n%s\n%s", x, y)
				break
			}
		}
	}
	_, statsAfter, _ := cli(t, "stats", "--config", cfg, "--archive", db)
	if counts(statsBefore) != counts(statsAfter) {
		t.Errorf("stats changed:\n%s\n%s", statsBefore, statsAfter)
	}

	// The cron crawl after new articles fetches them and nothing it knows.
	srv.Publish(5)
	if code, out, errOut := cli(t, "crawl", "--config", cfg, "--archive", db, "--quiet"); code != exitOK {
		t.Fatalf("crawl exit %d\n%s\n%s", code, out, errOut)
	} else if !strings.Contains(out, "(5 new,") {
		t.Errorf("crawl after 5 new articles: %s", out)
	}
	export3 := filepath.Join(dir, "export3.jsonl.gz")
	cli(t, "export", "--config", cfg, "--archive", db, "-o", export3)
	checkAgainstTruth(t, readExport(t, export3), srv.Truth())
}

// counts keeps the lines of stats output that hold counts.
func counts(stats string) string {
	var keep []string
	for _, l := range strings.Split(stats, "\n") {
		if strings.HasPrefix(l, "articles:") || strings.HasPrefix(l, "aliases:") || strings.HasPrefix(l, "versions:") || strings.HasPrefix(l, "raw pages:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func checkAgainstTruth(t *testing.T, recs []exportedRecord, truth []simsite.Article) {
	t.Helper()
	if len(recs) != len(truth) {
		t.Errorf("export has %d records, ground truth %d articles", len(recs), len(truth))
	}
	byURL := map[string]*exportedRecord{}
	for i := range recs {
		r := &recs[i]
		for _, u := range append([]string{r.URL}, r.Aliases...) {
			if prev, dup := byURL[u]; dup {
				t.Errorf("URL %s in records %s and %s", u, prev.ID, r.ID)
			}
			byURL[u] = r
		}
		if r.Version != 1 {
			t.Errorf("%s: version %d on a site that never changed", r.URL, r.Version)
		}
		if spamBlock.MatchString(r.Body) || footer.MatchString(r.Body) {
			t.Errorf("%s: body holds footer or SEO spam: %q", r.URL, r.Body)
		}
		if r.Images == nil || r.Attachments == nil || r.Aliases == nil {
			t.Errorf("%s: null list in export", r.URL)
		}
	}
	for i := 1; i < len(recs); i++ {
		if recs[i-1].Published != nil && recs[i].Published != nil && *recs[i-1].Published > *recs[i].Published {
			t.Errorf("export not ordered by publication: %s before %s", *recs[i-1].Published, *recs[i].Published)
			break
		}
	}
	mismatches := 0
	for _, a := range truth {
		var urls []string
		for _, u := range a.URLs {
			cu, err := canon.URL(u)
			if err != nil {
				t.Fatal(err)
			}
			urls = append(urls, cu)
		}
		r := byURL[urls[0]]
		if r == nil {
			t.Errorf("article %d (%s) %q not archived", a.ID, urls[0], a.Title)
			mismatches++
			continue
		}
		got := append([]string{r.URL}, r.Aliases...)
		if !sameSet(got, urls) {
			t.Errorf("article %d: URL and aliases %v, want %v", a.ID, got, urls)
		}
		col := a.Columns[slices.Index(urls, r.URL)%len(a.Columns)]
		want := exportedRecord{Title: a.Title, Source: a.Source, Body: a.Body, Column: col,
			Images: nonNil(a.Images), Attachments: nonNil(a.Attachments)}
		pub := a.Published.Format(time.RFC3339)
		want.Published = &pub
		for _, f := range []struct {
			name      string
			got, want any
		}{
			{"title", r.Title, want.Title},
			{"source", r.Source, want.Source},
			{"published", deref(r.Published), pub},
			{"column", r.Column, want.Column},
			{"images", r.Images, want.Images},
			{"attachments", r.Attachments, want.Attachments},
			{"body", r.Body, want.Body},
		} {
			if fmt.Sprint(f.got) != fmt.Sprint(f.want) {
				mismatches++
				if mismatches <= 15 {
					t.Errorf("article %d %s: %s\n got: %q\nwant: %q", a.ID, r.URL, f.name, f.got, f.want)
				}
			}
		}
	}
	if mismatches > 0 {
		t.Errorf("%d field mismatches in %d articles", mismatches, len(truth))
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

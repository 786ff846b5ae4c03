package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gowarc "github.com/nlnwa/gowarc/v3"

	"github.com/hnredstar/crawler/canon"
	"github.com/hnredstar/crawler/simsite"
)

// TestRednetTopicFiles backfills the rednet layout of the simulated site
// with a config that gives no hints, then runs a cron crawl after new
// articles, and checks the files of the topics' attachment tables (some
// linked from no article): each is stored with the bytes the site served,
// fetched exactly once over both runs, written by `attachments` under
// pages/ with its page in the manifest, and in the WARC export with a
// metadata record naming its page.
func TestRednetTopicFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end backfill skipped in -short mode")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 11, Articles: 300, Layout: simsite.LayoutRednet, SlowDelay: -1})
	defer srv.Close()
	cfg := writeSiteConfig(t, srv)
	db := filepath.Join(t.TempDir(), "archive.db")

	if code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "--quiet"); code != exitOK {
		t.Fatalf("backfill exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	before := srv.Site.ListFiles(srv.URL)
	own := 0
	for _, f := range before {
		if f.OnlyHere {
			own++
		}
	}
	if own == 0 {
		t.Fatal("the topic tables offer no file of their own")
	}
	checkTopicFiles(t, srv, cfg, db, "backfill", before)

	// New articles change the topics' first pages, which the cron crawl
	// fetches again; their files must not be fetched again.
	n := srv.Site.Len()
	for inTopic := false; !inTopic; {
		srv.Publish(10)
		for _, a := range srv.Truth()[n:] {
			inTopic = inTopic || strings.HasSuffix(a.Columns[0], "专题")
		}
	}
	if code, out, errOut := cli(t, "crawl", "--config", cfg, "--archive", db, "--quiet"); code != exitOK {
		t.Fatalf("crawl exit %d\n%s\n%s", code, out, errOut)
	}
	checkTopicFiles(t, srv, cfg, db, "cron crawl", before)

	hits := map[string]int{}
	for _, f := range srv.Site.ListFiles(srv.URL) {
		u, _ := url.Parse(f.URL)
		hits[u.Path] = srv.Site.FileHits(u.Path)
	}
	for p, n := range hits {
		if n != 1 {
			t.Errorf("file %s fetched %d times over the backfill and the cron crawl, want 1", p, n)
		}
	}
	if code, out, errOut := cli(t, "verify", "--archive", db); code != exitOK {
		t.Errorf("verify exit %d\n%s\n%s", code, out, errOut)
	}
	_, out, _ := cli(t, "stats", "--archive", db)
	if !strings.Contains(out, "page files:  ") || strings.Contains(out, "page files:  0 ") {
		t.Errorf("stats does not count the files of list pages:\n%s", out)
	}
	t.Logf("%d topic-table files (%d linked from no article), %d after the cron crawl; %s", len(before), own, len(hits),
		strings.TrimSpace(out[strings.Index(out, "page files:"):strings.Index(out, "page files:")+strings.Index(out[strings.Index(out, "page files:"):], "\n")]))
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("the crawler made %d requests it must never make, e.g. %v", len(v), v[:min(len(v), 5)])
	}
}

// checkTopicFiles checks that every (page, file) pair of want is in the
// archive at db as `attachments` and `export --format warc` write it, and
// that every file the site's tables show now is stored.
func checkTopicFiles(t *testing.T, srv *simsite.Server, cfg, db, run string, want []simsite.ListFile) {
	t.Helper()
	dir := t.TempDir()
	if code, out, errOut := cli(t, "attachments", dir, "--config", cfg, "--archive", db); code != exitOK {
		t.Fatalf("%s: attachments exit %d\n%s\n%s", run, code, out, errOut)
	}
	mf, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer mf.Close()
	inManifest := map[string]manifestEntry{} // "page file" → entry
	sc := bufio.NewScanner(mf)
	for sc.Scan() {
		var e manifestEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s: manifest line %q: %v", run, sc.Text(), err)
		}
		if e.Page != "" {
			inManifest[e.Page+" "+e.URL] = e
		}
	}
	warcPath := filepath.Join(t.TempDir(), "site.warc.gz")
	if code, out, errOut := cli(t, "export", "--format", "warc", "--config", cfg, "--archive", db, "-o", warcPath); code != exitOK {
		t.Fatalf("%s: export exit %d\n%s\n%s", run, code, out, errOut)
	}
	responses, inWARC := readFileRecords(t, warcPath)

	for _, f := range append(want, srv.Site.ListFiles(srv.URL)...) {
		page, _ := canon.URL(f.Page)
		file, _ := canon.URL(f.URL)
		u, _ := url.Parse(f.URL)
		body, _, _ := simsite.AttachmentBody(u.Path)
		if got, ok := responses[file]; !ok || !bytes.Equal(got, body) {
			t.Errorf("%s: %s of %s: WARC response %v, %d bytes, want the %d served", run, f.URL, f.Page, ok, len(got), len(body))
		}
		if !inWARC[page+" "+file] && !inAnyPage(inWARC, file) {
			t.Errorf("%s: no WARC metadata record ties %s to a page", run, f.URL)
		}
		e, ok := inManifest[page+" "+file]
		if !ok {
			for k, v := range inManifest {
				if strings.HasSuffix(k, " "+file) {
					e, ok = v, true
				}
			}
		}
		if !ok {
			t.Errorf("%s: %s (on %s) is in no manifest line with a page", run, f.URL, page)
			continue
		}
		if !strings.HasPrefix(e.File, "pages/") || e.SHA256 == "" {
			t.Errorf("%s: manifest entry %+v", run, e)
		}
		if got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.File))); err != nil || !bytes.Equal(got, body) {
			t.Errorf("%s: %s: %v, %d bytes, want the %d served", run, e.File, err, len(got), len(body))
		}
	}
	for _, f := range want {
		page, _ := canon.URL(f.Page)
		file, _ := canon.URL(f.URL)
		if _, ok := inManifest[page+" "+file]; !ok {
			t.Errorf("%s: manifest does not tie %s to %s, which linked it at the backfill", run, file, page)
		}
		if !inWARC[page+" "+file] {
			t.Errorf("%s: WARC does not tie %s to %s", run, file, page)
		}
	}
}

func inAnyPage(ties map[string]bool, file string) bool {
	for k := range ties {
		if strings.HasSuffix(k, " "+file) {
			return true
		}
	}
	return false
}

// readFileRecords reads the WARC file at path and returns the payloads of
// its responses by URL, and the "page url" pairs its metadata records tie.
func readFileRecords(t *testing.T, path string) (map[string][]byte, map[string]bool) {
	t.Helper()
	rd, err := gowarc.NewWarcFileReader(path, 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	responses, ties := map[string][]byte{}, map[string]bool{}
	for rec, err := range rd.Records() {
		if err != nil {
			t.Fatal(err)
		}
		uri := rec.WarcRecord.WarcHeader().Get(gowarc.WarcTargetURI)
		switch rec.WarcRecord.Type() {
		case gowarc.Response:
			if b, ok := rec.WarcRecord.Block().(gowarc.HttpResponseBlock); ok {
				if p, err := b.PayloadBytes(); err == nil {
					buf := new(bytes.Buffer)
					buf.ReadFrom(p)
					if _, dup := responses[uri]; dup && strings.Contains(uri, "/img/") {
						t.Errorf("file %s written twice in the WARC", uri)
					}
					responses[uri] = buf.Bytes()
				}
			}
		case gowarc.Metadata:
			if r, err := rec.WarcRecord.Block().RawBytes(); err == nil {
				buf := new(bytes.Buffer)
				buf.ReadFrom(r)
				var m struct{ Page, URL string }
				if json.Unmarshal(buf.Bytes(), &m) == nil && m.Page != "" {
					ties[m.Page+" "+m.URL] = true
				}
			}
		}
		rec.Close()
	}
	return responses, ties
}

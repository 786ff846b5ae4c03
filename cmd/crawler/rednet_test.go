package main

import (
	"bytes"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/canon"
	"github.com/hnredstar/crawler/simsite"
)

// TestRednetBackfillMatchesGroundTruth crawls the rednet layout of the
// simulated site (/channel/ID.html lists, /content/… articles, /topic/N/
// topics) with a config that gives no hints about it, then a cron crawl
// after new articles, and compares every record with the ground truth:
// fields, columns (topics included) and attachment files.
func TestRednetBackfillMatchesGroundTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end backfill skipped in -short mode")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 11, Articles: 400, Layout: simsite.LayoutRednet, SlowDelay: -1})
	defer srv.Close()
	cfg := writeSiteConfig(t, srv)
	dir := t.TempDir()
	db := filepath.Join(dir, "archive.db")

	if code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "--quiet"); code != exitOK {
		t.Fatalf("backfill exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	checkRednet(t, srv, cfg, db, "backfill")

	// Publish until a new article is in a topic, so that the cron crawl
	// must find new articles through a topic's list too.
	before := srv.Site.Len()
	for inTopic := false; !inTopic; {
		srv.Publish(10)
		for _, a := range srv.Truth()[before:] {
			inTopic = inTopic || strings.HasSuffix(a.Columns[0], "专题")
		}
	}
	added := srv.Site.Len() - before
	if code, out, errOut := cli(t, "crawl", "--config", cfg, "--archive", db, "--quiet"); code != exitOK {
		t.Fatalf("crawl exit %d\n%s\n%s", code, out, errOut)
	} else if !strings.Contains(out, fmt.Sprintf("(%d new,", added)) {
		t.Errorf("crawl after %d new articles: %s", added, out)
	}
	checkRednet(t, srv, cfg, db, "cron crawl")
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("the crawler made %d requests it must never make, e.g. %v", len(v), v[:min(len(v), 5)])
	}
}

// checkRednet exports the archive at db and checks it against srv's
// ground truth: every field of every article, that every column and topic
// of the site is a column of the archive, and that every attachment is
// stored with the bytes the site serves.
func checkRednet(t *testing.T, srv *simsite.Server, cfg, db, run string) {
	t.Helper()
	export := filepath.Join(t.TempDir(), "export.jsonl.gz")
	if code, _, errOut := cli(t, "export", "--config", cfg, "--archive", db, "-o", export); code != exitOK {
		t.Fatalf("%s: export exit %d: %s", run, code, errOut)
	}
	recs := readExport(t, export)
	truth := srv.Truth()
	checkAgainstTruth(t, recs, truth)

	var want, got []string
	topicArticles, files := 0, 0
	topics := map[string]bool{}
	for _, name := range srv.Site.ColumnNames() {
		if strings.HasSuffix(name, "专题") {
			topics[name] = true
		}
	}
	for _, a := range truth {
		want = append(want, a.Columns...)
		if topics[a.Columns[0]] {
			topicArticles++
		}
	}
	for _, r := range recs {
		got = append(got, r.Column)
	}
	slices.Sort(want)
	slices.Sort(got)
	want, got = slices.Compact(want), slices.Compact(got)
	if !slices.Equal(want, got) {
		t.Errorf("%s: archive columns %q, site columns %q", run, got, want)
	}
	if len(topics) == 0 || topicArticles == 0 {
		t.Errorf("%s: %d topics, %d topic articles: the site shows no topics", run, len(topics), topicArticles)
	}

	a, err := archive.Open(db, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for _, art := range truth {
		for _, u := range art.Attachments {
			cu, _ := canon.URL(u)
			pu, _ := url.Parse(u)
			body, _, _ := simsite.AttachmentBody(pu.Path)
			f, got, err := a.FileBody(cu)
			if err != nil || !f.Stored() || !bytes.Equal(got, body) {
				t.Errorf("%s: attachment %s of article %d: %v, stored %v, %d bytes, want the %d served", run, u, art.ID, err, f.Stored(), len(got), len(body))
			}
			files++
		}
	}
	t.Logf("%s: %d articles (%d in topics), %d records, %d columns, %d attachment files", run, len(truth), topicArticles, len(recs), len(got), files)
}

// TestDemoRednetLayout runs the demo on the rednet layout: its records
// are at /content/ addresses, and some are in topics (专题).
func TestDemoRednetLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("demo backfills a simulated site")
	}
	db := filepath.Join(t.TempDir(), "demo.db")
	code, out, errOut := cli(t, "demo", "--layout", "rednet", "--articles", "120", "--show", "0", "-q", "--archive", db, "--addr", closedPort(t))
	if code != exitOK || !strings.Contains(out, "articles:    120") {
		t.Fatalf("demo --layout rednet: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = cli(t, "export", "--config", "../../config.yaml", "--archive", db)
	if code != exitOK || strings.Count(out, `"url":"http://127.0.0.1:`) != 120 || strings.Count(out, "/content/") < 120 || !strings.Contains(out, `专题"`) {
		t.Errorf("export of the rednet demo: exit %d, %d lines, %d /content/ URLs, topic column %v\n%s",
			code, strings.Count(out, "\n"), strings.Count(out, "/content/"), strings.Contains(out, `专题"`), errOut)
	}
	for _, args := range [][]string{
		{"demo", "--layout", "hanweb", "--archive", db},
		{"simsite", "--layout", "hanweb", "--addr", "127.0.0.1:0"},
	} {
		if code, _, _ := cli(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

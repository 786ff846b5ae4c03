package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/simsite"
)

// jsonCounts is a coverage object as "runs --json" prints it.
type jsonCounts struct {
	Articles int                 `json:"articles"`
	Have     map[string]int      `json:"have"`
	Suspect  map[string]int      `json:"suspect"`
	Lacking  map[string][]string `json:"lacking"`
	Share    map[string]float64  `json:"share"`
}

// jsonRun is a run as "runs --json" prints it.
type jsonRun struct {
	Kind     string `json:"kind"`
	Status   string `json:"status"`
	Exit     int    `json:"exit"`
	Added    int    `json:"added"`
	Coverage *struct {
		jsonCounts
		Columns map[string]jsonCounts `json:"columns"`
	} `json:"coverage"`
	Drift []archive.Drift `json:"drift"`
}

// runsJSON runs "crawler runs --json" and decodes its lines, newest first.
func runsJSON(t *testing.T, cfg, db string) []jsonRun {
	t.Helper()
	code, out, errOut := cli(t, "runs", "--json", "--config", cfg, "--archive", db)
	if code != exitOK {
		t.Fatalf("runs --json: exit %d\n%s", code, errOut)
	}
	var runs []jsonRun
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r jsonRun
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("runs --json line %q: %v", line, err)
		}
		runs = append(runs, r)
	}
	return runs
}

// exportCounts counts the coverage of exported records the way the README
// defines it, from the JSONL alone: overall (key "") and per column.
func exportCounts(t *testing.T, jsonl string) map[string]*jsonCounts {
	t.Helper()
	counts := map[string]*jsonCounts{}
	get := func(k string) *jsonCounts {
		if counts[k] == nil {
			counts[k] = &jsonCounts{Have: map[string]int{}, Suspect: map[string]int{}}
		}
		return counts[k]
	}
	for _, line := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		var r exportedRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		have := map[string]bool{
			"title":  strings.TrimSpace(r.Title) != "",
			"source": strings.TrimSpace(r.Source) != "",
			"body":   utf8.RuneCountInString(strings.TrimSpace(r.Body)) >= 50,
			"column": strings.TrimSpace(r.Column) != "",
		}
		if r.Published != nil {
			// Exported in +08:00: a time of 00:00 is a date alone.
			p, err := time.Parse(time.RFC3339, *r.Published)
			if err != nil {
				t.Fatalf("published %q: %v", *r.Published, err)
			}
			have["published"] = !strings.HasSuffix(*r.Published, "T00:00:00+08:00")
			if f, err := time.Parse(time.RFC3339, r.FetchedAt); err == nil && have["published"] && p.After(f.Add(24*time.Hour)) {
				get("").Suspect["published"]++
				get(r.Column).Suspect["published"]++
			}
		}
		src := strings.TrimSpace(r.Source)
		suspectSource := have["source"] && (utf8.RuneCountInString(src) > 30 || strings.ContainsAny(src, "。！？；!?;\n"))
		for _, c := range []*jsonCounts{get(""), get(r.Column)} {
			c.Articles++
			for f, ok := range have {
				if ok {
					c.Have[f]++
				}
			}
			if suspectSource {
				c.Suspect["source"]++
			}
		}
	}
	return counts
}

// TestRunCoverageMatchesExport backfills the simulated site, exports it and
// checks that the coverage "runs --json" reports for the backfill is what
// the exported records show, overall and per column.
func TestRunCoverageMatchesExport(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a backfill")
	}
	_, cfg, db := backfilled(t, 3, 150)
	code, jsonl, errOut := cli(t, "export", "--config", cfg, "--archive", db)
	if code != exitOK {
		t.Fatalf("export: exit %d\n%s", code, errOut)
	}
	want := exportCounts(t, jsonl)
	runs := runsJSON(t, cfg, db)
	if len(runs) != 1 || runs[0].Coverage == nil {
		t.Fatalf("runs: %+v, want one backfill with coverage", runs)
	}
	got := runs[0].Coverage
	if got.Articles != want[""].Articles || got.Articles != runs[0].Added {
		t.Fatalf("coverage counts %d articles, export %d, run added %d", got.Articles, want[""].Articles, runs[0].Added)
	}
	check := func(where string, got jsonCounts, want *jsonCounts) {
		t.Helper()
		if want == nil {
			t.Errorf("%s: in the run's coverage, not in the export", where)
			return
		}
		if got.Articles != want.Articles {
			t.Errorf("%s: %d articles, export has %d", where, got.Articles, want.Articles)
		}
		for _, f := range archive.CoverageFields {
			if got.Have[f] != want.Have[f] {
				t.Errorf("%s: %s on %d articles, export shows %d", where, f, got.Have[f], want.Have[f])
			}
			share := float64(want.Have[f]) / float64(want.Articles)
			if math.Abs(got.Share[f]-share) > 1e-4 {
				t.Errorf("%s: %s share %v, export shows %v", where, f, got.Share[f], share)
			}
		}
		for _, f := range []string{"source", "published"} {
			if got.Suspect[f] != want.Suspect[f] {
				t.Errorf("%s: %d suspect %s, export shows %d", where, got.Suspect[f], f, want.Suspect[f])
			}
		}
	}
	check("overall", got.jsonCounts, want[""])
	if len(got.Columns) != len(want)-1 {
		t.Errorf("coverage of %d columns, export has %d", len(got.Columns), len(want)-1)
	}
	for name, c := range got.Columns {
		check("column "+name, c, want[name])
	}
	// The extractor gets every field of the simulated site right: nothing
	// looks wrong.
	for f, n := range got.Suspect {
		if n != 0 {
			t.Errorf("%d suspect %s values on the simulated site, examples %v", n, f, got.Lacking[f])
		}
	}
	// The site states a source on most articles and the minute on many,
	// but not all: the counts must show that, not 0 or 100%.
	if s := got.Share["source"]; s < 0.8 || s > 0.99 {
		t.Errorf("source share %v on the simulated site, want 80–99%%", s)
	}
	if s := got.Share["published"]; s < 0.5 || s > 0.95 {
		t.Errorf("published share %v on the simulated site, want 50–95%%", s)
	}

	code, out, errOut := cli(t, "stats", "--config", cfg, "--archive", db)
	if code != exitOK || !strings.Contains(out, "coverage:    title 100%") {
		t.Errorf("stats: exit %d, no coverage line\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = cli(t, "runs", "--config", cfg, "--archive", db)
	if code != exitOK || !strings.Contains(out, "source") || !strings.Contains(out, "100%") {
		t.Errorf("runs: exit %d, no coverage columns\n%s\n%s", code, out, errOut)
	}
}

// TestDriftExitStatus backfills a site, publishes articles in a redesigned
// template that drops the source line, and runs "crawler crawl" as a real
// process: it must warn about the source, with example URLs and the
// command to run, exit with status 5 and record the run as drift. The same
// crawl of a site without the redesign exits 0.
func TestDriftExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("needs backfills")
	}
	const before, published = 80, 30
	for _, tc := range []struct {
		name     string
		redesign int
		exit     int
		status   string
	}{
		{"redesign", before, exitDrift, "drift"},
		{"no redesign", 0, exitOK, "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := simsite.NewServer(simsite.Options{Seed: 7, Articles: before, Columns: 5, RedesignAfter: tc.redesign})
			t.Cleanup(srv.Close)
			cfg := writeSiteConfig(t, srv)
			db := filepath.Join(t.TempDir(), "archive.db")
			if code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "-q"); code != exitOK {
				t.Fatalf("backfill exit %d\n%s\n%s", code, out, errOut)
			}
			srv.Publish(published)
			code, stdout, stderr := runProcess(t, crawlerCmd(t, "crawl", "--config", cfg, "--archive", db, "--quiet"))
			if code != tc.exit {
				t.Fatalf("crawl exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.exit, stdout, stderr)
			}
			runs := runsJSON(t, cfg, db)
			last := runs[0]
			if last.Status != tc.status || last.Exit != tc.exit || last.Coverage == nil || last.Coverage.Articles != published {
				t.Fatalf("run recorded as %q exit %d with coverage %+v, want %q exit %d over %d articles",
					last.Status, last.Exit, last.Coverage, tc.status, tc.exit, published)
			}
			if tc.redesign == 0 {
				if len(last.Drift) > 0 || strings.Contains(stderr, "drift") {
					t.Errorf("drift without a redesign: %+v\n%s", last.Drift, stderr)
				}
				return
			}
			if len(last.Drift) != 1 || last.Drift[0].Field != "source" || last.Drift[0].Share != 0 || last.Drift[0].Baseline < 0.8 {
				t.Fatalf("drift recorded %+v, want source from 80%%+ to 0", last.Drift)
			}
			examples := last.Drift[0].Examples
			if len(examples) != 3 {
				t.Fatalf("drift examples %v, want 3", examples)
			}
			for _, u := range examples {
				if !strings.Contains(stderr, u) {
					t.Errorf("warning does not name example %s:\n%s", u, stderr)
				}
			}
			warn := regexp.MustCompile(`extraction drift: source usable in 0% of this run's articles, against \d+% before.*run crawler extract --explain http://127\.0\.0\.1:\d+/\S+`)
			if !warn.MatchString(stderr) {
				t.Errorf("no drift warning naming the field and the command:\n%s", stderr)
			}
			if !strings.Contains(stderr, "crawler: extraction drift: source 0% (was") {
				t.Errorf("last line does not name the drift:\n%s", stderr)
			}
			if !strings.Contains(stdout, "column 100%; extraction drift: source 0% (was") {
				t.Errorf("summary does not name the drift:\n%s", stdout)
			}
		})
	}
}

// TestMetricsDrift feeds the metrics an ok run, a drift run and a run that
// wrote nothing, and reads the endpoint after each: a drift run is no
// success, sets its field's drift flag and the coverage gauges; a run
// without articles leaves the shares.
func TestMetricsDrift(t *testing.T) {
	m := newMetrics()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := m.serve(ctx, "127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	page := func() string {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cov := func(articles, sources int) *archive.Coverage {
		c := &archive.Coverage{FieldCounts: archive.FieldCounts{Articles: articles, Have: map[string]int{}, Suspect: map[string]int{"source": 0}}}
		for _, f := range archive.CoverageFields {
			c.Have[f] = articles
		}
		c.Have["source"] = sources
		return c
	}
	t0 := time.Unix(1_700_000_000, 0)
	m.finish(archive.Run{Kind: "crawl", Start: t0, End: t0.Add(time.Second), Status: "ok", Coverage: cov(40, 38)})
	p := page()
	if got := metricValue(t, p, `crawler_field_coverage{field="source"}`); got != 0.95 {
		t.Errorf("source coverage %v after the ok run, want 0.95", got)
	}
	if got := metricValue(t, p, "crawler_last_success_timestamp_seconds"); got != float64(t0.Unix()+1) {
		t.Errorf("last success %v, want the ok run's end", got)
	}

	t1 := t0.Add(time.Hour)
	m.finish(archive.Run{Kind: "crawl", Start: t1, End: t1.Add(time.Second), Status: "drift", Coverage: cov(30, 0),
		Drift: []archive.Drift{{Field: "source", Articles: 30, Share: 0, Baseline: 0.95, History: 40}}})
	p = page()
	for name, want := range map[string]float64{
		`crawler_field_coverage{field="source"}`: 0,
		`crawler_field_coverage{field="title"}`:  1,
		`crawler_field_drift{field="source"}`:    1,
		`crawler_field_drift{field="title"}`:     0,
		`crawler_runs_total{status="drift"}`:     1,
		// Not a success: the alert on its age fires.
		"crawler_last_success_timestamp_seconds": float64(t0.Unix() + 1),
		"crawler_last_run_timestamp_seconds":     float64(t1.Unix() + 1),
	} {
		if got := metricValue(t, p, name); got != want {
			t.Errorf("%s = %v after the drift run, want %v", name, got, want)
		}
	}

	t2 := t1.Add(time.Hour)
	m.finish(archive.Run{Kind: "crawl", Start: t2, End: t2.Add(time.Second), Status: "ok", Coverage: cov(0, 0)})
	p = page()
	if got := metricValue(t, p, `crawler_field_drift{field="source"}`); got != 0 {
		t.Errorf("source drift flag %v after a run without drift, want 0", got)
	}
	if got := metricValue(t, p, `crawler_field_coverage{field="title"}`); got != 1 {
		t.Errorf("title coverage %v after a run that wrote nothing, want the drift run's 1 kept", got)
	}
}

// TestCrontabAlerts runs the crawl line of deploy/crontab in a shell, with
// a stand-in crawler that exits with each status, and checks that cron
// would mail a line (the line prints one) for statuses other than 0 and 4,
// drift included.
func TestCrontabAlerts(t *testing.T) {
	b, err := os.ReadFile("../../deploy/crontab")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, "./crawler crawl ") && !strings.HasPrefix(l, "#") {
			line = strings.Join(strings.Fields(l)[5:], " ")
		}
	}
	if line == "" {
		t.Fatal("no crawl line in deploy/crontab")
	}
	dir := t.TempDir()
	line = strings.ReplaceAll(line, "/srv/crawler", dir)
	line = strings.ReplaceAll(line, "/var/log/crawler", dir)
	for _, tc := range []struct {
		exit int
		mail bool
	}{{exitOK, false}, {exitPagesFailed, false}, {exitError, true}, {exitLocked, true}, {exitDrift, true}} {
		fake := fmt.Sprintf("#!/bin/sh\necho run >&2\nexit %d\n", tc.exit)
		if err := os.WriteFile(filepath.Join(dir, "crawler"), []byte(fake), 0o700); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("/bin/sh", "-c", line).CombinedOutput()
		if err != nil && !tc.mail {
			t.Errorf("status %d: the line fails: %v", tc.exit, err)
		}
		if got := len(out) > 0; got != tc.mail {
			t.Errorf("status %d: output %q; want output (mail from cron): %v", tc.exit, out, tc.mail)
		}
		if tc.mail && !strings.Contains(string(out), fmt.Sprintf("status %d", tc.exit)) {
			t.Errorf("status %d: the line does not name the status: %q", tc.exit, out)
		}
	}
	if log, err := os.ReadFile(filepath.Join(dir, "crawl.log")); err != nil || strings.Count(string(log), "run\n") != 5 {
		t.Errorf("crawl.log: %q %v; want the five runs' stderr", log, err)
	}
}

// TestBaselineFromArchive checks the baseline of an archive whose runs
// recorded no coverage (filled by an older crawler): the records
// themselves, until the runs count enough articles.
func TestBaselineFromArchive(t *testing.T) {
	a, err := archive.Open(filepath.Join(t.TempDir(), "archive.db"), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	at := time.Date(2024, 1, 29, 15, 20, 0, 0, time.UTC)
	for i := range 60 {
		art := archive.Article{URL: fmt.Sprintf("http://127.0.0.1/c/%d.html", i), Title: fmt.Sprintf("标题%d", i),
			Published: at, Body: strings.Repeat("正文", 40), Column: "要闻", FetchedAt: at}
		if i%4 != 0 {
			art.Source = "湖南日报"
		}
		if _, err := a.Put(ctx, art); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.PutRun(archive.Run{Kind: "backfill", Start: at, End: at, Added: 60, Status: "ok"}); err != nil {
		t.Fatal(err)
	}
	b, err := coverageBaseline(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if b.Articles != 60 || b.Have["source"] != 45 || b.Columns["要闻"] == nil || b.Columns["要闻"].Articles != 60 {
		t.Fatalf("baseline from the records: %d articles, %d with a source; want 60, 45", b.Articles, b.Have["source"])
	}
	// Once the runs hold enough articles, they are the baseline.
	c := archive.Coverage{FieldCounts: archive.FieldCounts{Articles: 50, Have: map[string]int{"source": 50}}}
	if err := a.PutRun(archive.Run{Kind: "crawl", Start: at, End: at, Added: 50, Status: "ok", Coverage: &c}); err != nil {
		t.Fatal(err)
	}
	if b, err = coverageBaseline(ctx, a); err != nil || b.Articles != 50 || b.Have["source"] != 50 {
		t.Fatalf("baseline from the runs: %d articles, %d with a source, %v; want 50, 50", b.Articles, b.Have["source"], err)
	}
}

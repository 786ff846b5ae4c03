package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/simsite"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline (a hang, not a slow machine).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// everyInterval is a cron.Schedule firing every d, remembering the last
// time it returned.
type everyInterval struct {
	d    time.Duration
	mu   sync.Mutex
	last time.Time
}

func (e *everyInterval) Next(t time.Time) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.last = t.Add(e.d)
	return e.last
}

func TestSchedulerNeverOverlaps(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		runFor   time.Duration // longer than the interval: a naive ticker would overlap
		jitter   time.Duration
	}{
		{"runs longer than the interval", 30 * time.Millisecond, 120 * time.Millisecond, 0},
		{"with jitter", 30 * time.Millisecond, 60 * time.Millisecond, 40 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var logs syncBuffer
			var inFlight, maxInFlight, runs atomic.Int32
			sched := &everyInterval{d: tt.interval}
			var badJitter atomic.Value
			s := &scheduler{
				sched:  sched,
				jitter: tt.jitter,
				log:    slog.New(slog.NewTextHandler(&logs, nil)),
				now:    time.Now,
				run: func(ctx context.Context) {
					n := inFlight.Add(1)
					if n > maxInFlight.Load() {
						maxInFlight.Store(n)
					}
					time.Sleep(tt.runFor)
					inFlight.Add(-1)
					if runs.Add(1) == 4 {
						cancel()
					}
				},
				next: func(at time.Time) {
					sched.mu.Lock()
					planned := sched.last
					sched.mu.Unlock()
					if at.Before(planned) || (tt.jitter > 0 && !at.Before(planned.Add(tt.jitter))) || (tt.jitter == 0 && !at.Equal(planned)) {
						badJitter.Store(fmt.Sprintf("run at %v, planned %v, jitter %v", at, planned, tt.jitter))
					}
				},
			}
			done := make(chan struct{})
			go func() { s.loop(ctx); close(done) }()
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("scheduler did not stop")
			}
			if got := runs.Load(); got != 4 {
				t.Errorf("%d runs, want 4", got)
			}
			if got := maxInFlight.Load(); got != 1 {
				t.Errorf("%d runs at once, want 1", got)
			}
			if msg := badJitter.Load(); msg != nil {
				t.Error(msg)
			}
			if tt.jitter == 0 && !strings.Contains(logs.String(), "runs_skipped=") {
				t.Errorf("runs longer than the interval did not log the skipped times:\n%s", logs.String())
			}
		})
	}
}

func TestSchedulerStopsWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	s := &scheduler{sched: &everyInterval{d: time.Hour}, log: slog.New(slog.DiscardHandler), now: time.Now,
		run: func(context.Context) { ran = true }}
	done := make(chan struct{})
	go func() { s.loop(ctx); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("scheduler waiting for its next run did not stop on cancel")
	}
	if ran {
		t.Error("ran before its time")
	}
}

// writeScheduleConfig writes a config for srv with a schedule section.
func writeScheduleConfig(t *testing.T, srv *simsite.Server, crawl, schedule string) string {
	t.Helper()
	cfg := fmt.Sprintf(`site:
  start_urls: ["%s/"]
  allowed_domains: ["127.0.0.1"]
crawl:
  timeout: 10s
  allow_private_networks: true
%s
schedule:
%s
`, srv.URL, crawl, schedule)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var metricsURL = regexp.MustCompile(`msg=metrics url=(http://\S+/metrics)`)

// metricValue returns the value of the sample named name (with labels as
// written in the exposition) in a Prometheus text page.
func metricValue(t *testing.T, page, name string) float64 {
	t.Helper()
	for _, line := range strings.Split(page, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("metric %s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("metric %s not served:\n%s", name, page)
	return 0
}

// TestScheduleCommand runs "crawler schedule" on a seconds-level cron
// against the simulated site until it has crawled three times, reads the
// metrics endpoint, stops it, and checks the run history.
func TestScheduleCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the schedule for a few seconds")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 5, Articles: 40, Columns: 5})
	defer srv.Close()
	cfg := writeScheduleConfig(t, srv, "  delay: 0s\n  parallelism: 4",
		"  cron: \"* * * * * *\"\n  jitter: 200ms\n  metrics_addr: \"127.0.0.1:0\"")
	db := filepath.Join(t.TempDir(), "archive.db")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	code := make(chan int, 1)
	go func() { code <- run(ctx, []string{"schedule", "--config", cfg, "--archive", db}, &stdout, &stderr) }()

	waitFor(t, "three scheduled runs", func() bool { return strings.Count(stdout.String(), "crawl: ") >= 3 })
	m := metricsURL.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no metrics URL logged:\n%s", stderr.String())
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	cancel()
	if c := <-code; c != exitOK {
		t.Errorf("schedule exit %d after cancel, want 0\n%s", c, stderr.String())
	}

	a, err := archive.Open(db, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	runs, err := a.Runs(0)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(runs)
	if len(runs) < 3 {
		t.Fatalf("%d runs recorded, want at least 3", len(runs))
	}
	for i, r := range runs {
		if r.Kind != "crawl" {
			t.Errorf("run %d kind %q, want crawl", i, r.Kind)
		}
		if i > 0 && r.Start.Before(runs[i-1].End) {
			t.Errorf("run %d started %v, before run %d ended %v", i, r.Start, i-1, runs[i-1].End)
		}
	}
	n, _ := a.Len()
	if n == 0 {
		t.Fatal("nothing archived")
	}
	if probs, err := a.Verify(context.Background()); err != nil || len(probs) > 0 {
		t.Errorf("verify after schedule: %v %v", probs, err)
	}

	if got := metricValue(t, page, `crawler_articles_archived_total{outcome="added"}`); got != float64(n) {
		t.Errorf("articles added per metrics %v, archive holds %d", got, n)
	}
	if got := metricValue(t, page, "crawler_pages_fetched_total"); got < float64(runs[0].Pages) {
		t.Errorf("pages fetched per metrics %v, first run alone fetched %d", got, runs[0].Pages)
	}
	if got := metricValue(t, page, `crawler_runs_total{status="ok"}`); got < 3 {
		t.Errorf("ok runs per metrics %v, want at least 3", got)
	}
	if got := metricValue(t, page, "crawler_run_duration_seconds_count"); got < 3 {
		t.Errorf("run durations observed %v, want at least 3", got)
	}
	last := metricValue(t, page, "crawler_last_success_timestamp_seconds")
	if last < float64(runs[0].End.Unix()) {
		t.Errorf("last success %v, before the first run ended (%d)", last, runs[0].End.Unix())
	}
	// Later runs find nothing new: the gauge keeps the first run's share.
	if c := runs[0].Coverage; c == nil || metricValue(t, page, `crawler_field_coverage{field="source"}`) != c.Share("source") {
		t.Errorf("source coverage per metrics %v, first run's %+v", metricValue(t, page, `crawler_field_coverage{field="source"}`), c)
	}
	metricValue(t, page, `crawler_errors_total{kind="page"}`)
	metricValue(t, page, "crawler_next_run_timestamp_seconds")
}

// TestScheduleStopsCleanlyOnSIGTERM starts "crawler schedule" as a real
// process, sends SIGTERM in the middle of a run, and expects exit status
// 0, the run recorded as interrupted and an archive that verifies.
func TestScheduleStopsCleanlyOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess that crawls")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 6, Articles: 60, Columns: 5})
	defer srv.Close()
	// A slow crawl: one request at a time, 200ms apart, so that the signal
	// arrives while pages are still being fetched.
	cfg := writeScheduleConfig(t, srv, "  delay: 200ms\n  parallelism: 1", "  cron: \"* * * * * *\"")
	db := filepath.Join(t.TempDir(), "archive.db")

	cmd := crawlerCmd(t, "schedule", "-v", "--config", cfg, "--archive", db)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var stderr syncBuffer
	pagesDone := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(errPipe)
		n := 0
		for sc.Scan() {
			stderr.Write(append(sc.Bytes(), '\n'))
			if strings.Contains(sc.Text(), "page done") {
				if n++; n == 3 {
					close(pagesDone)
				}
			}
		}
	}()
	select {
	case <-pagesDone:
	case <-time.After(90 * time.Second):
		t.Fatalf("no pages crawled:\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("schedule after SIGTERM: %v, want exit status 0\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("schedule did not stop after SIGTERM\nstderr:\n%s", stderr.String())
	}
	for _, want := range []string{"run interrupted", "schedule stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr.String())
		}
	}
	if !strings.Contains(stdout.String(), "crawl: ") {
		t.Errorf("no run summary on stdout: %q", stdout.String())
	}

	a, err := archive.Open(db, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("archive after SIGTERM: %v", err)
	}
	defer a.Close()
	runs, err := a.Runs(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != "interrupted" {
		t.Errorf("runs after SIGTERM: %+v, want one interrupted run", runs)
	}
	if probs, err := a.Verify(context.Background()); err != nil || len(probs) > 0 {
		t.Errorf("verify after SIGTERM: %v %v", probs, err)
	}
}

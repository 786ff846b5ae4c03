package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/simsite"
)

// TestBackfillResumesAfterKill kills a real backfill process with SIGKILL
// at several moments, by page count and by time, runs it again to the end,
// and checks the archive holds every article exactly once.
func TestBackfillResumesAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real subprocesses")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 21, Articles: 300})
	defer srv.Close()
	// Spaced requests keep the backfill running long enough to be killed
	// at every chosen moment.
	cfg := writeSiteConfigDelay(t, srv, "5ms")
	dir := t.TempDir()
	db := filepath.Join(dir, "archive.db")

	kills := []struct {
		afterPages int
		afterTime  time.Duration
	}{
		{afterPages: 3}, {afterPages: 40}, {afterTime: 700 * time.Millisecond}, {afterPages: 90}, {afterPages: 150},
	}
	for i, k := range kills {
		cmd := crawlerCmd(t, "backfill", "--config", cfg, "--archive", db, "-v")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pages := make(chan int, 1024)
		go countPages(stderr, pages)
		deadline := time.After(60 * time.Second)
		var timer <-chan time.Time
		if k.afterTime > 0 {
			timer = time.After(k.afterTime)
		}
		finished := false
	wait:
		for {
			select {
			case n, ok := <-pages:
				if !ok {
					finished = true
					break wait
				}
				if k.afterPages > 0 && n >= k.afterPages {
					break wait
				}
			case <-timer:
				break wait
			case <-deadline:
				t.Fatalf("kill %d: backfill made no progress", i)
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if finished {
			t.Fatalf("kill %d: backfill finished before the kill; the test no longer interrupts it", i)
		}
	}

	code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "--quiet")
	if code != exitOK {
		t.Fatalf("final backfill exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "resumed an interrupted backfill") {
		t.Errorf("the last backfill did not resume the interrupted one: %q", out)
	}
	export := filepath.Join(dir, "export.jsonl.gz")
	if code, _, errOut := cli(t, "export", "--config", cfg, "--archive", db, "-o", export); code != exitOK {
		t.Fatalf("export exit %d: %s", code, errOut)
	}
	checkAgainstTruth(t, readExport(t, export), srv.Truth())

	a, err := archive.Open(db, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	problems, err := a.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("verify: %s", p)
	}
}

// countPages sends the running count of "page done" log lines.
func countPages(r io.Reader, out chan<- int) {
	defer close(out)
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		if strings.Contains(sc.Text(), "page done") {
			n++
			select {
			case out <- n:
			default:
			}
		}
	}
}

// TestBackfillStopsCleanlyOnSIGTERM stops a real backfill with SIGTERM and
// checks it says how to resume, leaves a sound archive, and resumes.
func TestBackfillStopsCleanlyOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("signals a real subprocess")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 22, Articles: 200})
	defer srv.Close()
	cfg := writeSiteConfigDelay(t, srv, "5ms")
	db := filepath.Join(t.TempDir(), "archive.db")

	cmd := crawlerCmd(t, "backfill", "--config", cfg, "--archive", db, "-v")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pages := make(chan int, 1024)
	var tail strings.Builder
	go countPages(io.TeeReader(stderr, &tail), pages)
	for n := range pages {
		if n >= 30 {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	for range pages { // drain until the process closes stderr
	}
	err = cmd.Wait()
	if cmd.ProcessState.ExitCode() != exitError {
		t.Errorf("exit %d after SIGTERM, want %d (%v)", cmd.ProcessState.ExitCode(), exitError, err)
	}
	if !strings.Contains(tail.String(), "run crawler backfill again to resume") {
		t.Errorf("no resume hint after SIGTERM:\n%s", lastLines(tail.String(), 5))
	}
	if !strings.Contains(stdout.String(), "backfill:") {
		t.Errorf("no run summary after SIGTERM: %q", stdout.String())
	}
	code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "--quiet")
	if code != exitOK || !strings.Contains(out, "resumed an interrupted backfill") {
		t.Errorf("rerun exit %d, did not resume: %s %s", code, out, errOut)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestSecondCrawlerIsTurnedAway runs two crawler processes on one archive:
// the second exits at once with the lock status and a message naming the
// archive; the first finishes.
func TestSecondCrawlerIsTurnedAway(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real subprocesses")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 23, Articles: 60, Columns: 5})
	defer srv.Close()
	cfg := writeSiteConfigDelay(t, srv, "5ms")
	db := filepath.Join(t.TempDir(), "archive.db")

	first := crawlerCmd(t, "backfill", "--config", cfg, "--archive", db, "-v")
	stderr, err := first.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	pages := make(chan int, 1024)
	go countPages(stderr, pages)
	<-pages // the first crawler holds the archive once it has fetched a page

	second := crawlerCmd(t, "crawl", "--config", cfg, "--archive", db)
	out, _ := second.CombinedOutput()
	if code := second.ProcessState.ExitCode(); code != exitLocked {
		t.Errorf("second crawler exit %d, want %d: %s", code, exitLocked, out)
	}
	if !strings.Contains(string(out), db) || !strings.Contains(string(out), "locked") {
		t.Errorf("second crawler's message does not name the locked archive: %s", out)
	}
	for range pages {
	}
	if err := first.Wait(); err != nil {
		t.Errorf("first crawler: %v", err)
	}
}

// TestKilledExportBackupReextractLoseNothing kills export -o, backup and
// reextract at several moments: the previous export file stays whole or
// is replaced whole, a backup is absent or complete, and the archive stays
// sound with no version churn.
func TestKilledExportBackupReextractLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real subprocesses")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 24, Articles: 300})
	defer srv.Close()
	cfg := writeSiteConfig(t, srv)
	dir := t.TempDir()
	db := filepath.Join(dir, "archive.db")
	if code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "-q"); code != exitOK {
		t.Fatalf("backfill exit %d: %s %s", code, out, errOut)
	}
	reference := filepath.Join(dir, "reference.jsonl")
	if code, _, errOut := cli(t, "export", "--config", cfg, "--archive", db, "-o", reference); code != exitOK {
		t.Fatalf("export exit %d: %s", code, errOut)
	}
	want, _ := os.ReadFile(reference)

	delays := []time.Duration{0, 2 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond, 80 * time.Millisecond, 200 * time.Millisecond}
	killAfter := func(d time.Duration, args ...string) {
		t.Helper()
		cmd := crawlerCmd(t, append(args, "--config", cfg, "--archive", db, "-q")...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(d)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}

	out := filepath.Join(dir, "out.jsonl")
	old := []byte("the previous export\n")
	for _, d := range delays {
		os.WriteFile(out, old, 0o600)
		killAfter(d, "export", "-o", out)
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("export killed after %v: the previous file is gone: %v", d, err)
		}
		if !bytes.Equal(got, old) && !bytes.Equal(got, want) {
			t.Errorf("export killed after %v left a partial file (%d bytes)", d, len(got))
		}
	}

	for i, d := range delays {
		copyPath := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		killAfter(d, "backup", copyPath)
		if _, err := os.Stat(copyPath); err != nil {
			continue // killed before the rename: no backup, nothing half-made
		}
		b, err := archive.Open(copyPath, archive.Options{ReadOnly: true})
		if err != nil {
			t.Errorf("backup killed after %v: the copy does not open: %v", d, err)
			continue
		}
		if problems, err := b.Verify(context.Background()); err != nil || len(problems) > 0 {
			t.Errorf("backup killed after %v: verify: %v %v", d, err, problems)
		}
		if st, _ := b.Stats(); st.Articles != 300 {
			t.Errorf("backup killed after %v holds %d articles", d, st.Articles)
		}
		b.Close()
	}

	for _, d := range delays {
		killAfter(d, "reextract")
	}
	if code, out, errOut := cli(t, "reextract", "--config", cfg, "--archive", db, "-q"); code != exitOK {
		t.Fatalf("reextract exit %d: %s %s", code, out, errOut)
	}
	final := filepath.Join(dir, "final.jsonl")
	if code, _, errOut := cli(t, "export", "--config", cfg, "--archive", db, "-o", final); code != exitOK {
		t.Fatalf("export exit %d: %s", code, errOut)
	}
	if got, _ := os.ReadFile(final); !bytes.Equal(got, want) {
		t.Error("killed re-extractions with an unchanged extractor changed the archive")
	}
	a, err := archive.Open(db, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if problems, err := a.Verify(context.Background()); err != nil || len(problems) > 0 {
		t.Errorf("verify after killed re-extractions: %v %v", err, problems)
	}
}

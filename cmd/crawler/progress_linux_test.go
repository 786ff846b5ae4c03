package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Skipf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Skipf("pty number: %v", err)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Skipf("open pty: %v", err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	return master, slave
}

// TestProgressOnlyOnTerminal runs backfill and export with stderr on a
// terminal, then on a pipe as under cron: the bar is drawn only on the
// terminal, and only without --quiet; stdout is the same either way
// (with JSON logs the run summary is a record on stderr instead).
func TestProgressOnlyOnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("needs backfills")
	}
	_, cfg, filled := backfilled(t, 35, 12)
	archived, err := os.ReadFile(filled)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		terminal bool
		args     []string
		bar      bool
	}{
		{"backfill on a terminal", true, []string{"backfill"}, true},
		{"backfill on a terminal, quiet", true, []string{"backfill", "-q"}, false},
		{"backfill on a terminal, json logs", true, []string{"backfill", "--log-format", "json"}, false},
		{"backfill under cron", false, []string{"backfill"}, false},
		{"export to a file on a terminal", true, []string{"export", "-o", "OUT"}, true},
		{"export under cron", false, []string{"export", "-o", "OUT"}, false},
		{"reextract on a terminal", true, []string{"reextract"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := dir + "/archive.db"
			args := append([]string{}, tt.args...)
			for i, a := range args {
				if a == "OUT" {
					args[i] = dir + "/out.jsonl"
				}
			}
			if tt.args[0] != "backfill" {
				if err := os.WriteFile(db, archived, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			args = append(args, "--config", cfg, "--archive", db)
			var stdout bytes.Buffer
			var stderr string
			var code int
			if tt.terminal {
				master, slave := openPTY(t)
				got := make(chan string)
				go func() {
					b, _ := io.ReadAll(master) // ends with EIO once the slave is closed
					got <- string(b)
				}()
				code = run(context.Background(), args, &stdout, slave)
				slave.Close()
				stderr = <-got
			} else {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				got := make(chan string)
				go func() { b, _ := io.ReadAll(r); got <- string(b) }()
				code = run(context.Background(), args, &stdout, w)
				w.Close()
				stderr = <-got
			}
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			drawn := strings.Contains(stderr, clearLine) && strings.Contains(stderr, "|")
			if drawn != tt.bar {
				t.Errorf("progress bar drawn: %v, want %v; stderr:\n%q", drawn, tt.bar, stderr)
			}
			switch {
			case tt.args[0] != "backfill":
			case slices.Contains(tt.args, "json"):
				// The summary is a log record; stdout has no data to carry.
				if stdout.Len() != 0 || !strings.Contains(stderr, `"msg":"run summary"`) {
					t.Errorf("with JSON logs the summary is not a record on stderr: stdout %q", stdout.String())
				}
			case strings.Count(stdout.String(), "\n") != 1:
				t.Errorf("stdout is not the one-line run summary: %q", stdout.String())
			}
		})
	}
}

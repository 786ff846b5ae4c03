package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// runProcess runs cmd and returns its exit status, stdout and stderr.
func runProcess(t *testing.T, cmd *exec.Cmd) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatal(err)
	return 0, "", ""
}

// TestExportToFIFOWritesThrough exports into a named pipe: the pipe must
// stay a pipe and its reader get every line, where a rename would have
// put a regular file in its place.
func TestExportToFIFOWritesThrough(t *testing.T) {
	_, cfg, db := backfilled(t, 3, 30)
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	lines := make(chan int, 1)
	go func() {
		f, err := os.Open(fifo) // blocks until the export opens it
		if err != nil {
			lines <- -1
			return
		}
		defer f.Close()
		n := 0
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			n++
		}
		lines <- n
	}()
	code, _, stderr := runProcess(t, crawlerCmd(t, "export", "--config", cfg, "--archive", db, "-o", fifo))
	if code != exitOK {
		t.Fatalf("export -o FIFO: exit %d\n%s", code, stderr)
	}
	if n := <-lines; n != 30 {
		t.Errorf("the pipe's reader got %d lines, want 30", n)
	}
	fi, err := os.Lstat(fifo)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("after export %s is %v, want it still a named pipe", fifo, fi.Mode())
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(fifo), ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

// TestExportThroughSymlinkKeepsTheLink replaces a symbolic link's target,
// atomically, and leaves the link a link; a dangling link gets its target
// created.
func TestExportThroughSymlinkKeepsTheLink(t *testing.T) {
	_, cfg, db := backfilled(t, 3, 20)
	dir := t.TempDir()
	for _, existing := range []bool{true, false} {
		target := filepath.Join(dir, "real.jsonl")
		os.Remove(target)
		if existing {
			if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		link := filepath.Join(dir, "latest.jsonl")
		os.Remove(link)
		if err := os.Symlink("real.jsonl", link); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runProcess(t, crawlerCmd(t, "export", "--config", cfg, "--archive", db, "-o", link))
		if code != exitOK {
			t.Fatalf("export through a link: exit %d\n%s", code, stderr)
		}
		fi, err := os.Lstat(link)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("existing target %v: %s is no longer a symbolic link (%v, %v)", existing, link, fi.Mode(), err)
		}
		b, err := os.ReadFile(target)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), "\n"); n != 20 || strings.HasPrefix(string(b), "old") {
			t.Errorf("existing target %v: the link's target holds %d lines (%.20q), want the 20 exported", existing, n, b)
		}
	}
}

// TestExportRefusesADirectoryFirst refuses -o DIR before reading the
// archive (a damaged archive would otherwise be reported first).
func TestExportRefusesADirectoryFirst(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "not-an-archive.db")
	if err := os.WriteFile(db, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"export", "--archive", db, "-o", dir},
		{"export", "--archive", db, "--format", "warc", "-o", dir},
		{"export", "--archive", db, "-o", filepath.Join(dir, "missing", "out.jsonl")},
	} {
		code, _, stderr := runProcess(t, crawlerCmd(t, args...))
		if code != exitUsage || strings.Contains(stderr, "not a crawler archive") {
			t.Errorf("%v: exit %d, %q; want a usage error about the output", args, code, stderr)
		}
	}
}

func TestResolveOutput(t *testing.T) {
	dir := t.TempDir()
	if out, err := resolveOutput(os.DevNull); err != nil || !out.direct {
		t.Errorf("%s: %+v, %v; want written in place", os.DevNull, out, err)
	}
	if _, err := os.Stat("/dev/stdout"); err == nil {
		if out, err := resolveOutput("/dev/stdout"); err != nil || !out.direct {
			t.Errorf("/dev/stdout: %+v, %v; want written in place", out, err)
		}
	}
	file := filepath.Join(dir, "a.jsonl")
	if out, err := resolveOutput(file); err != nil || out.direct || out.path != file {
		t.Errorf("new file: %+v, %v", out, err)
	}
	loop := filepath.Join(dir, "loop")
	os.Symlink("loop", loop)
	if _, err := resolveOutput(loop); err == nil {
		t.Error("a link to itself was accepted")
	}
}

// TestExportFormatFollowsTheName writes WARC for a .warc.gz name and
// refuses a --format the name contradicts.
func TestExportFormatFollowsTheName(t *testing.T) {
	_, cfg, db := backfilled(t, 3, 10)
	dir := t.TempDir()
	warcPath := filepath.Join(dir, "x.warc.gz")
	if code, _, stderr := cli(t, "export", "--config", cfg, "--archive", db, "-o", warcPath); code != exitOK {
		t.Fatalf("export -o x.warc.gz: exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(warcPath)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzipReader(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(zr, []byte("WARC/1.1")) {
		t.Errorf("export -o x.warc.gz wrote %.30q, want a WARC file", zr)
	}
	for _, args := range [][]string{
		{"--format", "warc", "-o", filepath.Join(dir, "out.jsonl")},
		{"--format", "jsonl", "-o", filepath.Join(dir, "out.warc.gz")},
		{"--since", "2024-02-01", "--until", "2024-01-01"},
	} {
		code, _, stderr := cli(t, append([]string{"export", "--config", cfg, "--archive", db}, args...)...)
		if code != exitUsage {
			t.Errorf("export %v: exit %d (%s), want %d", args, code, stderr, exitUsage)
		}
	}
}

func gzipReader(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// TestDamagedArchiveIsReportedNotPanicked truncates an archive the way a
// full disk does: verify reports it with exit status 1, every other
// command says to run verify, and export leaves no file behind.
func TestDamagedArchiveIsReportedNotPanicked(t *testing.T) {
	_, cfg, db := backfilled(t, 3, 40)
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.db")
	if err := os.WriteFile(bad, b[:len(b)/3], 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runProcess(t, crawlerCmd(t, "verify", "--config", cfg, "--archive", bad))
	if code != exitError || strings.Contains(stderr, "panic") || !strings.Contains(stdout, "truncated") {
		t.Errorf("verify of a truncated archive: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	out := filepath.Join(dir, "out.jsonl")
	for _, args := range [][]string{
		{"stats"}, {"runs"}, {"export", "-o", out}, {"export", "--format", "warc", "-o", out + ".warc.gz"}, {"backup", filepath.Join(dir, "copy.db")},
	} {
		code, _, stderr := runProcess(t, crawlerCmd(t, append(args, "--config", cfg, "--archive", bad)...))
		if code != exitError || strings.Contains(stderr, "panic") || !strings.Contains(stderr, "crawler verify") {
			t.Errorf("%v on a truncated archive: exit %d\n%s", args, code, stderr)
		}
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 {
		var names []string
		for _, e := range left {
			names = append(names, e.Name())
		}
		t.Errorf("files left beside the damaged archive: %v", names)
	}
}

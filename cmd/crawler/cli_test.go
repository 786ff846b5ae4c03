package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/simsite"
)

func TestBadConfigExitsWithUsageStatus(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, []byte("crawl:\n  delay: soon\n"), 0o600)
	code, _, errOut := cli(t, "backfill", "--config", path)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, path+":2: crawl.delay:") {
		t.Errorf("want one line naming file, line and key; got %q", errOut)
	}
}

func TestMissingConfigSaysWhatToDo(t *testing.T) {
	code, _, errOut := cli(t, "stats", "--config", filepath.Join(t.TempDir(), "nope.yaml"))
	if code != exitUsage || !strings.Contains(errOut, "--config") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"export", "--sinse", "2024-01-01"},
		{"stats", "extra-arg"},
		{"extract"},
		{"backfill", "-v", "-q", "--config", "../../config.yaml"},
		{"backfill", "--log-format", "xml", "--config", "../../config.yaml"},
	} {
		if code, _, errOut := cli(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errOut)
		}
	}
}

func TestLockedArchiveExitStatus(t *testing.T) {
	db := filepath.Join(t.TempDir(), "archive.db")
	a, err := archive.Open(db, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("archive:\n  lock_timeout: 100ms\n"), 0o600)
	code, _, errOut := cli(t, "backfill", "--config", cfg, "--archive", db)
	if code != exitLocked {
		t.Errorf("exit %d, want %d; stderr %q", code, exitLocked, errOut)
	}
	if !strings.Contains(errOut, "locked") {
		t.Errorf("stderr does not say the archive is locked: %q", errOut)
	}
}

func TestWriteFileAtomicKeepsOldFileOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.jsonl")
	os.WriteFile(path, []byte("previous export\n"), 0o600)
	_, err := writeFileAtomic(path, false, 0o600, func(w io.Writer) (int, error) {
		w.Write([]byte("partial line"))
		return 1, errors.New("disk on fire")
	})
	if err == nil {
		t.Fatal("error swallowed")
	}
	got, _ := os.ReadFile(path)
	if string(got) != "previous export\n" {
		t.Errorf("old file changed to %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestExportFiltersAndStdout(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a backfill")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 11, Articles: 60, Columns: 5})
	defer srv.Close()
	cfg := writeSiteConfig(t, srv)
	db := filepath.Join(t.TempDir(), "archive.db")
	if code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "-q"); code != exitOK {
		t.Fatalf("backfill exit %d: %s %s", code, out, errOut)
	}
	truth := srv.Truth()
	since := truth[len(truth)/2].Published
	want := 0
	for _, a := range truth {
		if !a.Published.Before(since) {
			want++
		}
	}
	code, out, errOut := cli(t, "export", "--config", cfg, "--archive", db, "--since", since.Format(time.RFC3339))
	if code != exitOK {
		t.Fatalf("export exit %d: %s", code, errOut)
	}
	n := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r exportedRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Published == nil || *r.Published < since.Format(time.RFC3339) {
			t.Errorf("record published %v before --since %v", deref(r.Published), since)
		}
		n++
	}
	if n != want {
		t.Errorf("--since exported %d records, want %d", n, want)
	}
	if code, _, _ := cli(t, "export", "--config", cfg, "--archive", db, "--until", "yesterday"); code != exitUsage {
		t.Errorf("bad --until: exit %d, want %d", code, exitUsage)
	}
}

func TestExtractCommand(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 2, Articles: 30, Columns: 5})
	defer srv.Close()
	art := srv.Truth()[0]
	// Save the article page, as someone tuning the config would.
	resp, err := http.Get(art.URLs[0])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "page.html")
	os.WriteFile(file, body, 0o600)

	code, out, errOut := cli(t, "extract", "--config", "../../config.yaml", "--url", art.URLs[0], "--explain", file)
	if code != exitOK {
		t.Fatalf("extract exit %d: %s", code, errOut)
	}
	var rec extractRecord
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if rec.Input != file || rec.Title != art.Title {
		t.Errorf("extract gave input %q title %q; want %q %q", rec.Input, rec.Title, file, art.Title)
	}
	if len(rec.Explain) == 0 || rec.Explain["title"] == "" {
		t.Errorf("--explain gave no explanation: %v", rec.Explain)
	}
	if code, _, _ := cli(t, "extract", "--config", "../../config.yaml", filepath.Join(dir, "missing.html")); code != exitUsage {
		t.Errorf("missing file: exit %d, want %d", code, exitUsage)
	}
}

func TestDemoRunsOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("demo backfills a simulated site")
	}
	db := filepath.Join(t.TempDir(), "demo.db")
	addr := closedPort(t) // free now; the demo listens on it twice
	for run := 1; run <= 2; run++ {
		code, out, errOut := cli(t, "demo", "--articles", "40", "-q", "--archive", db, "--addr", addr)
		if code != exitOK {
			t.Fatalf("demo run %d: exit %d\n%s\n%s", run, code, out, errOut)
		}
		for _, want := range []string{"articles:    40", `"title":`, `"published": "20`, "export --archive " + db} {
			if !strings.Contains(out, want) {
				t.Errorf("demo run %d output lacks %q:\n%s", run, want, out)
			}
		}
		if !regexp.MustCompile(`archive: +\S+ \([0-9.]+ [KMG]?i?B\)`).MatchString(out) {
			t.Errorf("demo run %d: stats do not give the archive's size:\n%s", run, out)
		}
		// The site keeps its URLs, so the second run finds the same
		// articles unchanged instead of storing aliases.
		if run == 2 && !strings.Contains(out, "(0 new, 0 new versions, 0 aliases, ") {
			t.Errorf("second demo into the same archive:\n%s", out)
		}
	}
	// The archive the demo names is kept, and the suggested export works.
	code, out, errOut := cli(t, "export", "--config", "../../config.yaml", "--archive", db)
	if code != exitOK || strings.Count(out, "\n") != 40 {
		t.Errorf("export of the demo's archive: exit %d, %d lines\n%s", code, strings.Count(out, "\n"), errOut)
	}
	if code, _, _ := cli(t, "demo", "--show", "-1", "--archive", db, "--addr", addr); code != exitUsage {
		t.Errorf("demo --show -1: exit %d, want %d", code, exitUsage)
	}
}

func TestUnusableArchivePathIsAConfigError(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	os.WriteFile(file, []byte("x"), 0o600)
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("archive:\n  path: "+file+"/archive.db\n"), 0o600)
	for _, args := range [][]string{
		{"backfill", "--config", cfg},
		{"stats", "--config", cfg},
	} {
		code, _, errOut := cli(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
		if !strings.Contains(errOut, cfg+":2: archive.path:") || !strings.Contains(errOut, "not a directory") {
			t.Errorf("%v: message does not name file, line and key: %q", args, errOut)
		}
	}
	code, _, errOut := cli(t, "stats", "--config", "../../config.yaml", "--archive", file+"/x.db")
	if code != exitUsage || !strings.Contains(errOut, "--archive") {
		t.Errorf("--archive under a file: exit %d, %q", code, errOut)
	}
	if b, _ := os.ReadFile(file); string(b) != "x" {
		t.Error("the file in the way was modified")
	}
}

func TestWrittenFilesAreOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "export.jsonl")
	if _, err := writeFileAtomic(path, false, 0o600, func(w io.Writer) (int, error) {
		_, err := w.Write([]byte("{}\n"))
		return 1, err
	}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("export written with mode %v, want 0600: archives hold what the crawler saw", fi.Mode().Perm())
	}
}

func TestConfiguredFileMode(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "archive.db")
	a, err := createArchive(ArchiveConfig{Path: db, FileMode: 0o640})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("archive:\n  path: "+db+"\n  file_mode: \"0640\"\n"), 0o600)
	out := filepath.Join(dir, "export.jsonl")
	if code, _, errOut := cli(t, "export", "--config", cfg, "-o", out); code != exitOK {
		t.Fatalf("export exit %d: %s", code, errOut)
	}
	for _, p := range []string{db, out} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("%s has mode %v, want 0640 from archive.file_mode", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

// TestProfileFlags checks that --cpuprofile and --memprofile write pprof
// files (gzipped protocol buffers) and that an unwritable path is a usage
// error.
func TestProfileFlags(t *testing.T) {
	dir := t.TempDir()
	db := emptyArchive(t, dir)
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	if code, _, errOut := cli(t, "export", "--archive", db, "--config", "/dev/null", "--cpuprofile", cpu, "--memprofile", mem); code != exitOK {
		t.Fatalf("export with profiles: exit %d: %s", code, errOut)
	}
	for _, p := range []string{cpu, mem} {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: %d bytes, %v; want a gzipped profile", filepath.Base(p), len(b), err)
		}
	}
	if code, _, errOut := cli(t, "export", "--archive", db, "--config", "/dev/null", "--cpuprofile", filepath.Join(dir, "no", "cpu.pprof")); code != exitUsage || !strings.Contains(errOut, "--cpuprofile") {
		t.Errorf("unwritable --cpuprofile: exit %d, %q; want a usage error naming the flag", code, errOut)
	}
}

// TestExportRestoresGCPercent checks that the collector target export sets
// lasts only as long as the export, for callers that run more than one
// command in a process, as these tests do.
func TestExportRestoresGCPercent(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set: export leaves the collector alone")
	}
	dir := t.TempDir()
	db := emptyArchive(t, dir)
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	if code, _, errOut := cli(t, "export", "--archive", db, "--config", "/dev/null"); code != exitOK {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("after export the GC percent is %d, want it restored to 100", got)
	}
}

// emptyArchive creates an archive with no records in dir and returns its
// path.
func emptyArchive(t *testing.T, dir string) string {
	t.Helper()
	db := filepath.Join(dir, "archive.db")
	a, err := createArchive(ArchiveConfig{Path: db})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	return db
}

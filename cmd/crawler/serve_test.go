package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gowarc "github.com/nlnwa/gowarc/v3"

	"github.com/hnredstar/crawler/archive"
)

// smallArchive writes an archive of two articles, one with an alias, and
// returns its path.
func smallArchive(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := archive.Open(path, archive.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	at := time.Date(2024, 1, 29, 15, 20, 0, 0, beijing)
	for _, art := range []archive.Article{
		{URL: "https://www.hnredstar.gov.cn/c/2024/01/29/1.html", Title: "娄底市：外派竞学", Body: "乡村振兴", Column: "干部工作", Published: at},
		{URL: "https://www.hnredstar.gov.cn/col/ganbu/t20240129_1.html", Title: "娄底市：外派竞学", Body: "乡村振兴", Column: "干部工作", Published: at},
		{URL: "https://www.hnredstar.gov.cn/c/2024/02/01/2.html", Title: "株洲市：人才兴村", Body: "人才先行", Column: "基层党建", Published: at.AddDate(0, 0, 3)},
	} {
		art.FetchedAt = at
		art.Pages = []archive.RawPage{{URL: art.URL, Status: 200, Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, Body: []byte("<h1>" + art.Title + "</h1>"), FetchedAt: at}}
		if _, err := a.Put(context.Background(), art); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// serveRun is a crawler serve running in this process.
type serveRun struct {
	lines  chan string // its standard output, line by line
	code   chan int    // its exit status, once it ends
	stderr *syncBuffer
	cancel context.CancelFunc
}

// startServe runs crawler serve with args; the test's end interrupts it.
func startServe(t *testing.T, args ...string) *serveRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &serveRun{lines: make(chan string, 16), code: make(chan int, 1), stderr: &syncBuffer{}, cancel: cancel}
	pr, pw := io.Pipe()
	go func() {
		r.code <- run(ctx, append([]string{"serve"}, args...), pw, r.stderr)
		pw.Close()
	}()
	go func() {
		defer close(r.lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-r.code
	})
	return r
}

// line returns the next line serve prints, failing the test if it ends
// first.
func (r *serveRun) line(t *testing.T) string {
	t.Helper()
	l, ok := <-r.lines
	if !ok {
		t.Fatalf("serve printed nothing more; stderr %s", r.stderr.String())
	}
	return l
}

func TestServeCommand(t *testing.T) {
	db := smallArchive(t)
	r := startServe(t, "--config", "../../config.yaml", "--archive", db, "--addr", "127.0.0.1:0", "-q")
	first := r.line(t)
	if !regexp.MustCompile(`^listening at http://127\.0\.0\.1:\d+/; loading `).MatchString(first) {
		t.Fatalf("unexpected first line %q", first)
	}
	line := r.line(t)
	m := regexp.MustCompile(`serving 2 articles of .* at (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("unexpected second line %q", line)
	}
	resp, err := http.Get(m[1] + "api/articles?q=" + "外派")
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Total int `json:"total"`
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil || list.Total != 1 {
		t.Errorf("API: total %d, %v", list.Total, err)
	}
	// Bound to 127.0.0.1, it answers only to local names.
	req, _ := http.NewRequest("GET", m[1], nil)
	req.Host = "attacker.example"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host header: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// While serve runs, a crawler can open the archive for writing.
	a, err := archive.Open(db, archive.Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Errorf("serve holds the archive: %v", err)
	} else {
		a.Close()
	}
	r.cancel()
	if c := <-r.code; c != exitOK {
		t.Errorf("exit %d after interrupt; stderr %s", c, r.stderr.String())
	}
	r.code <- exitOK // for the cleanup
}

// lockedArchive returns an archive that this test holds open for writing,
// as a crawler would, until release is called, and a configuration whose
// lock timeout is a minute.
func lockedArchive(t *testing.T) (db, cfg string, release func()) {
	t.Helper()
	db = smallArchive(t)
	a, err := archive.Open(db, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { a.Close() }) }
	t.Cleanup(release)
	cfg = filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("archive:\n  lock_timeout: 1m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return db, cfg, release
}

// TestServeListensBeforeLoading checks that serve answers while it loads:
// a 503 page saying so, instead of a refused connection, then the list.
func TestServeListensBeforeLoading(t *testing.T) {
	db, cfg, release := lockedArchive(t) // loading waits for the "crawler"
	r := startServe(t, "--config", cfg, "--archive", db, "--addr", "127.0.0.1:0", "-q")
	m := regexp.MustCompile(`^listening at (http://127\.0\.0\.1:\d+/); loading .*archive\.db`).FindStringSubmatch(r.line(t))
	if m == nil {
		t.Fatal("serve does not say where it listens before loading")
	}
	resp, err := http.Get(m[1])
	if err != nil {
		t.Fatalf("while loading: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "正在载入存档") {
		t.Errorf("while loading: %d %s", resp.StatusCode, b)
	}
	release()
	if line := r.line(t); !strings.HasPrefix(line, "serving 2 articles") {
		t.Fatalf("after loading: %q", line)
	}
	resp, err = http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "共 2 篇文章") {
		t.Errorf("after loading: %d %s", resp.StatusCode, b)
	}
}

// TestServeBusyPort checks, in a real process, that a port in use stops
// serve at once with exit status 1 and an error naming the address,
// before any loading: the archive is held by a "crawler" for longer than
// the test waits, so a serve that loaded first could not end in time.
func TestServeBusyPort(t *testing.T) {
	db, cfg, _ := lockedArchive(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	cmd := crawlerCmd(t, "serve", "--config", cfg, "--archive", db, "--addr", addr)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second): // generous; loading would wait a minute
		cmd.Process.Kill()
		<-done
		t.Fatalf("serve did not stop on a busy port; stderr %s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitError {
		t.Errorf("exit status %d, want %d", code, exitError)
	}
	for _, w := range []string{"cannot listen on " + addr, "already in use", "--addr"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("stderr lacks %q: %s", w, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "loading the archive") || stdout.Len() != 0 {
		t.Errorf("serve started loading: stdout %q stderr %q", stdout.String(), stderr.String())
	}
}

// TestServeAnnounce checks that serve on all interfaces announces an
// address one can open, not http://[::]:PORT/.
func TestServeAnnounce(t *testing.T) {
	db := smallArchive(t)
	r := startServe(t, "--config", "../../config.yaml", "--archive", db, "--addr", "0.0.0.0:0", "-q")
	first := r.line(t)
	m := regexp.MustCompile(`^listening on all interfaces, port (\d+): open (http://127\.0\.0\.1:(\d+)/) on this machine`).FindStringSubmatch(first)
	if m == nil || m[1] != m[3] || strings.Contains(first, "[::]") || strings.Contains(first, "0.0.0.0") {
		t.Fatalf("first line %q", first)
	}
	if line := r.line(t); !strings.Contains(line, m[2]) || strings.Contains(line, "[::]") {
		t.Errorf("second line %q", line)
	}
	resp, err := http.Get(m[2] + "api/articles")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET %s: %d", m[2], resp.StatusCode)
	}
}

func TestServeErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"serve", "--addr", "8080"}, exitUsage, "expected HOST:PORT"},
		{[]string{"serve", "--archive", filepath.Join(t.TempDir(), "none.db"), "--addr", "127.0.0.1:0"}, exitError, "does not exist yet"},
	} {
		code, _, errOut := cli(t, append(c.args, "--config", "../../config.yaml")...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut, c.code, c.msg)
		}
	}
	db := smallArchive(t)
	a, err := archive.Open(db, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("archive:\n  lock_timeout: 100ms\n"), 0o600)
	if code, _, errOut := cli(t, "serve", "--config", cfg, "--archive", db, "--addr", "127.0.0.1:0"); code != exitLocked {
		t.Errorf("archive held by a crawler: exit %d, want %d; %s", code, exitLocked, errOut)
	}
}

func TestExportWARC(t *testing.T) {
	db := smallArchive(t)
	out := filepath.Join(t.TempDir(), "site.warc.gz")
	code, _, errOut := cli(t, "export", "--config", "../../config.yaml", "--archive", db, "--format", "warc", "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "exported 2 articles") || !strings.Contains(errOut, "1 revisits") {
		t.Errorf("summary: %q", errOut)
	}
	r, err := gowarc.NewWarcFileReader(out, 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	types := map[string]int{}
	for rec, err := range r.Records() {
		if err != nil {
			t.Fatal(err)
		}
		types[rec.WarcRecord.Type().String()]++
		if rec.WarcRecord.Type() == gowarc.Warcinfo && rec.WarcRecord.WarcHeader().Get(gowarc.WarcFilename) != "site.warc.gz" {
			t.Errorf("warcinfo names %q", rec.WarcRecord.WarcHeader().Get(gowarc.WarcFilename))
		}
		rec.Close()
	}
	want := map[string]int{"warcinfo": 1, "request": 2, "response": 2, "revisit": 1, "metadata": 2}
	for k, n := range want {
		if types[k] != n {
			t.Errorf("%d %s records, want %d (all: %v)", types[k], k, n, types)
		}
	}

	plain := filepath.Join(t.TempDir(), "site.warc")
	if code, _, errOut := cli(t, "export", "--config", "../../config.yaml", "--archive", db, "--format", "warc", "-o", plain, "--since", "2024-02-01"); code != exitOK {
		t.Fatalf("plain: exit %d: %s", code, errOut)
	}
	b, _ := os.ReadFile(plain)
	if !strings.HasPrefix(string(b), "WARC/1.1\r\n") || strings.Count(string(b), "WARC-Type: response") != 1 {
		t.Errorf("plain WARC with --since: %.200q", b)
	}

	for _, args := range [][]string{
		{"--format", "warc"},
		{"--format", "warc", "-o", "-"},
		{"--format", "xml", "-o", out},
		{"--format", "warc", "-o", out, "--fields", "id"},
	} {
		if code, _, errOut := cli(t, append([]string{"export", "--config", "../../config.yaml", "--archive", db}, args...)...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errOut)
		}
	}
}

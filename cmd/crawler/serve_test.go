package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

func TestServeCommand(t *testing.T) {
	db := smallArchive(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var stderr strings.Builder
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve", "--config", "../../config.yaml", "--archive", db, "--addr", "127.0.0.1:0", "-q"}, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no address printed: %v; stderr %s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	m := regexp.MustCompile(`serving 2 articles of .* at (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("unexpected first line %q", line)
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
	cancel()
	if c := <-code; c != exitOK {
		t.Errorf("exit %d after interrupt; stderr %s", c, stderr.String())
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

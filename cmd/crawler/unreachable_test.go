package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hnredstar/crawler/archive"
)

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestUnreachableSiteIsAnError crawls a site whose every start URL
// refuses the connection: the run is an error (exit 1, status error in
// the history, not the success monitoring counts), and the last line of
// stderr names the cause.
func TestUnreachableSiteIsAnError(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	yaml := fmt.Sprintf(`site:
  start_urls: ["http://%s/", "http://%s/news/"]
  allowed_domains: ["127.0.0.1"]
crawl:
  delay: 0s
  max_retries: 1
  allow_private_networks: true
`, closedPort(t), closedPort(t))
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "archive.db")
	for _, mode := range []string{"crawl", "backfill"} {
		code, _, stderr := runProcess(t, crawlerCmd(t, mode, "--config", cfg, "--archive", db))
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		last := lines[len(lines)-1]
		if code != exitError {
			t.Errorf("%s of an unreachable site: exit %d, want %d\n%s", mode, code, exitError, stderr)
		}
		if !strings.Contains(last, "connection refused") || strings.Contains(last, "some pages failed") {
			t.Errorf("%s: last line %q does not give the cause", mode, last)
		}
	}
	a, err := archive.Open(db, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	runs, err := a.Runs(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs recorded, want 2", len(runs))
	}
	for _, r := range runs {
		if r.Status != "error" || runSucceeded(r) || !strings.Contains(r.Error, "could be fetched") {
			t.Errorf("run recorded as %q (%q), want an error", r.Status, r.Error)
		}
	}
}

// TestEmptyExportSaysWhy exports an archive whose only crawl reached
// nothing: the export says the archive is empty and what its last run
// did, instead of a bare "exported 0 articles".
func TestEmptyExportSaysWhy(t *testing.T) {
	dir := t.TempDir()
	db := emptyArchive(t, dir)
	code, _, stderr := cli(t, "export", "--config", "../../config.yaml", "--archive", db, "-o", filepath.Join(dir, "out.jsonl"))
	if code != exitOK || !strings.Contains(stderr, "holds no articles") || !strings.Contains(stderr, "backfill") {
		t.Errorf("export of an empty archive: exit %d\n%s", code, stderr)
	}
	a, err := archive.Open(db, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.PutRun(archive.Run{Kind: "crawl", Status: "error", Error: "no start page could be fetched: no such host"}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	_, _, stderr = cli(t, "export", "--config", "../../config.yaml", "--archive", db)
	if !strings.Contains(stderr, "no such host") {
		t.Errorf("export of an archive whose last run failed does not say how:\n%s", stderr)
	}
}

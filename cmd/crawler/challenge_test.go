package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hnredstar/crawler/archive"
)

// TestChallengedSiteExitStatus crawls a site that answers every page with
// a 加速乐 challenge: the process exits 6, its last line names the
// system, the run is recorded as blocked, and no page is archived.
func TestChallengedSiteExitStatus(t *testing.T) {
	var hits atomic.Int32
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html")
		w.Header().Add("Set-Cookie", "__jsluid_h=0123; path=/")
		w.WriteHeader(521)
		fmt.Fprint(w, `<html><body><script>document.cookie="__jsl_clearance=1;path=/";location.reload()</script></body></html>`)
	}))
	defer site.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	yaml := fmt.Sprintf(`site:
  start_urls: ["%s/"]
  allowed_domains: ["127.0.0.1"]
crawl:
  delay: 0s
  max_retries: 2
  allow_private_networks: true
`, site.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "archive.db")
	code, _, stderr := runProcess(t, crawlerCmd(t, "backfill", "--config", cfg, "--archive", db))
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1]
	if code != exitBlocked {
		t.Errorf("exit %d, want %d\n%s", code, exitBlocked, stderr)
	}
	if !strings.Contains(last, "加速乐") || !strings.Contains(last, "crawl.browser") {
		t.Errorf("last line %q does not name the system and the way out", last)
	}
	if hits.Load() != 1 {
		t.Errorf("the challenge page was requested %d times; a challenge is not retried", hits.Load())
	}
	a, err := archive.Open(db, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	runs, err := a.Runs(1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	if r := runs[0]; r.Status != "blocked" || runExit(r.Status) != exitBlocked || !strings.Contains(r.Error, "加速乐") || r.Added != 0 {
		t.Errorf("run recorded as %+v", r)
	}
}

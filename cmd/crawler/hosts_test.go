package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hnredstar/crawler/crawl"
	"github.com/hnredstar/crawler/simsite"
)

func TestHelpExplainsTheSiteNames(t *testing.T) {
	code, out, _ := cli(t, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"www.hxw.gov.cn", "www.hnredstar.gov.cn", "site.hosts", "site.canonical", "img.hxw.gov.cn", "site.resource_hosts"} {
		if !strings.Contains(out, want) {
			t.Errorf("crawler --help does not mention %s", want)
		}
	}
}

func TestCrawlOptionsCarryTheSiteNames(t *testing.T) {
	cfg, err := loadConfigFile("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	co := crawlOptions(cfg, crawl.Backfill, nil, nil)
	if !slices.Equal(co.Hosts, cfg.Site.Hosts) || co.Canonical != "https://www.hxw.gov.cn" || !slices.Equal(co.ResourceHosts, []string{"img.hxw.gov.cn"}) {
		t.Errorf("crawl options: hosts %q, canonical %q, resource hosts %q", co.Hosts, co.Canonical, co.ResourceHosts)
	}
}

// A crawl whose site has two names, one of which refuses connections,
// goes on under the other and succeeds; when every name refuses, it
// fails naming the start page.
func TestCrawlWithOneNameDown(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 2, Articles: 30, Columns: 3, SlowDelay: -1})
	defer srv.Close()
	live := strings.TrimPrefix(srv.URL, "http://")
	dead := closedPort(t)
	dir := t.TempDir()
	write := func(starts string) string {
		cfg := filepath.Join(dir, "config.yaml")
		yaml := fmt.Sprintf(`site:
  start_urls: [%s]
  hosts: ["%s", "%s"]
  canonical: "http://%s"
  resource_hosts: []
  allowed_domains: []
crawl:
  delay: 0s
  max_retries: 2 # the site answers 503 now and then
  parallelism: 4
  allow_private_networks: true
`, starts, live, dead, live)
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := write(fmt.Sprintf(`"http://%s/", "http://%s/"`, dead, live))
	code, out, errOut := cli(t, "crawl", "--config", cfg, "--archive", filepath.Join(dir, "a.db"))
	if code != 0 || !strings.Contains(errOut, "trying the next") {
		t.Errorf("exit %d, want 0, with the dead name logged\n%s\n%s", code, out, errOut)
	}
	cfg = write(fmt.Sprintf(`"http://%s/"`, dead))
	code, _, errOut = cli(t, "crawl", "--config", cfg, "--archive", filepath.Join(dir, "b.db"))
	if code != exitError || !strings.Contains(errOut, "no start page could be fetched") {
		t.Errorf("every name down: exit %d, want %d\n%s", code, exitError, errOut)
	}
}

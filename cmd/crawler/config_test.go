package main

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestShippedConfigLoads(t *testing.T) {
	cfg, err := loadConfigFile("../../config.yaml")
	if err != nil {
		t.Fatalf("shipped config.yaml: %v", err)
	}
	if got := cfg.Site.StartURLs; !slices.Equal(got, []string{"https://www.hxw.gov.cn/", "https://www.hnredstar.gov.cn/"}) {
		t.Errorf("start_urls = %v", got)
	}
	if cfg.Site.Canonical != "https://www.hxw.gov.cn" || !slices.Equal(cfg.Site.ResourceHosts, []string{"img.hxw.gov.cn"}) ||
		!slices.Equal(cfg.Site.Hosts, []string{"www.hxw.gov.cn", "hxw.gov.cn", "www.hnredstar.gov.cn", "hnredstar.gov.cn"}) {
		t.Errorf("the site's names: %+v", cfg.Site)
	}
	// The shipped file shows the defaults.
	if def := defaultConfig(); !slices.Equal(cfg.Site.StartURLs, def.Site.StartURLs) {
		t.Errorf("config.yaml's start_urls %q differ from the defaults %q", cfg.Site.StartURLs, def.Site.StartURLs)
	}
	if cfg.Crawl.Delay.Std() != time.Second || cfg.Crawl.Parallelism != 2 || cfg.Crawl.AllowPrivateNetworks {
		t.Errorf("crawl defaults not polite: %+v", cfg.Crawl)
	}
	// A relative archive.path is relative to the file's directory.
	if want := filepath.Join("../..", "data/archive.db"); cfg.Archive.Path != want {
		t.Errorf("archive.path = %q, want %q", cfg.Archive.Path, want)
	}
}

func TestParseConfigOverridesDefaults(t *testing.T) {
	cfg, err := parseConfig(strings.NewReader("crawl:\n  delay: 250ms\n  parallelism: 8\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Crawl.Delay.Std() != 250*time.Millisecond || cfg.Crawl.Parallelism != 8 {
		t.Errorf("crawl = %+v", cfg.Crawl)
	}
	if cfg.Crawl.MaxRetries != 3 || len(cfg.Site.StartURLs) != 2 || len(cfg.Site.AllowedDomains) != 4 {
		t.Errorf("defaults lost: %+v", cfg)
	}
}

func TestParseConfigRejects(t *testing.T) {
	tests := []struct {
		name, yaml string
		line       int // -1: any line; 0: not checked
		key        string
		want       string
	}{
		{"unknown key", "crawl:\n  dealy: 1s\n", 2, "crawl.dealy", "unknown key"},
		{"unknown section", "sites:\n  start_urls: []\n", 1, "sites", "unknown key"},
		{"bad duration", "crawl:\n  delay: fast\n", 2, "crawl.delay", "not a duration"},
		{"duration without unit", "crawl:\n  timeout: 30\n", 2, "crawl.timeout", "not a duration"},
		{"wrong type", "crawl:\n  parallelism: two\n", 2, "crawl.parallelism", "whole number"},
		{"list expected", "site:\n  start_urls: https://www.hnredstar.gov.cn/\n", 2, "site.start_urls", "list"},
		{"bad yaml", "crawl:\n  delay: 1s\n parallelism: 2\n", -1, "", "invalid YAML"},
		{"tab indentation", "crawl:\n\tdelay: 1s\n", 2, "", "invalid YAML"},
		{"section not a mapping", "crawl: 5\n", 1, "crawl", "mapping"},
		{"duplicate key", "crawl:\n  delay: 1s\n  delay: 2s\n", 3, "crawl.delay", "duplicate"},
		{"empty start urls", "site:\n  start_urls: []\n", 2, "site.start_urls", "at least one"},
		{"relative start url", "site:\n  start_urls: [\"/index.html\"]\n", 2, "site.start_urls", "absolute"},
		{"start url outside domains", "site:\n  start_urls: [\"https://example.com/\"]\n", 2, "site.start_urls", "outside site.hosts and site.allowed_domains"},
		{"no hosts", "site:\n  hosts: []\n  allowed_domains: []\n", 2, "site.hosts", "at least one"},
		{"host with scheme", "site:\n  hosts: [\"https://www.hxw.gov.cn\"]\n", 2, "site.hosts", "not a host name"},
		{"host with bad port", "site:\n  hosts: [\"www.hxw.gov.cn:http\"]\n", 2, "site.hosts", "not a host name"},
		{"hosts without canonical", "site:\n  hosts: [www.hxw.gov.cn]\n", 0, "site.canonical", "required with site.hosts"},
		{"hosts without allowed domains", "site:\n  hosts: [www.hxw.gov.cn]\n  canonical: https://www.hxw.gov.cn\n", 2, "site.hosts", "set site.allowed_domains too"},
		{"canonical without scheme", "site:\n  hosts: [www.hxw.gov.cn]\n  canonical: www.hxw.gov.cn\n", 3, "site.canonical", "not an origin"},
		{"canonical with path", "site:\n  hosts: [www.hxw.gov.cn]\n  canonical: https://www.hxw.gov.cn/news/\n", 3, "site.canonical", "not an origin"},
		{"canonical not a name", "site:\n  hosts: [www.hxw.gov.cn]\n  canonical: https://www.hxw.cn\n", 3, "site.canonical", "not among site.hosts"},
		{"resource host crawled", "site:\n  resource_hosts: [hxw.gov.cn]\n", 2, "site.resource_hosts", "also crawled"},
		{"resource host with path", "site:\n  resource_hosts: [img.hxw.gov.cn/files]\n", 2, "site.resource_hosts", "not a host name"},
		{"domain with scheme", "site:\n  start_urls: [\"https://a.cn/\"]\n  allowed_domains: [\"https://a.cn\"]\n", 0, "site.", ""},
		{"negative delay", "crawl:\n  delay: -1s\n", 2, "crawl.delay", "negative"},
		{"zero parallelism", "crawl:\n  parallelism: 0\n", 2, "crawl.parallelism", "at least 1"},
		{"negative retries", "crawl:\n  max_retries: -2\n", 2, "crawl.max_retries", "negative"},
		{"tiny body limit", "crawl:\n  max_body_bytes: 10\n", 2, "crawl.max_body_bytes", "at least"},
		{"empty archive path", "archive:\n  path: \"\"\n", 2, "archive.path", "archive file"},
		{"bad pattern", "site:\n  article_url_patterns: [\"(\"]\n", 2, "site.article_url_patterns", "regular expression"},
		{"file mode not octal", "archive:\n  file_mode: rw-r--r--\n", 2, "archive.file_mode", "octal"},
		{"file mode locks the owner out", "archive:\n  file_mode: \"0444\"\n", 2, "archive.file_mode", "owner needs 6"},
		{"bool expected", "crawl:\n  allow_private_networks: maybe\n", 2, "crawl.allow_private_networks", "true or false"},
		{"missing ca file", "crawl:\n  ca_file: /nonexistent/roots.pem\n", 2, "crawl.ca_file", "/nonexistent/roots.pem"},
		{"unknown browser mode", "crawl:\n  browser: firefox\n", 2, "crawl.browser", "challenge"},
		{"zero challenge limit", "crawl:\n  challenge_limit: 0\n", 2, "crawl.challenge_limit", "at least 1"},
		{"unknown schedule key", "schedule:\n  crontab: \"* * * * *\"\n", 2, "schedule.crontab", "known keys under schedule: cron, jitter, metrics_addr"},
		{"bad cron", "schedule:\n  cron: \"every six hours\"\n", 2, "schedule.cron", "not a cron expression"},
		{"cron out of range", "schedule:\n  cron: \"61 * * * *\"\n", 2, "schedule.cron", "not a cron expression"},
		{"negative jitter", "schedule:\n  jitter: -5m\n", 2, "schedule.jitter", "negative"},
		{"jitter without unit", "schedule:\n  jitter: 300\n", 2, "schedule.jitter", "not a duration"},
		{"metrics address", "schedule:\n  metrics_addr: \"localhost:metrics\"\n", 2, "schedule.metrics_addr", "port"},
		{"metrics address garbage", "schedule:\n  metrics_addr: \"a:b:c\"\n", 2, "schedule.metrics_addr", "host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(strings.NewReader(tt.yaml), "test.yaml")
			if err == nil {
				t.Fatal("accepted")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not a *ConfigError", err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "test.yaml") {
				t.Errorf("message %q does not start with the file name", msg)
			}
			if tt.line < 0 && ce.Line <= 0 {
				t.Errorf("no line number in %q", msg)
			}
			if tt.line > 0 && ce.Line != tt.line {
				t.Errorf("line = %d, want %d (%s)", ce.Line, tt.line, msg)
			}
			if !strings.HasPrefix(ce.Key, tt.key) {
				t.Errorf("key = %q, want %q (%s)", ce.Key, tt.key, msg)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not say %q", msg, tt.want)
			}
			if strings.Count(msg, "\n") > 0 {
				t.Errorf("message is not one line: %q", msg)
			}
		})
	}
}

func TestEmptyConfigKeepsDefaults(t *testing.T) {
	cfg, err := parseConfig(strings.NewReader(""), "empty.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Archive.Path != "data/archive.db" {
		t.Errorf("archive.path = %q", cfg.Archive.Path)
	}
}

func TestScheduleConfig(t *testing.T) {
	tests := []struct {
		name, yaml string
		cron       string
		jitter     time.Duration
		metrics    string // listen address after metricsAddr
	}{
		{"defaults", "", "17 */6 * * *", 0, ""},
		{"seconds field", "schedule:\n  cron: \"*/2 * * * * *\"\n", "*/2 * * * * *", 0, ""},
		{"descriptor and jitter", "schedule:\n  cron: \"@every 6h\"\n  jitter: 10m\n", "@every 6h", 10 * time.Minute, ""},
		{"zone", "schedule:\n  cron: \"CRON_TZ=UTC 17 */6 * * *\"\n", "CRON_TZ=UTC 17 */6 * * *", 0, ""},
		{"bare port listens on loopback", "schedule:\n  metrics_addr: \"9464\"\n", "17 */6 * * *", 0, "127.0.0.1:9464"},
		{"colon port listens on loopback", "schedule:\n  metrics_addr: \":9464\"\n", "17 */6 * * *", 0, "127.0.0.1:9464"},
		{"explicit host kept", "schedule:\n  metrics_addr: \"0.0.0.0:9464\"\n", "17 */6 * * *", 0, "0.0.0.0:9464"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(strings.NewReader(tt.yaml), "c.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Schedule.Cron != tt.cron || cfg.Schedule.Jitter.Std() != tt.jitter {
				t.Errorf("schedule = %+v", cfg.Schedule)
			}
			if s, err := parseCron(cfg.Schedule.Cron); err != nil || s == nil {
				t.Errorf("parseCron(%q) = %v, %v", cfg.Schedule.Cron, s, err)
			}
			if got, err := metricsAddr(cfg.Schedule.MetricsAddr); err != nil || got != tt.metrics {
				t.Errorf("metricsAddr(%q) = %q, %v; want %q", cfg.Schedule.MetricsAddr, got, err, tt.metrics)
			}
		})
	}
}

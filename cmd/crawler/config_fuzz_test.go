package main

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzParseConfig checks that any input either loads as a valid
// configuration or is refused with a *ConfigError naming the file, and
// never panics.
func FuzzParseConfig(f *testing.F) {
	if shipped, err := os.ReadFile("../../config.yaml"); err == nil {
		f.Add(string(shipped))
	}
	for _, seed := range []string{
		"", "crawl:\n  delay: 1s\n", "crawl:\n  dealy: 1s\n", "site: [1, 2]\n", "a: &x {b: *x}\n",
		"crawl:\n  parallelism: 99999999999999999999\n", "archive:\n  path: \"\"\n", "\t\n", "site:\n  start_urls: [\"http://[::1]/\"]\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		cfg, err := parseConfig(strings.NewReader(input), "fuzz.yaml")
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %q is not a *ConfigError", err, err)
			}
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(cfg.Site.StartURLs) == 0 || cfg.Crawl.Parallelism < 1 || cfg.Archive.Path == "" {
			t.Fatalf("accepted an invalid configuration: %+v", cfg)
		}
	})
}

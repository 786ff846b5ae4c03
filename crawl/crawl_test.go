package crawl

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/simsite"
)

func openTestArchive(t *testing.T) *archive.Archive {
	t.Helper()
	a, err := archive.Open(filepath.Join(t.TempDir(), "archive.db"), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		problems, err := a.Verify(context.Background())
		if err != nil {
			t.Errorf("verify: %v", err)
		}
		for _, p := range problems {
			t.Errorf("verify: %s", p)
		}
		a.Close()
	})
	return a
}

func siteOptions(srv *simsite.Server) Options {
	return Options{
		StartURLs:            []string{srv.URL + "/"},
		AllowedDomains:       []string{"127.0.0.1"},
		UserAgent:            "crawler-test/1.0",
		Parallelism:          4,
		Timeout:              5 * time.Second,
		MaxRetries:           2,
		AllowPrivateNetworks: true,
	}
}

func TestRunArchivesEveryArticle(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 3, Articles: 120, Columns: 5})
	defer srv.Close()
	a := openTestArchive(t)
	res, err := Run(context.Background(), a, siteOptions(srv))
	if err != nil {
		t.Fatal(err)
	}
	truth := srv.Truth()
	dupURLs := 0
	for _, art := range truth {
		dupURLs += len(art.URLs) - 1
	}
	if res.Added != len(truth) {
		t.Errorf("added %d articles, the site has %d", res.Added, len(truth))
	}
	if res.Aliased != dupURLs {
		t.Errorf("aliased %d, the site publishes %d second copies", res.Aliased, dupURLs)
	}
	if len(res.Failures) > 0 {
		t.Errorf("failures: %+v", res.Failures)
	}
	if len(res.Challenges) != len(srv.ChallengeURLs()) {
		t.Error("the site's challenge pages were not reported")
	}
	for _, art := range truth {
		for _, u := range art.URLs {
			if ok, err := a.Has(u); err != nil || !ok {
				t.Errorf("article %d at %s not archived (%v)", art.ID, u, err)
			}
		}
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Errorf("requests a polite in-scope crawler never makes: %v", v)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 5, Articles: 300})
	defer srv.Close()
	a := openTestArchive(t)
	ctx, cancel := context.WithCancel(context.Background())
	opts := siteOptions(srv)
	opts.Parallelism = 1
	var pages atomic.Int64
	opts.Progress = func(r Result) {
		if pages.Add(1) == 20 {
			cancel()
		}
	}
	done := make(chan struct{})
	var res Result
	var err error
	go func() {
		res, err = Run(ctx, a, opts)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if res.Pages >= 300 {
		t.Errorf("crawled %d pages after cancellation", res.Pages)
	}
}

func TestRunRefusesPrivateAddressesByDefault(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("<html><body>hello</body></html>"))
	}))
	defer srv.Close()
	a := openTestArchive(t)
	res, err := Run(context.Background(), a, Options{
		StartURLs:      []string{srv.URL + "/"},
		AllowedDomains: []string{"127.0.0.1"},
		UserAgent:      "crawler-test/1.0",
		MaxRetries:     1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 {
		t.Errorf("server got %d requests; loopback must be refused at dial time", hits.Load())
	}
	if len(res.Failures) == 0 || !strings.Contains(res.Failures[0].Err, "non-public address") {
		t.Errorf("failures = %+v, want the refusal reported", res.Failures)
	}
}

func TestRunStaysInScope(t *testing.T) {
	var offsite atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		offsite.Add(1)
	}))
	defer other.Close()
	// "localhost" reaches the same machine but is not an allowed domain.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<html><head><base href="` + otherURL + `/"></head><body>
				<a href="/away">relative to base</a>
				<a href="//localhost/x">protocol-relative</a>
				<a href="` + otherURL + `/abs">absolute</a>
				<a href="javascript:alert(1)">js</a><a href="mailto:a@b.cn">mail</a>
				<a href="/redirect">redirect</a></body></html>`))
		default:
			http.Redirect(w, r, otherURL+"/redirected", http.StatusFound)
		}
	}))
	defer site.Close()
	a := openTestArchive(t)
	_, err := Run(context.Background(), a, Options{
		StartURLs:            []string{site.URL + "/"},
		AllowedDomains:       []string{"127.0.0.1"},
		UserAgent:            "crawler-test/1.0",
		AllowPrivateNetworks: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := offsite.Load(); n != 0 {
		t.Errorf("%d requests left the allowed domains", n)
	}
}

func TestBlockedAddresses(t *testing.T) {
	for _, tt := range []struct {
		addr    string
		blocked bool
	}{
		{"127.0.0.1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"::1", true}, {"fe80::1", true}, {"fd12::1", true},
		{"::ffff:127.0.0.1", true}, {"0.0.0.0", true}, {"100.64.0.1", true},
		{"58.20.53.10", false}, {"2400:da00::6666", false}, {"8.8.8.8", false},
	} {
		if got := isBlockedAddr(netip.MustParseAddr(tt.addr)); got != tt.blocked {
			t.Errorf("isBlockedAddr(%s) = %v, want %v", tt.addr, got, tt.blocked)
		}
	}
}

package crawl

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// Every retried request counts in Result.Retries, robots.txt's included:
// a summary must not report 0 retries after several requests for one file.
func TestRunCountsRetries(t *testing.T) {
	for _, tc := range []struct {
		name    string
		busy    string // the path that answers 503 at first
		retries int
	}{
		{"page", "/", 3},
		{"robots.txt", "/robots.txt", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var busyHits atomic.Int32
			mux := http.NewServeMux()
			mux.Handle("/robots.txt", http.NotFoundHandler())
			mux.Handle("/{$}", htmlPage(`<html><body><p>首页</p></body></html>`))
			site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == tc.busy && busyHits.Add(1) <= int32(tc.retries) {
					http.Error(w, "busy", http.StatusServiceUnavailable)
					return
				}
				mux.ServeHTTP(w, r)
			}))
			defer site.Close()
			opts := localOptions(site.URL)
			opts.MaxRetries = tc.retries
			res, err := Run(context.Background(), openTestArchive(t), opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := busyHits.Load(); got != int32(tc.retries+1) {
				t.Fatalf("%s was requested %d times, want %d", tc.busy, got, tc.retries+1)
			}
			if res.Retries != tc.retries {
				t.Errorf("Result.Retries = %d after %d requests for %s, want %d", res.Retries, busyHits.Load(), tc.busy, tc.retries)
			}
			if len(res.Failures) != 0 || res.Pages != 1 {
				t.Errorf("pages %d, failures %+v; want the page fetched once retried", res.Pages, res.Failures)
			}
		})
	}
}

// A page that fails is logged once, at warning level, with its URL, its
// status and cause, and the number of requests made for it.
func TestFailedPageLoggedOnce(t *testing.T) {
	const path = "/news/2024/01/29/1001.html"
	mux := http.NewServeMux()
	mux.Handle("/{$}", htmlPage(`<html><body><a href="`+path+`">新闻</a></body></html>`))
	mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	site := httptest.NewServer(mux)
	defer site.Close()
	var logs bytes.Buffer
	opts := localOptions(site.URL)
	opts.MaxRetries = 2
	opts.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	res, err := Run(context.Background(), openTestArchive(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) != 1 {
		t.Fatalf("failures = %+v, want the one page", res.Failures)
	}
	var lines []map[string]any
	dec := json.NewDecoder(&logs)
	for dec.More() {
		var line map[string]any
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("log output: %v", err)
		}
		if line["level"] == slog.LevelWarn.String() || line["level"] == slog.LevelError.String() {
			lines = append(lines, line)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("%d warnings or errors logged, want 1 for the failed page: %v", len(lines), lines)
	}
	want := map[string]any{"url": site.URL + path, "status": float64(503), "err": "Service Unavailable", "attempts": float64(3)}
	for k, v := range want {
		if lines[0][k] != v {
			t.Errorf("failure logged with %s = %v, want %v (line %v)", k, lines[0][k], v, lines[0])
		}
	}
}

// A robots.txt that answers a server error through every retry
// disallows the whole host, as the robots.txt standard asks: the start
// page must not be fetched.
func TestRobotsServerErrorDisallowsAll(t *testing.T) {
	var pageHits atomic.Int32
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		pageHits.Add(1)
		htmlPage(`<html><body><p>首页</p></body></html>`)(w, r)
	}))
	defer site.Close()
	opts := localOptions(site.URL)
	opts.MaxRetries = 1
	res, err := Run(context.Background(), openTestArchive(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := pageHits.Load(); n != 0 {
		t.Errorf("with robots.txt answering 503, pages were requested %d times, want 0", n)
	}
	if res.Pages != 0 {
		t.Errorf("Result.Pages = %d, want 0", res.Pages)
	}
}

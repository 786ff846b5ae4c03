package crawl

import (
	"context"
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

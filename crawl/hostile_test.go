package crawl

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostileSite serves pages built to break a crawler: oversized, bombs,
// broken encodings, deep nesting, and links and redirects out of scope.
// offsite counts requests that reached the other host.
func hostileSite(t *testing.T) (site *httptest.Server, offsite *countingHandler) {
	t.Helper()
	offsite = &countingHandler{}
	other := httptest.NewServer(offsite)
	t.Cleanup(other.Close)
	away := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)

	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zw.Write(bytes.Repeat([]byte("<p>炸弹</p>"), 4<<20)) // 56 MB unpacked
	zw.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		links := []string{"/big", "/bomb", "/nested", "/badutf8", "/empty", "/refresh", "/tofile", "/toaway",
			"http://user:s3cret@" + r.Host + "/creds", away + "/abs", "//localhost/protocol-relative",
			"javascript:alert(1)", "mailto:a@b.cn", "ftp://" + r.Host + "/x", "file:///etc/passwd"}
		var b strings.Builder
		b.WriteString("<html><body><ul>")
		for _, l := range links {
			fmt.Fprintf(&b, `<li><a href="%s">%s</a></li>`, l, l)
		}
		b.WriteString("</ul></body></html>")
		w.Write([]byte(b.String()))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := bytes.Repeat([]byte("<p>大</p>"), 1<<16)
		for i := 0; i < 50<<20/len(chunk) && r.Context().Err() == nil; i++ {
			w.Write(chunk)
		}
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(bomb.Bytes())
	})
	mux.HandleFunc("/nested", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(strings.Repeat("<div>", 100000) + "深" + strings.Repeat("</div>", 100000)))
	})
	mux.HandleFunc("/badutf8", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(articleHTML("坏编码页面", "<p>\xff\xfe\xc3\x28 无效字节</p>")))
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
	})
	mux.HandleFunc("/refresh", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<html><head><meta http-equiv="refresh" content="0;url=` + away + `/refreshed"></head><body>跳转</body></html>`))
	})
	mux.HandleFunc("/tofile", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "file:///etc/passwd")
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("/toaway", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, away+"/redirected", http.StatusFound)
	})
	mux.HandleFunc("/creds", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(articleHTML("凭据页面", "")))
	})
	site = httptest.NewServer(mux)
	t.Cleanup(site.Close)
	return site, offsite
}

type countingHandler struct {
	mu   sync.Mutex
	hits []string
}

func (h *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.hits = append(h.hits, r.URL.String())
	h.mu.Unlock()
}

func (h *countingHandler) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.hits)
}

// TestHostileSite crawls pages built to break a crawler: it must stay in
// scope, refuse oversized bodies and bombs without archiving them, survive
// broken encodings and deep nesting, and never log credentials.
func TestHostileSite(t *testing.T) {
	site, offsite := hostileSite(t)
	a := openTestArchive(t)
	var logs bytes.Buffer
	opts := Options{
		StartURLs:            []string{site.URL + "/"},
		AllowedDomains:       []string{"127.0.0.1"},
		UserAgent:            "crawler-test/1.0",
		AllowPrivateNetworks: true,
		MaxBodyBytes:         4 << 20,
		Timeout:              10 * time.Second,
		Logger:               slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	res, err := Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := offsite.count(); n != 0 {
		t.Errorf("%d requests left the allowed domains: %v", n, offsite.hits)
	}
	truncated := map[string]bool{}
	for _, f := range res.Failures {
		if strings.Contains(f.Err, ErrTruncated.Error()) {
			truncated[strings.TrimPrefix(f.URL, site.URL)] = true
		}
	}
	for _, p := range []string{"/big", "/bomb"} {
		if !truncated[p] {
			t.Errorf("%s not refused as over max_body_bytes; failures: %+v", p, res.Failures)
		}
		if ok, _ := a.Has(site.URL + p); ok {
			t.Errorf("%s archived", p)
		}
	}
	if ok, _ := a.Has(site.URL + "/badutf8"); !ok {
		t.Error("a page with invalid UTF-8 bytes was not archived")
	} else if rec, err := a.Lookup(site.URL + "/badutf8"); err == nil && !strings.Contains(rec.Body, "无效字节") {
		t.Errorf("invalid UTF-8 page body: %q", rec.Body)
	}
	if ok, _ := a.Has(site.URL + "/creds"); ok {
		t.Error("a link with credentials was followed")
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Error("credentials from a URL reached the log")
	}
	for _, f := range res.Failures {
		if !strings.HasPrefix(f.URL, "http://") && !strings.HasPrefix(f.URL, "https://") {
			t.Errorf("tried a non-http(s) link: %+v", f)
		}
		if strings.Contains(f.Err, "file://") || strings.Contains(f.Err, "/etc/passwd") {
			t.Errorf("followed a redirect to file: %+v", f)
		}
		if strings.Contains(f.URL, "s3cret") || strings.Contains(f.Err, "s3cret") {
			t.Errorf("credentials in a reported failure: %+v", f)
		}
	}
}

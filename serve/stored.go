package serve

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hnredstar/crawler/archive"
)

// storedLockTimeout is how long a request for a stored copy waits for a
// crawler's lock on the archive. It is short: images of an article ask
// for their copies in parallel, and while a crawl runs they had better
// fall back to the original quickly.
const storedLockTimeout = 200 * time.Millisecond

// storedCSP is the policy of a stored copy: the crawled site's own page or
// file, shown as a sandboxed document that runs no script and loads no
// more than images and styles.
const storedCSP = "sandbox; default-src 'none'; img-src 'self' http: https: data:; style-src 'unsafe-inline' http: https:"

// fileLink is an image or attachment of an article: its URL as extracted,
// and the address of its copy on this server, which answers with the
// archive's copy when the archive holds one and sends the browser to the
// original otherwise.
type fileLink struct {
	URL  string
	Href string
}

// storedIndex remembers, per version of a record, which URLs the archive
// holds responses for, so that only the first request for one of an
// article's images opens the archive. It belongs to one snapshot.
type storedIndex struct {
	mu   sync.Mutex
	urls map[string]map[string]bool // "id/version" → URLs with a stored 2xx response
}

// storedHref returns the address on this server of the archive's copy of
// u, a file of version v of record id.
func storedHref(id string, v int, u string) string {
	q := url.Values{"url": {u}, "v": {strconv.Itoa(v)}}
	return "/article/" + url.PathEscape(id) + "/stored?" + q.Encode()
}

// pageCopyHref returns the address on this server of the archive's copy
// of the first page of version v of record id.
func pageCopyHref(id string, v int) string {
	return "/article/" + url.PathEscape(id) + "/stored?" + url.Values{"page": {"1"}, "v": {strconv.Itoa(v)}}.Encode()
}

// handleStored serves what the archive holds of an article: ?page=N, the
// response of its Nth page as fetched, or ?url=U, the response stored for
// U, one of its images or attachments. The archive stores the pages of
// each version; any other response stored with a version under the URL of
// one of its images or attachments is served the same way, and so is a
// file in the archive's attachment store (archive.File). Without a
// stored copy of a file, the browser is sent to the original.
func (s *Server) handleStored(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	info := s.info(snap, r)
	l := info.L
	rec, _, _, err := s.lookup(snap, r, l)
	if err != nil {
		s.notFound(w, r, err.Error())
		return
	}
	v := r.URL.Query()
	want, pageNo := v.Get("url"), 0
	if want == "" {
		if pageNo, err = strconv.Atoi(v.Get("page")); err != nil || pageNo < 1 {
			s.renderError(w, r, http.StatusBadRequest, fmt.Sprintf(l.ErrPageFmt, v.Get("page")))
			return
		}
	} else if !isFileOf(rec, want) {
		s.notFound(w, r, fmt.Sprintf(l.ErrNotFileFmt, want, rec.ID))
		return
	}

	pages, err := s.storedPages(r.Context(), snap, rec, want)
	switch {
	case errors.Is(err, archive.ErrLocked) && want == "":
		s.render(w, http.StatusServiceUnavailable, "error.html", errorPage{Info: info, Status: http.StatusServiceUnavailable,
			Message: l.ErrStoredLocked, Original: rec.URL})
		return
	case err != nil && !errors.Is(err, archive.ErrLocked):
		s.log.Warn("read stored copy", "id", rec.ID, "version", rec.Version, "err", err)
	}
	for i, p := range pages {
		if (want == "" && i == pageNo-1) || (want != "" && p.URL == want) {
			serveStored(w, p)
			return
		}
	}
	if want != "" {
		f, body, err := s.storedFile(r.Context(), snap, want)
		switch {
		case err == nil && body != nil:
			serveFile(w, f, body)
			return
		case err != nil && !errors.Is(err, archive.ErrNotFound) && !errors.Is(err, archive.ErrLocked):
			s.log.Warn("read stored file", "id", rec.ID, "url", want, "err", err)
		}
	}
	if want == "" {
		want = rec.URL
	}
	if !strings.HasPrefix(want, "http://") && !strings.HasPrefix(want, "https://") {
		s.notFound(w, r, fmt.Sprintf(l.ErrNotFileFmt, want, rec.ID))
		return
	}
	http.Redirect(w, r, want, http.StatusFound)
}

// isFileOf reports whether u is an image or attachment of rec.
func isFileOf(rec archive.Record, u string) bool {
	for _, list := range [][]string{rec.Images, rec.Attachments} {
		for _, x := range list {
			if x == u {
				return true
			}
		}
	}
	return false
}

// storedPages returns the responses the archive holds for the version of
// rec, or nil when want (a URL; "" for the pages) is known not to be
// among them. The archive is opened read-only for the read, and closed.
func (s *Server) storedPages(ctx context.Context, snap *snapshot, rec archive.Record, want string) ([]archive.RawPage, error) {
	key := rec.ID + "/" + strconv.Itoa(rec.Version)
	if want != "" {
		snap.stored.mu.Lock()
		known, ok := snap.stored.urls[key]
		snap.stored.mu.Unlock()
		if ok && !known[want] {
			return nil, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a, err := archive.Open(snap.path, archive.Options{ReadOnly: true, Timeout: storedLockTimeout})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	pages, err := a.RawPages(rec.ID, rec.Version)
	if err != nil && !errors.Is(err, archive.ErrNotFound) {
		return nil, err
	}
	urls := map[string]bool{}
	for i := range pages {
		if pages[i].Status >= 200 && pages[i].Status < 300 {
			urls[pages[i].URL] = true
		} else {
			pages[i].Body = nil // not served; see serveStored
		}
	}
	snap.stored.mu.Lock()
	if snap.stored.urls == nil {
		snap.stored.urls = map[string]map[string]bool{}
	}
	snap.stored.urls[key] = urls
	snap.stored.mu.Unlock()
	return pages, nil
}

// serveStored writes a stored response: its body with its content type,
// under storedCSP. A response that was not a success is not served as if
// it were the page: it answers 404.
func serveStored(w http.ResponseWriter, p archive.RawPage) {
	if p.Status < 200 || p.Status >= 300 {
		http.Error(w, fmt.Sprintf("存档中这一页的抓取结果是 HTTP %d / the archive holds HTTP %d for this page", p.Status, p.Status), http.StatusNotFound)
		return
	}
	ct := p.Header.Get("Content-Type")
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		ct = http.DetectContentType(p.Body)
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", storedCSP)
	h.Set("Content-Length", strconv.Itoa(len(p.Body)))
	w.WriteHeader(http.StatusOK)
	w.Write(p.Body)
}

// storedFile returns the archive's attachment store entry for u and its
// bytes, nil when the file is not stored. The archive is opened
// read-only for the read, and closed.
func (s *Server) storedFile(ctx context.Context, snap *snapshot, u string) (archive.File, []byte, error) {
	if err := ctx.Err(); err != nil {
		return archive.File{}, nil, err
	}
	a, err := archive.Open(snap.path, archive.Options{ReadOnly: true, Timeout: storedLockTimeout})
	if err != nil {
		return archive.File{}, nil, err
	}
	defer a.Close()
	return a.FileBody(u)
}

// serveFile writes a stored attachment or image under storedCSP, with its
// content type and its file name: inline for images and PDF, which a
// browser shows, as a download otherwise.
func serveFile(w http.ResponseWriter, f archive.File, body []byte) {
	ct := f.ContentType
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt == "application/octet-stream" {
		ct = http.DetectContentType(body)
		mt, _, _ = mime.ParseMediaType(ct)
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", storedCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	disposition := "attachment"
	if strings.HasPrefix(mt, "image/") || mt == "application/pdf" {
		disposition = "inline"
	}
	if f.Name != "" {
		if v := mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}); v != "" {
			disposition = v
		}
	}
	h.Set("Content-Disposition", disposition)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

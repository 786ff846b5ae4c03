package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gocolly/colly/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/canon"
)

// DefaultMaxAttachmentBytes is the size cap of a fetched file when
// Options.MaxAttachmentBytes is 0.
const DefaultMaxAttachmentBytes = 64 << 20

// filesSinceKey is the state key holding the start of the last file pass
// that finished (RFC 3339): an incremental run fetches the files of the
// articles changed since then.
const filesSinceKey = "files.since"

// maxBytesKey is the context key under which a request carries its own
// size cap, for gzipTransport.
type maxBytesKey struct{}

// fetchFiles is the file pass that ends a run: it fetches the attachments
// (and, with Options.FetchImages, the images) of articles, and the files
// list pages link (topic tables), that the archive does not hold yet and
// stores them. A backfill looks at every article and every list page in
// the archive; an incremental run at the articles changed since the last
// pass that finished (or since the run began, on its first) and the list
// pages it fetched. A URL whose file
// is stored is never fetched again, nor one found too large for the
// current cap; failures are tried again by the next pass that meets them.
func (cr *crawler) fetchFiles(ctx context.Context, began time.Time) error {
	if cr.opts.NoAttachments {
		return nil
	}
	start := cr.opts.Now()
	var filter archive.Filter
	if cr.opts.Mode == Incremental {
		filter.ChangedSince = began
		if b, err := cr.arch.State(filesSinceKey); err != nil {
			return err
		} else if t, err := time.Parse(time.RFC3339Nano, string(b)); err == nil && t.Before(began) {
			filter.ChangedSince = t
		}
	}
	todo, err := cr.pendingFiles(ctx, filter)
	if err != nil {
		return err
	}
	if len(todo) > 0 {
		cr.log.Info("fetching files", "files", len(todo))
	}
	work := make(chan string)
	var wg sync.WaitGroup
	for range cr.workers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				cr.fetchFile(ctx, u)
			}
		}()
	}
feed:
	for _, u := range todo {
		select {
		case work <- u:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return cr.arch.PutState(filesSinceKey, []byte(start.UTC().Format(time.RFC3339Nano)))
}

// pendingFiles returns the file URLs of the records filter selects, and
// of the list pages (all in the archive for a backfill, this run's for an
// incremental run), that are in scope and not yet stored, each once, in
// order of first mention.
func (cr *crawler) pendingFiles(ctx context.Context, filter archive.Filter) ([]string, error) {
	seen := map[string]bool{}
	var todo []string
	consider := func(list []string) error {
		for _, raw := range list {
			key, err := canon.URL(raw)
			if err != nil || seen[key] || !cr.fileHost(raw) {
				continue
			}
			seen[key] = true
			f, err := cr.arch.File(raw)
			switch {
			case errors.Is(err, archive.ErrNotFound):
			case err != nil:
				return err
			case f.Stored():
				continue
			case f.State == archive.FileTooLarge && f.Size > cr.maxFileBytes():
				continue
			}
			todo = append(todo, raw)
		}
		return nil
	}
	err := cr.arch.ForEach(ctx, filter, func(r archive.Record) error {
		if err := consider(r.Attachments); err != nil {
			return err
		}
		if cr.opts.FetchImages {
			return consider(r.Images)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list files to fetch: %w", err)
	}
	if cr.opts.Mode == Backfill {
		// Gathered first, looked up after: the walk's read transaction
		// stays short.
		var lists [][]string
		err = cr.arch.ForEachPageFiles(ctx, func(p archive.PageFiles) error {
			lists = append(lists, p.Files)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list files of list pages to fetch: %w", err)
		}
		for _, l := range lists {
			if err := consider(l); err != nil {
				return nil, fmt.Errorf("list files of list pages to fetch: %w", err)
			}
		}
		return todo, nil
	}
	cr.mu.Lock()
	visited := cr.listFiles
	cr.mu.Unlock()
	if err := consider(visited); err != nil {
		return nil, fmt.Errorf("list files of list pages to fetch: %w", err)
	}
	return todo, nil
}

// fileHost reports whether files may be fetched from raw's host: one of
// the allowed domains or Options.ResourceHosts, over http or https.
func (cr *crawler) fileHost(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && cr.scope.resource(u)
}

func (cr *crawler) maxFileBytes() int64 {
	if cr.opts.MaxAttachmentBytes > 0 {
		return cr.opts.MaxAttachmentBytes
	}
	return DefaultMaxAttachmentBytes
}

// fileClient returns the client that fetches files: the run's polite
// transport (its limits, delay, address guard and counting), redirects
// kept to file hosts and robots.txt.
func (cr *crawler) fileClient() *http.Client {
	return &http.Client{
		Transport: cr.transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			if !cr.fileHost(req.URL.String()) {
				return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), colly.ErrForbiddenDomain)
			}
			ok, err := cr.robots.allowed(req.Context(), req.URL)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), colly.ErrRobotsTxtBlocked)
			}
			return nil
		},
	}
}

// fetchFile fetches one file, retrying transient failures, and records
// the outcome in the archive. A failure is logged and counted, never
// fatal to the run.
func (cr *crawler) fetchFile(ctx context.Context, raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	if ok, err := cr.robots.allowed(ctx, u); err != nil || !ok {
		if ctx.Err() == nil {
			cr.count(func(r *Result) { r.RobotsBlocked++ })
			cr.log.Info("file not fetched: robots.txt disallows it (or could not be read)", "url", redact(raw))
		}
		return
	}
	capBytes := cr.maxFileBytes()
	client := cr.fileClient()
	var f archive.File
	var body []byte
	for attempt := 0; ; attempt++ {
		var retry bool
		f, body, retry = cr.getFile(ctx, client, raw, capBytes)
		if !retry || attempt >= cr.opts.MaxRetries || ctx.Err() != nil {
			break
		}
		cr.retrying(raw, attempt+1, errors.New(f.Err))
		if sleepCtx(ctx, backoff(attempt+1)) != nil {
			break
		}
	}
	if ctx.Err() != nil {
		return
	}
	f.URL, f.FetchedAt = raw, cr.opts.Now()
	if err := cr.arch.PutFile(f, body); err != nil {
		cr.log.Error("could not store a file", "url", redact(raw), "err", err)
		cr.count(func(r *Result) { r.FilesFailed++ })
		return
	}
	switch f.State {
	case archive.FileStored:
		cr.log.Debug("file stored", "url", redact(raw), "bytes", len(body), "name", f.Name)
		cr.count(func(r *Result) { r.Files++; r.FileBytes += int64(len(body)) })
	case archive.FileTooLarge:
		cr.log.Warn("file over crawl.max_attachment_bytes; not stored", "url", redact(raw), "limit", capBytes, "size_at_least", f.Size)
		cr.count(func(r *Result) { r.FilesTooLarge++ })
	default:
		cr.log.Warn("file failed", "url", redact(raw), "status", f.Status, "err", f.Err)
		cr.count(func(r *Result) { r.FilesFailed++ })
	}
}

// getFile makes one request for a file and reports what came of it, and
// whether a failure may pass on a retry.
func (cr *crawler) getFile(ctx context.Context, client *http.Client, raw string, capBytes int64) (f archive.File, body []byte, retry bool) {
	req, err := http.NewRequestWithContext(context.WithValue(ctx, maxBytesKey{}, capBytes), http.MethodGet, raw, nil)
	if err != nil {
		return archive.File{State: archive.FileFailed, Err: err.Error()}, nil, false
	}
	req.Header.Set("User-Agent", cr.opts.UserAgent)
	resp, err := client.Do(req)
	if err != nil {
		final := errors.Is(err, ErrPrivateAddress) || errors.Is(err, colly.ErrForbiddenDomain) || errors.Is(err, colly.ErrRobotsTxtBlocked)
		return archive.File{State: archive.FileFailed, Err: err.Error()}, nil, !final
	}
	defer resp.Body.Close()
	f = archive.File{
		State:       archive.FileFailed,
		Status:      resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"),
		Header:      resp.Header.Clone(),
	}
	f.Name = fileName(resp.Header.Get("Content-Disposition"), resp.Request.URL)
	if resp.StatusCode != http.StatusOK {
		f.Err = "HTTP " + resp.Status
		return f, nil, resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	}
	if resp.ContentLength > capBytes {
		f.State, f.Size = archive.FileTooLarge, resp.ContentLength
		return f, nil, false
	}
	body, err = io.ReadAll(resp.Body)
	switch {
	case errors.Is(err, ErrTruncated):
		// Over the cap, compressed or not: its size is at least that.
		f.State, f.Size = archive.FileTooLarge, max(int64(len(body)), capBytes+1)
		return f, nil, false
	case err != nil:
		f.Err = err.Error()
		return f, nil, true
	}
	f.State = archive.FileStored
	return f, body, false
}

// extendedName matches a filename* parameter (RFC 6266, RFC 5987):
// charset'language'percent-encoded bytes.
var extendedName = regexp.MustCompile(`(?i)(?:^|;)\s*filename\*\s*=\s*"?([^';"]*)'[^']*'([^;"]*)`)

// plainName matches a filename parameter, quoted or not.
var plainName = regexp.MustCompile(`(?i)(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))`)

// fileName returns the name of a file: from its Content-Disposition, as
// servers of this kind write it (RFC 6266 filename* in UTF-8 or GBK, a
// plain filename in raw UTF-8, raw GBK, percent-encoding or RFC 2047), or
// else the last segment of its URL's path. The name is cleaned of
// directories and control characters; it may still be empty.
func fileName(disposition string, u *url.URL) string {
	if m := extendedName.FindStringSubmatch(disposition); m != nil {
		if b, err := url.PathUnescape(m[2]); err == nil {
			if name := cleanName(decodeCharset(m[1], []byte(b))); name != "" {
				return name
			}
		}
	}
	if m := plainName.FindStringSubmatch(disposition); m != nil {
		v := m[1]
		if m[1] == "" {
			v = strings.TrimSpace(m[2])
		} else {
			v = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(v)
		}
		if strings.HasPrefix(v, "=?") {
			dec := mime.WordDecoder{CharsetReader: func(charset string, r io.Reader) (io.Reader, error) {
				b, err := io.ReadAll(r)
				return strings.NewReader(decodeCharset(charset, b)), err
			}}
			if s, err := dec.DecodeHeader(v); err == nil {
				v = s
			}
		}
		if name := cleanName(decodeName(v)); name != "" {
			return name
		}
	}
	if u == nil {
		return ""
	}
	return cleanName(decodeName(path.Base(u.EscapedPath())))
}

// decodeName undoes percent-encoding and reads bytes that are not UTF-8
// as GB18030 (a superset of GBK and GB2312).
func decodeName(s string) string {
	if strings.Contains(s, "%") {
		if d, err := url.PathUnescape(s); err == nil {
			s = d
		}
	}
	return decodeCharset("", []byte(s))
}

// decodeCharset decodes b from charset; UTF-8 (or no charset) that is not
// valid UTF-8 is taken for GB18030, as Chinese servers send it.
func decodeCharset(charset string, b []byte) string {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "gbk", "gb2312", "gb18030", "cp936":
		if s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil {
			return string(s)
		}
	case "iso-8859-1", "latin1":
		if !utf8.Valid(b) {
			r := make([]rune, len(b))
			for i, c := range b {
				r[i] = rune(c)
			}
			return string(r)
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	if s, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b); err == nil {
		return string(s)
	}
	return strings.ToValidUTF8(string(b), "_")
}

// cleanName keeps the last path element of a name and drops control
// characters and surrounding blanks and dots.
func cleanName(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	s = strings.Trim(s, " .\t\u3000")
	if len(s) > 255 {
		// Keep the extension; cut at a rune boundary.
		ext := path.Ext(s)
		if len(ext) > 16 {
			ext = ""
		}
		cut := 255 - len(ext)
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + ext
	}
	return s
}

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/hnredstar/crawler/crawl"
	"github.com/hnredstar/crawler/extract"
)

type extractFlags struct {
	url     string
	explain bool
	workers int // pages extracted at once; 0 means GOMAXPROCS
}

func newExtractCommand(opts *options) *cobra.Command {
	var f extractFlags
	cmd := &cobra.Command{
		Use:   "extract URL|FILE|DIR...",
		Short: "Run the extractor on pages and print one JSON record per page",
		Long: `extract runs the article extractor on web pages and prints one JSON record
per line, in the order of the inputs, each with an "input" field naming the
page it came from. An input is a URL (fetched once, with the configured
User-Agent; URLs are fetched one at a time), a saved page (.html, .htm,
.shtml, optionally .gz), or a directory (its saved pages, recursively).
Pages are extracted on every core at once.

A saved page's relative links (images, attachments, list items) resolve
against its own address: --url URL, else the <link rel="canonical">,
og:url or <base href> the page holds. A page that names no address of its
own leaves its relative links out, with a warning. Pages are classified by
their content, as when crawled: "article", "list" (a list page's
"articles" and "pagination" links are printed), "challenge" or "other".

With --explain each record says which layer and rule produced each field
and the kind: the quickest way to tune the selectors in config.yaml.

An input that is not HTML (a PDF, an image, a text file) gets a record with
an "error" field, as does a page with no article text; the other inputs
are still extracted, and the exit status is then 1.
`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExtract(cmd.Context(), opts, f, args, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&f.url, "url", "", "original `URL` of a saved page (resolves relative links)")
	cmd.Flags().BoolVar(&f.explain, "explain", false, "say which layer and rule produced each field")
	return cmd
}

// extractRecord is one line of extract's output.
type extractRecord struct {
	Input       string            `json:"input"`
	URL         string            `json:"url"`
	Kind        string            `json:"kind"`
	Title       string            `json:"title"`
	Source      string            `json:"source"`
	Published   *string           `json:"published"`
	Body        string            `json:"body"`
	Column      string            `json:"column"`
	Images      []string          `json:"images"`
	Attachments []string          `json:"attachments"`
	Author      string            `json:"author,omitempty"`
	Editor      string            `json:"editor,omitempty"`
	Articles    []string          `json:"articles,omitempty"`   // a list page's items
	Pagination  []string          `json:"pagination,omitempty"` // a list page's other pages
	Explain     map[string]string `json:"explain,omitempty"`
	Error       string            `json:"error,omitempty"`

	warning string // logged, not printed
}

func runExtract(ctx context.Context, opts *options, f extractFlags, inputs []string, out io.Writer) error {
	cfg, err := opts.config() // extract never opens the archive
	if err != nil {
		return err
	}
	log, err := opts.logger()
	if err != nil {
		return err
	}
	if f.url != "" && !isURL(f.url) {
		return &usageError{msg: fmt.Sprintf("extract: --url %s: must be an absolute http(s) URL", f.url)}
	}
	ext, err := newExtractor(cfg, cfg.file)
	if err != nil {
		return err
	}
	var pages []string
	for _, in := range inputs {
		p, err := expandInput(in)
		if err != nil {
			return err
		}
		pages = append(pages, p...)
	}
	x := &extraction{ext: ext, co: crawlOptions(cfg, crawl.Backfill, ext, nil), f: f}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	failed := 0
	err = x.each(ctx, pages, func(rec extractRecord) error {
		if rec.warning != "" {
			log.Warn(rec.warning, "input", rec.Input)
		}
		if rec.Error != "" {
			failed++
		}
		if !f.explain {
			rec.Explain = nil
		}
		return enc.Encode(rec)
	})
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of the pages could not be extracted (see their \"error\" fields)", failed)
	}
	return nil
}

// extraction extracts pages with one extractor and one set of options.
type extraction struct {
	ext     *extract.Extractor
	co      crawl.Options
	f       extractFlags
	fetchMu sync.Mutex // URLs are fetched one at a time, as before
}

// each extracts the pages on GOMAXPROCS workers (or f.workers) and hands
// the records to emit in the order of pages. At most a few records per
// worker wait for an earlier one. It stops at the first error of emit or
// when ctx is done.
func (x *extraction) each(ctx context.Context, pages []string, emit func(extractRecord) error) error {
	workers := x.f.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	type job struct {
		page string
		rec  chan extractRecord
	}
	jobs := make(chan job)
	order := make(chan chan extractRecord, 2*workers) // results, in input order
	go func() {
		defer close(order)
		defer close(jobs)
		for _, p := range pages {
			j := job{page: p, rec: make(chan extractRecord, 1)}
			select {
			case order <- j.rec:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				j.rec <- x.one(ctx, j.page)
			}
		})
	}
	defer func() {
		cancel() // stops the feeder, which closes jobs
		wg.Wait()
	}()
	for rec := range order {
		select {
		case r := <-rec:
			if err := emit(r); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return ctx.Err()
}

// expandInput turns a URL, file or directory argument into page inputs.
func expandInput(in string) ([]string, error) {
	if isURL(in) {
		return []string{in}, nil
	}
	fi, err := os.Stat(in)
	if err != nil {
		return nil, &usageError{msg: fmt.Sprintf("extract: %s is neither an http(s) URL nor a readable file or directory", in)}
	}
	if !fi.IsDir() {
		return []string{in}, nil
	}
	var files []string
	err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isPageFile(p) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func isPageFile(p string) bool {
	p = strings.TrimSuffix(strings.ToLower(p), ".gz")
	return strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".htm") || strings.HasSuffix(p, ".shtml")
}

// unknownHost stands in for the host of a saved page that names no
// address of its own, so that its links parse as they would on the site
// (the kind depends on them) and can be told apart and left out. The
// .invalid domain never resolves (RFC 2606).
const unknownHost = "saved-page.invalid"

// one extracts one page.
func (x *extraction) one(ctx context.Context, input string) extractRecord {
	rec := extractRecord{Input: input, Images: []string{}, Attachments: []string{}}
	if err := ctx.Err(); err != nil {
		rec.Error = err.Error()
		return rec
	}
	rec.URL = input
	if !isURL(input) {
		rec.URL = fileURL(input)
	}
	body, contentType, err := x.load(ctx, input)
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	if why := notHTML(body); why != "" {
		rec.Error = fmt.Sprintf("%s: not an HTML page (%s); extract reads web pages: saved .html, .htm or .shtml files (optionally .gz) and URLs", input, why)
		return rec
	}
	pageURL, urlRule := input, "the URL fetched"
	if !isURL(input) {
		pageURL, urlRule = x.address(input, body)
	}
	rec.URL = pageURL
	unknown := strings.HasPrefix(pageURL, "http://"+unknownHost+"/")
	if unknown {
		rec.URL = fileURL(input)
	}
	page, err := extract.Parse(body, contentType, pageURL)
	if err != nil {
		rec.Error = fmt.Sprintf("%s: %v", input, err)
		return rec
	}
	links := x.ext.Links(page)
	rec.Kind = links.Kind.String()
	art, artErr := x.ext.Article(page)
	rec.Explain = art.Explain
	if rec.Explain == nil {
		rec.Explain = map[string]string{}
	}
	rec.Explain["url"] = urlRule
	rec.Title, rec.Column = art.Title, art.Column
	if links.Kind == extract.List {
		// A list page is read for its links, as the crawler reads it.
		delete(rec.Explain, "body")
		rec.Column, rec.Articles, rec.Pagination = links.Column, links.Articles, links.Pagination
	} else {
		rec.Source, rec.Body = art.Source, art.Body
		rec.Author, rec.Editor = art.Author, art.Editor
		if !art.Published.IsZero() {
			s := art.Published.In(beijing).Format(time.RFC3339)
			rec.Published = &s
		}
		if art.Images != nil {
			rec.Images = art.Images
		}
		if art.Attachments != nil {
			rec.Attachments = art.Attachments
		}
		switch {
		case errors.Is(artErr, extract.ErrNoArticle):
			rec.Error = fmt.Sprintf("%s: no article found: %s", input, art.Explain["kind"])
		case artErr != nil:
			rec.Error = fmt.Sprintf("%s: %v", input, artErr)
		}
	}
	if unknown {
		dropped := 0
		for _, l := range []*[]string{&rec.Images, &rec.Attachments, &rec.Articles, &rec.Pagination} {
			n := len(*l)
			*l = withoutHost(*l, unknownHost)
			dropped += n - len(*l)
		}
		if dropped > 0 {
			rec.warning = fmt.Sprintf("%s names no address of its own (no <base href>, canonical link or og:url), so its %d relative links (images, attachments, list items) are left out; pass --url with the address it was saved from", input, dropped)
		}
	}
	return rec
}

// load reads a page from a URL or a saved file (gzipped or not).
func (x *extraction) load(ctx context.Context, input string) (body []byte, contentType string, err error) {
	if isURL(input) {
		x.fetchMu.Lock()
		defer x.fetchMu.Unlock()
		return crawl.FetchPage(ctx, input, x.co)
	}
	body, err = os.ReadFile(input)
	if err != nil {
		return nil, "", err
	}
	if strings.HasSuffix(strings.ToLower(input), ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, "", fmt.Errorf("%s: not a gzip file: %w", input, err)
		}
		// A gzip file ends with the size of what it holds (mod 2^32):
		// reading into a buffer of that size copies the page once.
		var buf bytes.Buffer
		if n := len(body); n >= 4 {
			buf.Grow(int(min(int64(binary.LittleEndian.Uint32(body[n-4:])), x.co.MaxBodyBytes) + bytes.MinRead))
		}
		if _, err = buf.ReadFrom(io.LimitReader(zr, x.co.MaxBodyBytes+1)); err != nil {
			return nil, "", fmt.Errorf("%s: %w", input, err)
		}
		body = buf.Bytes()
		if int64(len(body)) > x.co.MaxBodyBytes {
			return nil, "", fmt.Errorf("%s: larger than crawl.max_body_bytes once decompressed", input)
		}
	}
	return body, "", nil
}

// address returns the address a saved page is parsed at, and where it
// came from: --url, else the address the page gives itself, else a
// stand-in on unknownHost that keeps the file's path.
func (x *extraction) address(input string, body []byte) (string, string) {
	if x.f.url != "" {
		return x.f.url, "--url"
	}
	if u, rule := ownAddress(body); u != "" {
		return u, rule
	}
	abs, err := filepath.Abs(input)
	if err != nil {
		abs = input
	}
	u := url.URL{Scheme: "http", Host: unknownHost, Path: filepath.ToSlash(abs)}
	return u.String(), "unknown: relative links are left out (pass --url)"
}

func fileURL(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// ownAddress returns the absolute http(s) address a page gives itself in
// its head, and the element that gave it: <link rel="canonical">, else
// <meta property="og:url">, else <base href>. A relative canonical or
// og:url resolves against <base href>.
func ownAddress(body []byte) (addr, rule string) {
	var canonical, ogURL, base string
	z := html.NewTokenizer(bytes.NewReader(body))
scan:
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			break scan
		case html.EndTagToken:
			if name, _ := z.TagName(); atom.Lookup(name) == atom.Head {
				break scan
			}
			continue
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			continue
		}
		name, hasAttr := z.TagName()
		a := atom.Lookup(name)
		if a == atom.Body {
			break scan
		}
		if !hasAttr || (a != atom.Link && a != atom.Meta && a != atom.Base) {
			continue
		}
		attrs := map[string]string{}
		for more := true; more; {
			var k, v []byte
			k, v, more = z.TagAttr()
			attrs[string(k)] = strings.TrimSpace(string(v))
		}
		switch {
		case a == atom.Link && canonical == "" && hasToken(attrs["rel"], "canonical"):
			canonical = attrs["href"]
		case a == atom.Meta && ogURL == "" && (strings.EqualFold(attrs["property"], "og:url") || strings.EqualFold(attrs["name"], "og:url")):
			ogURL = attrs["content"]
		case a == atom.Base && base == "":
			base = attrs["href"]
		}
	}
	var baseURL *url.URL
	if b, err := url.Parse(base); err == nil && b.IsAbs() && isURL(b.String()) {
		baseURL = b
	}
	for _, c := range []struct{ ref, rule string }{
		{canonical, `<link rel="canonical">`}, {ogURL, `<meta property="og:url">`}, {base, "<base href>"},
	} {
		if c.ref == "" {
			continue
		}
		u, err := url.Parse(c.ref)
		if err != nil {
			continue
		}
		if !u.IsAbs() && baseURL != nil {
			u = baseURL.ResolveReference(u)
		}
		if (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			u.Fragment = ""
			return u.String(), c.rule
		}
	}
	return "", ""
}

// hasToken reports whether the space-separated list s holds tok, ignoring
// case.
func hasToken(s, tok string) bool {
	for _, f := range strings.Fields(s) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

func withoutHost(urls []string, host string) []string {
	kept := urls[:0]
	for _, s := range urls {
		if u, err := url.Parse(s); err != nil || u.Host != host {
			kept = append(kept, s)
		}
	}
	return kept
}

// markupTag finds the tags of a document (or of a Hanweb datastore) in
// text that does not start with one.
var markupTag = regexp.MustCompile(`(?i)<(html|head|body|datastore)[\s>]`)

// notHTML says why body is not a page extract can read, or returns "" if
// it is one: HTML or XML by net/http's content sniffing, or text holding
// the tags of a document in its first 8 KiB (a page that starts with
// stray text). Binary files, images and plain text are refused.
func notHTML(body []byte) string {
	b := bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))
	if len(bytes.TrimSpace(b)) == 0 {
		return "empty file"
	}
	ct := http.DetectContentType(b)
	switch {
	case strings.HasPrefix(ct, "text/html"), strings.HasPrefix(ct, "text/xml"):
		return ""
	case strings.HasPrefix(ct, "text/plain"):
		if markupTag.Match(b[:min(len(b), 8<<10)]) {
			return ""
		}
		return "text without HTML tags"
	}
	ct, _, _ = strings.Cut(ct, ";")
	return "content looks like " + ct
}

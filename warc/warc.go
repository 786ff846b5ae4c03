package warc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	gowarc "github.com/nlnwa/gowarc/v3"

	"github.com/hnredstar/crawler/archive"
)

// Options configure Write.
type Options struct {
	// Filter selects records, as for the JSONL export.
	Filter archive.Filter
	// Filename is the file's base name, written to the warcinfo record as
	// WARC-Filename; empty leaves the field out.
	Filename string
	// Date is the warcinfo record's WARC-Date; zero means now.
	Date time.Time
	// Plain writes the records without compression (a .warc file).
	Plain bool
	// Info holds further warcinfo fields, written after the standard ones
	// (software, format, conformsTo, description), e.g. "operator".
	Info [][2]string
}

// Stats counts what Write wrote.
type Stats struct {
	Articles  int // records exported
	Versions  int // versions exported (metadata records)
	Requests  int // request records
	Responses int // response records
	Revisits  int // revisit records: repeated payloads and aliases
	Metadata  int // metadata records
	Files     int // attachments (and images) written as responses; see files.go
	// PageFiles counts the ties of stored files to the list pages that
	// link them (a metadata record each); see files.go.
	PageFiles int
	Records   int // all records, the warcinfo record included
}

// software names the writer in the warcinfo record.
const software = "hnredstar-crawler (github.com/hnredstar/crawler) with github.com/nlnwa/gowarc"

// recordOptions are the gowarc options for every record: WARC/1.1, SHA-1
// digests in base 32 added by the builder, and failing on anything the
// builder finds wrong, so a bad record is never written.
var recordOptions = []gowarc.WarcRecordOption{
	gowarc.WithVersion(gowarc.V1_1),
	gowarc.WithDefaultDigestAlgorithm("sha1"),
	gowarc.WithAddMissingDigest(true),
	gowarc.WithSpecViolationPolicy(gowarc.ErrFail),
	gowarc.WithSyntaxErrorPolicy(gowarc.ErrFail),
}

// Write writes the records of a that opts selects to w as a WARC/1.1 file,
// each record a gzip member of its own (see the package documentation), and
// reports what it wrote. w is not closed; output is not buffered, so give
// Write a bufio.Writer for a file. Write stops with ctx.Err() once ctx is
// done.
func Write(ctx context.Context, w io.Writer, a *archive.Archive, opts Options) (Stats, error) {
	ww := &writer{
		w:       w,
		a:       a,
		gz:      gzip.NewWriter(io.Discard),
		m:       gowarc.NewMarshaler(),
		payload: make(map[string]ref),
		written: make(map[string]ref),
		plain:   opts.Plain,
	}
	if err := ww.warcinfo(opts); err != nil {
		return ww.stats, fmt.Errorf("write warcinfo record: %w", err)
	}
	err := a.ForEach(ctx, opts.Filter, func(r archive.Record) error {
		if err := ww.article(r); err != nil {
			return fmt.Errorf("record %s (%s): %w", r.ID, r.URL, err)
		}
		return ctx.Err()
	})
	if err == nil && opts.Filter.All() {
		if err = ww.writePageFiles(ctx); err != nil {
			err = fmt.Errorf("files of list pages: %w", err)
		}
	}
	return ww.stats, err
}

// ref is what a revisit record says about the record it refers to.
type ref struct {
	id   string // WARC-Record-ID, without <>
	uri  string
	date string // WARC-Date as written
}

type writer struct {
	w       io.Writer
	a       *archive.Archive
	gz      *gzip.Writer
	m       gowarc.Marshaler
	infoID  string
	payload map[string]ref // WARC-Payload-Digest → first response with it
	written map[string]ref // canonical URL of a file → its response
	plain   bool
	stats   Stats
}

// write marshals rec, as one gzip member unless plain, and closes it.
func (ww *writer) write(rec gowarc.WarcRecord) error {
	defer rec.Close()
	if ww.plain {
		if _, _, err := ww.m.Marshal(ww.w, rec, 0); err != nil {
			return err
		}
	} else {
		ww.gz.Reset(ww.w)
		if _, _, err := ww.m.Marshal(ww.gz, rec, 0); err != nil {
			return err
		}
		if err := ww.gz.Close(); err != nil {
			return err
		}
	}
	ww.stats.Records++
	switch rec.Type() {
	case gowarc.Request:
		ww.stats.Requests++
	case gowarc.Response:
		ww.stats.Responses++
	case gowarc.Revisit:
		ww.stats.Revisits++
	case gowarc.Metadata:
		ww.stats.Metadata++
	}
	return nil
}

// build turns a filled builder into a record, reporting any problem the
// library found with it.
func build(b gowarc.WarcRecordBuilder) (gowarc.WarcRecord, error) {
	rec, validation, err := b.Build()
	if err == nil && len(validation) > 0 {
		rec.Close()
		err = errors.Join(validation...)
	}
	if err != nil {
		return nil, fmt.Errorf("build WARC record: %w", err)
	}
	return rec, nil
}

func (ww *writer) warcinfo(opts Options) error {
	date := opts.Date
	if date.IsZero() {
		date = time.Now()
	}
	b := gowarc.NewRecordBuilder(gowarc.Warcinfo, recordOptions...)
	b.AddWarcHeaderTime(gowarc.WarcDate, date.UTC())
	b.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationWarcFields)
	if opts.Filename != "" {
		b.AddWarcHeader(gowarc.WarcFilename, opts.Filename)
	}
	fields := [][2]string{
		{"software", software},
		{"format", "WARC File Format 1.1"},
		{"conformsTo", "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"},
		{"description", "Articles of 红星网 (www.hnredstar.gov.cn) exported from a crawler archive, with the raw HTTP responses they were extracted from"},
	}
	for _, f := range append(fields, opts.Info...) {
		if _, err := b.WriteString(oneLine(f[0]) + ": " + oneLine(f[1]) + "\r\n"); err != nil {
			b.Close()
			return err
		}
	}
	rec, err := build(b)
	if err != nil {
		return err
	}
	ww.infoID = "<" + rec.RecordId() + ">"
	return ww.write(rec)
}

// article writes every version of r, then r's aliases.
func (ww *writer) article(r archive.Record) error {
	versions := []archive.Record{r}
	if r.Version > 1 {
		var err error
		if versions, err = ww.a.Versions(r.ID); err != nil {
			return fmt.Errorf("read versions: %w", err)
		}
	}
	ww.stats.Articles++
	var latest *archive.RawPage
	for _, v := range versions {
		pages, err := ww.a.RawPages(r.ID, v.Version)
		if err != nil {
			return fmt.Errorf("read raw pages of version %d: %w", v.Version, err)
		}
		var first ref
		for i := range pages {
			rf, err := ww.page(&pages[i], true)
			if err != nil {
				return fmt.Errorf("version %d page %d (%s): %w", v.Version, i, pages[i].URL, err)
			}
			if i == 0 {
				first = rf
			}
		}
		if err := ww.metadata(v, pages, first); err != nil {
			return fmt.Errorf("version %d metadata: %w", v.Version, err)
		}
		ww.stats.Versions++
		if len(pages) > 0 {
			latest = &pages[0]
		}
	}
	if err := ww.writeFiles(r); err != nil {
		return err
	}
	if latest == nil {
		return nil
	}
	for _, alias := range r.Aliases {
		p := *latest
		p.URL = alias
		if _, err := ww.page(&p, false); err != nil {
			return fmt.Errorf("alias %s: %w", alias, err)
		}
	}
	return nil
}

// page writes a request record (if withRequest) and a response or revisit
// record for p, and returns the reference a later revisit or metadata
// record would use for the response: the response itself, or the record
// the revisit refers to.
func (ww *writer) page(p *archive.RawPage, withRequest bool) (ref, error) {
	u, err := url.Parse(p.URL)
	if err != nil || u.Host == "" {
		return ref{}, fmt.Errorf("page URL %q is not absolute", p.URL)
	}
	date := p.FetchedAt.UTC()

	b := gowarc.NewRecordBuilder(gowarc.Response, recordOptions...)
	b.AddWarcHeader(gowarc.WarcTargetURI, p.URL)
	b.AddWarcHeaderTime(gowarc.WarcDate, date)
	b.AddWarcHeader(gowarc.WarcWarcinfoID, ww.infoID)
	b.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=response")
	if _, err := b.Write(responseBlock(p)); err != nil {
		b.Close()
		return ref{}, err
	}
	resp, err := build(b)
	if err != nil {
		return ref{}, err
	}
	self := ref{id: resp.RecordId(), uri: p.URL, date: resp.WarcHeader().Get(gowarc.WarcDate)}
	digest := resp.WarcHeader().Get(gowarc.WarcPayloadDigest)
	out, rf := resp, self
	if orig, seen := ww.payload[digest]; seen && orig.uri != p.URL {
		rev, err := resp.ToRevisitRecord(&gowarc.RevisitRef{
			Profile:        gowarc.ProfileIdenticalPayloadDigestV1_1,
			TargetRecordId: orig.id,
			TargetUri:      orig.uri,
			TargetDate:     orig.date,
		})
		resp.Close()
		if err != nil {
			return ref{}, fmt.Errorf("make revisit record: %w", err)
		}
		out, rf = rev, orig
	} else if !seen {
		ww.payload[digest] = self
	}

	if withRequest {
		rb := gowarc.NewRecordBuilder(gowarc.Request, recordOptions...)
		rb.AddWarcHeader(gowarc.WarcTargetURI, p.URL)
		rb.AddWarcHeaderTime(gowarc.WarcDate, date)
		rb.AddWarcHeader(gowarc.WarcWarcinfoID, ww.infoID)
		rb.AddWarcHeader(gowarc.WarcConcurrentTo, "<"+out.RecordId()+">")
		rb.AddWarcHeader(gowarc.ContentType, "application/http;msgtype=request")
		if _, err := rb.WriteString(requestBlock(u)); err != nil {
			rb.Close()
			out.Close()
			return ref{}, err
		}
		req, err := build(rb)
		if err != nil {
			out.Close()
			return ref{}, err
		}
		if err := ww.write(req); err != nil {
			out.Close()
			return ref{}, err
		}
	}
	return rf, ww.write(out)
}

// metadata writes the extracted fields of version v as JSON, referring to
// the response of its first page.
func (ww *writer) metadata(v archive.Record, pages []archive.RawPage, first ref) error {
	body, err := v.MarshalJSON()
	if err != nil {
		return err
	}
	target := v.URL
	date := v.FetchedAt
	if len(pages) > 0 {
		target, date = pages[0].URL, pages[0].FetchedAt
	}
	return ww.jsonMetadata(target, date, first, body)
}

// jsonMetadata writes a metadata record of JSON body about target, dated
// date (now if zero), referring to the record rf when it has an id.
func (ww *writer) jsonMetadata(target string, date time.Time, rf ref, body []byte) error {
	if date.IsZero() {
		date = time.Now()
	}
	b := gowarc.NewRecordBuilder(gowarc.Metadata, recordOptions...)
	b.AddWarcHeader(gowarc.WarcTargetURI, target)
	b.AddWarcHeaderTime(gowarc.WarcDate, date.UTC())
	b.AddWarcHeader(gowarc.WarcWarcinfoID, ww.infoID)
	if rf.id != "" {
		b.AddWarcHeader(gowarc.WarcRefersTo, "<"+rf.id+">")
	}
	b.AddWarcHeader(gowarc.ContentType, "application/json")
	if _, err := b.Write(append(body, '\n')); err != nil {
		b.Close()
		return err
	}
	rec, err := build(b)
	if err != nil {
		return err
	}
	return ww.write(rec)
}

// requestBlock reconstructs the GET request for u.
func requestBlock(u *url.URL) string {
	return "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n\r\n"
}

// renamed are the headers that describe encodings the stored body no
// longer has.
var renamed = []string{"Transfer-Encoding", "Content-Encoding"}

// responseBlock returns the HTTP response of p: status line, headers (see
// the package documentation for the few that are renamed), blank line and
// body.
func responseBlock(p *archive.RawPage) []byte {
	h := p.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	for _, name := range renamed {
		if v, ok := h[name]; ok {
			delete(h, name)
			h["X-Archive-Orig-"+name] = v
		}
	}
	if cl, ok := h["Content-Length"]; ok && (len(cl) != 1 || cl[0] != strconv.Itoa(len(p.Body))) {
		h["X-Archive-Orig-Content-Length"] = cl
		h["Content-Length"] = []string{strconv.Itoa(len(p.Body))}
	}
	text := http.StatusText(p.Status)
	if text == "" {
		text = "Unknown"
	}
	var sb bytes.Buffer
	sb.Grow(256 + len(p.Body))
	fmt.Fprintf(&sb, "HTTP/1.1 %03d %s\r\n", p.Status, text)
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			sb.WriteString(oneLine(name))
			sb.WriteString(": ")
			sb.WriteString(oneLine(v))
			sb.WriteString("\r\n")
		}
	}
	sb.WriteString("\r\n")
	sb.Write(p.Body)
	return sb.Bytes()
}

// oneLine replaces line breaks, which would end a header field early.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

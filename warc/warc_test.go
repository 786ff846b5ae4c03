package warc

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/base32"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gowarc "github.com/nlnwa/gowarc/v3"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/crawl"
	"github.com/hnredstar/crawler/simsite"
)

// readRecord is one record read back by gowarc, with its block read out.
type readRecord struct {
	typ     gowarc.RecordType
	header  *gowarc.WarcFields
	offset  int64
	block   []byte // whole content block
	payload []byte // HTTP body for request and response records
	status  int    // HTTP status of a response
	httpHdr http.Header
}

// readWARC reads every record of the file at path with gowarc under strict
// validation (digests, lengths, syntax) and fails the test on any problem.
func readWARC(t *testing.T, path string) []readRecord {
	t.Helper()
	r, err := gowarc.NewWarcFileReader(path, 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []readRecord
	for rec, err := range r.Records() {
		if err != nil {
			t.Fatalf("record %d: %v", len(out), err)
		}
		if len(rec.Validation) > 0 {
			t.Errorf("record %d: %v", len(out), rec.Validation)
		}
		wr := rec.WarcRecord
		rr := readRecord{typ: wr.Type(), header: wr.WarcHeader(), offset: rec.Offset}
		if vs, err := wr.ValidateDigest(); err != nil || len(vs) > 0 {
			t.Errorf("record %d (%s %s): digest: %v %v", len(out), wr.Type(), wr.WarcHeader().Get(gowarc.WarcTargetURI), err, vs)
		}
		raw, err := wr.Block().RawBytes()
		if err != nil {
			t.Fatal(err)
		}
		if rr.block, err = io.ReadAll(raw); err != nil {
			t.Fatal(err)
		}
		switch b := wr.Block().(type) {
		case gowarc.HttpResponseBlock:
			rr.status, rr.httpHdr = b.HttpStatusCode(), *b.HttpHeader()
			p, err := b.PayloadBytes()
			if err != nil {
				t.Fatal(err)
			}
			rr.payload, _ = io.ReadAll(p)
		case gowarc.HttpRequestBlock:
			rr.httpHdr = *b.HttpHeader()
		}
		rec.Close()
		out = append(out, rr)
	}
	return out
}

// sha1Digest is a WARC digest value as Write makes it.
func sha1Digest(b []byte) string {
	sum := sha1.Sum(b)
	return "sha1:" + base32.StdEncoding.EncodeToString(sum[:])
}

// gzipMembers counts the gzip members of the file at path.
func gzipMembers(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	zr, err := gzip.NewReader(br)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		zr.Multistream(false)
		if _, err := io.Copy(io.Discard, zr); err != nil {
			t.Fatal(err)
		}
		n++
		if err := zr.Reset(br); err == io.EOF {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, a *archive.Archive, opts Options) (string, Stats) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.warc.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	st, err := Write(context.Background(), bw, a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, st
}

func openTestArchive(t *testing.T) *archive.Archive {
	t.Helper()
	a, err := archive.Open(filepath.Join(t.TempDir(), "archive.db"), archive.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func page(url, body string, at time.Time, hdr ...string) archive.RawPage {
	h := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Add(hdr[i], hdr[i+1])
	}
	return archive.RawPage{URL: url, Status: 200, Header: h, Body: []byte(body), FetchedAt: at}
}

func put(t *testing.T, a *archive.Archive, art archive.Article, want archive.Outcome) {
	t.Helper()
	got, err := a.Put(context.Background(), art)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("put %s: %v, want %v", art.URL, got, want)
	}
}

// TestWriteRecords builds an archive with every case the writer handles
// and checks each record read back.
func TestWriteRecords(t *testing.T) {
	a := openTestArchive(t)
	t0 := time.Date(2024, 1, 29, 7, 20, 0, 0, time.UTC)
	const (
		one   = "https://www.hnredstar.gov.cn/c/2024/01/29/1.html"
		alias = "https://www.hnredstar.gov.cn/col/ganbu/202401/t20240129_1.html"
		two   = "https://www.hnredstar.gov.cn/c/2024/01/30/2.html"
		two2  = "https://www.hnredstar.gov.cn/c/2024/01/30/2_2.html"
		three = "https://www.hnredstar.gov.cn/c/2024/01/31/3.html?from=list"
	)
	// Article one: two versions, and an alias.
	put(t, a, archive.Article{URL: one, Title: "标题一", Body: "正文一", Published: t0, FetchedAt: t0,
		Pages: []archive.RawPage{page(one, "<p>正文一</p>", t0, "Content-Encoding", "gzip", "Content-Length", "99")}}, archive.Added)
	put(t, a, archive.Article{URL: one, Title: "标题一", Body: "正文一（更正）", Published: t0, FetchedAt: t0.Add(time.Hour),
		Pages: []archive.RawPage{page(one, "<p>正文一（更正）</p>", t0.Add(time.Hour))}}, archive.Versioned)
	put(t, a, archive.Article{URL: alias, Title: "标题一", Body: "正文一（更正）", Published: t0, FetchedAt: t0.Add(2 * time.Hour),
		Pages: []archive.RawPage{page(alias, "<p>另一模板 正文一（更正）</p>", t0.Add(2*time.Hour))}}, archive.Aliased)
	// Article two: two pages.
	put(t, a, archive.Article{URL: two, Title: "标题二", Body: "第一页\n第二页", Published: t0.Add(24 * time.Hour), FetchedAt: t0,
		Pages: []archive.RawPage{page(two, "<p>第一页</p>", t0), page(two2, "<p>第二页</p>", t0)}}, archive.Added)
	// Article three: other fields, but the same bytes as article one's
	// first version under another URL: a revisit.
	put(t, a, archive.Article{URL: three, Title: "标题三", Body: "正文三", Published: t0.Add(48 * time.Hour), FetchedAt: t0,
		Pages: []archive.RawPage{page(three, "<p>正文一</p>", t0, "Content-Encoding", "gzip", "Content-Length", "99")}}, archive.Added)

	info := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
	path, st := writeFile(t, a, Options{Filename: "out.warc.gz", Date: info, Info: [][2]string{{"operator", "测试\r\nx"}}})
	recs := readWARC(t, path)

	want := Stats{Articles: 3, Versions: 4, Requests: 5, Responses: 4, Revisits: 2, Metadata: 4, Records: 16}
	if st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if len(recs) != want.Records {
		t.Fatalf("read %d records, want %d", len(recs), want.Records)
	}
	if n := gzipMembers(t, path); n != len(recs) {
		t.Errorf("%d gzip members for %d records; each record must be its own member", n, len(recs))
	}

	info0 := recs[0]
	if info0.typ != gowarc.Warcinfo || info0.header.Get(gowarc.WarcFilename) != "out.warc.gz" {
		t.Fatalf("first record %v %v, want warcinfo naming the file", info0.typ, info0.header)
	}
	if d, _ := info0.header.GetTime(gowarc.WarcDate); !d.Equal(info) {
		t.Errorf("warcinfo date %v, want %v", d, info)
	}
	for _, f := range []string{"software: hnredstar-crawler", "format: WARC File Format 1.1", "operator: 测试 x\r\n"} {
		if !bytes.Contains(info0.block, []byte(f)) {
			t.Errorf("warcinfo lacks %q:\n%s", f, info0.block)
		}
	}
	infoID := info0.header.Get(gowarc.WarcRecordID)
	byID := map[string]readRecord{}
	for i, r := range recs {
		if r.header.Get(gowarc.WarcType) == "" || !strings.HasPrefix(r.header.Get(gowarc.WarcRecordID), "<urn:uuid:") {
			t.Errorf("record %d: bad header %v", i, r.header)
		}
		if _, dup := byID[r.header.Get(gowarc.WarcRecordID)]; dup {
			t.Errorf("record %d: duplicate WARC-Record-ID", i)
		}
		byID[r.header.Get(gowarc.WarcRecordID)] = r
		if i > 0 && r.header.Get(gowarc.WarcWarcinfoID) != infoID {
			t.Errorf("record %d: WARC-Warcinfo-ID %q, want %q", i, r.header.Get(gowarc.WarcWarcinfoID), infoID)
		}
		if got := r.header.Get(gowarc.WarcBlockDigest); got != sha1Digest(r.block) {
			t.Errorf("record %d: block digest %s, computed %s", i, got, sha1Digest(r.block))
		}
		if r.typ == gowarc.Response {
			if got := r.header.Get(gowarc.WarcPayloadDigest); got != sha1Digest(r.payload) {
				t.Errorf("record %d: payload digest %s, computed %s", i, got, sha1Digest(r.payload))
			}
		}
	}

	// The sequence of types and targets, in publication order.
	type step struct {
		typ gowarc.RecordType
		uri string
	}
	wantSteps := []step{
		{gowarc.Warcinfo, ""},
		{gowarc.Request, one}, {gowarc.Response, one}, {gowarc.Metadata, one}, // version 1
		{gowarc.Request, one}, {gowarc.Response, one}, {gowarc.Metadata, one}, // version 2
		{gowarc.Revisit, alias},
		{gowarc.Request, two}, {gowarc.Response, two}, {gowarc.Request, two2}, {gowarc.Response, two2}, {gowarc.Metadata, two},
		{gowarc.Request, three}, {gowarc.Revisit, three}, {gowarc.Metadata, three},
	}
	for i, s := range wantSteps {
		if recs[i].typ != s.typ || recs[i].header.Get(gowarc.WarcTargetURI) != s.uri {
			t.Errorf("record %d: %v %s, want %v %s", i, recs[i].typ, recs[i].header.Get(gowarc.WarcTargetURI), s.typ, s.uri)
		}
	}

	t.Run("response", func(t *testing.T) {
		r := recs[2]
		if r.status != 200 || string(r.payload) != "<p>正文一</p>" {
			t.Errorf("status %d payload %q", r.status, r.payload)
		}
		if d, _ := r.header.GetTime(gowarc.WarcDate); !d.Equal(t0) {
			t.Errorf("WARC-Date %v, want the fetch time %v", d, t0)
		}
		h := r.httpHdr
		if h.Get("Content-Encoding") != "" || h.Get("X-Archive-Orig-Content-Encoding") != "gzip" {
			t.Errorf("Content-Encoding not renamed: %v", h)
		}
		if h.Get("Content-Length") != "16" || h.Get("X-Archive-Orig-Content-Length") != "99" {
			t.Errorf("Content-Length not fixed: %v", h)
		}
		if !strings.HasPrefix(string(r.block), "HTTP/1.1 200 OK\r\n") {
			t.Errorf("status line: %q", r.block[:30])
		}
	})
	t.Run("request", func(t *testing.T) {
		r := recs[13]
		if !strings.HasPrefix(string(r.block), "GET /c/2024/01/31/3.html?from=list HTTP/1.1\r\nHost: www.hnredstar.gov.cn\r\n") {
			t.Errorf("request block %q", r.block)
		}
		if r.header.Get(gowarc.WarcConcurrentTo) != recs[14].header.Get(gowarc.WarcRecordID) {
			t.Errorf("request not concurrent to its response")
		}
	})
	t.Run("revisit", func(t *testing.T) {
		for _, c := range []struct {
			rev, orig int
		}{{7, 5}, {14, 2}} {
			rev, orig := recs[c.rev], recs[c.orig]
			h := rev.header
			if h.Get(gowarc.WarcProfile) != gowarc.ProfileIdenticalPayloadDigestV1_1 ||
				h.Get(gowarc.WarcRefersTo) != orig.header.Get(gowarc.WarcRecordID) ||
				h.Get(gowarc.WarcRefersToTargetURI) != orig.header.Get(gowarc.WarcTargetURI) ||
				h.Get(gowarc.WarcRefersToDate) != orig.header.Get(gowarc.WarcDate) ||
				h.Get(gowarc.WarcPayloadDigest) != orig.header.Get(gowarc.WarcPayloadDigest) {
				t.Errorf("revisit %d does not refer to response %d:\n%v\n%v", c.rev, c.orig, h, orig.header)
			}
			if !bytes.HasPrefix(rev.block, []byte("HTTP/1.1 200 OK\r\n")) || !bytes.HasSuffix(rev.block, []byte("\r\n\r\n")) {
				t.Errorf("revisit %d block is not the response headers: %q", c.rev, rev.block)
			}
		}
	})
	t.Run("metadata", func(t *testing.T) {
		for _, c := range []struct {
			meta, resp int
			body       string
			version    int
		}{{3, 2, "正文一", 1}, {6, 5, "正文一（更正）", 2}, {12, 9, "第一页\n第二页", 1}, {15, 2, "正文三", 1}} {
			m := recs[c.meta]
			if m.header.Get(gowarc.ContentType) != "application/json" || m.header.Get(gowarc.WarcRefersTo) != recs[c.resp].header.Get(gowarc.WarcRecordID) {
				t.Errorf("metadata %d: %v", c.meta, m.header)
			}
			var rec archive.Record
			if err := json.Unmarshal(m.block, &rec); err != nil {
				t.Fatalf("metadata %d: %v", c.meta, err)
			}
			if rec.Body != c.body || rec.Version != c.version {
				t.Errorf("metadata %d: body %q version %d, want %q %d", c.meta, rec.Body, rec.Version, c.body, c.version)
			}
		}
	})
	t.Run("seek", func(t *testing.T) {
		// Every offset reported by the reader starts a record that can be
		// read on its own.
		for _, i := range []int{7, 12} {
			r, err := gowarc.NewWarcFileReader(path, recs[i].offset, gowarc.WithStrictValidation())
			if err != nil {
				t.Fatal(err)
			}
			rec, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if rec.WarcRecord.RecordId() != strings.Trim(recs[i].header.Get(gowarc.WarcRecordID), "<>") {
				t.Errorf("offset %d: record %s", recs[i].offset, rec.WarcRecord.RecordId())
			}
			rec.Close()
			r.Close()
		}
	})
}

func TestWriteFilter(t *testing.T) {
	a := openTestArchive(t)
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, u := range []string{"https://h.example/a.html", "https://h.example/b.html", "https://h.example/c.html"} {
		at := t0.AddDate(0, i, 0)
		put(t, a, archive.Article{URL: u, Title: u, Body: "body", Column: []string{"要闻", "组工", "要闻"}[i], Published: at, FetchedAt: at,
			Pages: []archive.RawPage{page(u, u, at)}}, archive.Added)
	}
	_, st := writeFile(t, a, Options{
		Filter: archive.Filter{Since: t0.AddDate(0, 1, 0), Until: t0.AddDate(0, 2, 0)},
	})
	if st.Articles != 1 || st.Responses != 1 || st.Records != 4 {
		t.Errorf("filtered export: %+v, want the one record from February", st)
	}
}

func TestWriteStopsWhenCancelled(t *testing.T) {
	a := openTestArchive(t)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	put(t, a, archive.Article{URL: "https://h.example/a.html", Title: "a", Body: "b", Published: at,
		Pages: []archive.RawPage{page("https://h.example/a.html", "x", at)}}, archive.Added)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Write(ctx, io.Discard, a, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

// TestWriteSimulatedSite backfills the simulated site and checks that
// every archived page and alias is in the WARC with correct digests.
func TestWriteSimulatedSite(t *testing.T) {
	if testing.Short() {
		t.Skip("backfills the simulated site")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 4, Articles: 60, Columns: 5, SlowDelay: -1})
	defer srv.Close()
	a := openTestArchive(t)
	res, err := crawl.Run(context.Background(), a, crawl.Options{
		StartURLs: []string{srv.URL + "/"}, AllowedDomains: []string{"127.0.0.1"},
		Parallelism: 4, Timeout: 10 * time.Second, MaxRetries: 3, AllowPrivateNetworks: true, Mode: crawl.Backfill,
	})
	if err != nil || res.Added == 0 {
		t.Fatalf("backfill: %+v %v", res, err)
	}

	// What the archive holds: every raw page by URL, every alias.
	type pageKey struct{ url, digest string }
	wantPages := map[pageKey]int{}
	wantAliases := map[string]bool{}
	records, multiPage := 0, 0
	files, fileLinks := map[string]bool{}, 0 // stored files, and links to them
	err = a.ForEach(context.Background(), archive.Filter{}, func(r archive.Record) error {
		records++
		ps, err := a.RawPages(r.ID, 0)
		if err != nil {
			return err
		}
		if len(ps) > 1 {
			multiPage++
		}
		for _, p := range ps {
			wantPages[pageKey{p.URL, sha1Digest(p.Body)}]++
		}
		for _, al := range r.Aliases {
			wantAliases[al] = true
		}
		for _, u := range r.Attachments {
			f, body, err := a.FileBody(u)
			if err != nil || !f.Stored() {
				continue
			}
			fileLinks++
			if !files[f.URL] {
				files[f.URL] = true
				wantPages[pageKey{u, sha1Digest(body)}]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pages, aliases := 0, len(wantAliases)
	for _, n := range wantPages {
		pages += n
	}
	if len(wantAliases) == 0 || multiPage == 0 || len(files) == 0 {
		t.Fatalf("the simulated site should give aliases (%d), multi-page articles (%d) and attachments (%d)", len(wantAliases), multiPage, len(files))
	}
	pages -= len(files)

	path, st := writeFile(t, a, Options{})
	recs := readWARC(t, path)
	if len(recs) != st.Records || gzipMembers(t, path) != len(recs) {
		t.Errorf("read %d records, wrote %d", len(recs), st.Records)
	}
	if st.Articles != records || st.Metadata != records+fileLinks || st.Files != len(files) {
		t.Errorf("stats %+v for %d records, %d files and %d links to them", st, records, len(files), fileLinks)
	}
	responses := map[string]readRecord{}
	for _, r := range recs {
		id := r.header.Get(gowarc.WarcRecordID)
		switch r.typ {
		case gowarc.Response:
			responses[id] = r
			k := pageKey{r.header.Get(gowarc.WarcTargetURI), r.header.Get(gowarc.WarcPayloadDigest)}
			if wantPages[k] == 0 {
				t.Errorf("response %s with payload %s is not an archived page (or is there twice)", k.url, k.digest)
			}
			wantPages[k]--
		case gowarc.Revisit:
			orig, ok := responses[r.header.Get(gowarc.WarcRefersTo)]
			if !ok {
				t.Errorf("revisit of %s refers to no earlier response", r.header.Get(gowarc.WarcTargetURI))
				continue
			}
			uri := r.header.Get(gowarc.WarcTargetURI)
			if wantAliases[uri] {
				delete(wantAliases, uri)
				continue
			}
			k := pageKey{uri, orig.header.Get(gowarc.WarcPayloadDigest)}
			if wantPages[k] == 0 {
				t.Errorf("revisit %s is neither an alias nor an archived page", uri)
			}
			wantPages[k]--
		}
	}
	for k, n := range wantPages {
		if n != 0 {
			t.Errorf("archived page %s: %d left unwritten", k.url, n)
		}
	}
	for al := range wantAliases {
		t.Errorf("alias %s has no revisit record", al)
	}
	if st.Requests != pages+len(files) || st.Revisits != pages+len(files)+aliases-st.Responses {
		t.Errorf("stats %+v for %d pages and %d aliases", st, pages, aliases)
	}
}

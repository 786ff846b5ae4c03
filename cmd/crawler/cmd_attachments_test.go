package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	gowarc "github.com/nlnwa/gowarc/v3"
)

// attachmentSite serves a column list and articles linking attachments,
// and counts the requests for each file.
type attachmentSite struct {
	srv    *httptest.Server
	second atomic.Bool // whether the list shows the second article
	files  map[string][]byte
	mu     sync.Mutex
	hits   map[string]int
}

func (s *attachmentSite) count(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[p]
}

const attachmentCap = 4096

func newAttachmentSite(t *testing.T) *attachmentSite {
	t.Helper()
	noise := make([]byte, 3000) // incompressible: stored as it is
	r := rand.New(rand.NewPCG(7, 7))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	s := &attachmentSite{hits: map[string]int{}, files: map[string][]byte{
		"/files/table.xlsx":  noise,
		"/files/notice.pdf":  []byte("%PDF-1.4\n%招考公告\n%%EOF\n"),
		"/files/list.xls":    append([]byte{0xd0, 0xcf, 0x11, 0xe0}, bytes.Repeat([]byte{1}, 500)...),
		"/files/huge.zip":    make([]byte, attachmentCap+100),
		"/files/a/dup.doc":   []byte("first dup.doc\n"),
		"/files/b/dup.doc":   []byte("second dup.doc\n"),
		"/files/same-as.pdf": []byte("%PDF-1.4\n%招考公告\n%%EOF\n"),
	}}
	article := func(title string, links ...string) string {
		var b strings.Builder
		for _, l := range links {
			fmt.Fprintf(&b, `<p><a href="%s">附件</a></p>`, l)
		}
		return `<html><head><meta charset="utf-8"><title>` + title + `</title></head><body><h1>` + title +
			`</h1><div class="info">来源：红星网 时间：2024-01-29 15:20</div><div class="content">` +
			strings.Repeat("<p>这是一段足够长的正文，用来让页面看起来像一篇文章，而不是导航或列表页面。</p>", 12) +
			b.String() + `</div></body></html>`
	}
	mux := http.NewServeMux()
	html := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(body))
		}
	}
	mux.HandleFunc("/files/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		body, ok := s.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/files/table.xlsx" {
			w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape("2024年考试录用公务员职位表.xlsx"))
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
	mux.HandleFunc("/c/2024/01/29/1.html", html(article("考试录用公务员公告", "/files/table.xlsx", "/files/notice.pdf", "/files/huge.zip", "/files/a/dup.doc", "/files/b/dup.doc")))
	mux.HandleFunc("/c/2024/01/30/2.html", html(article("资格复审人员名单", "/files/table.xlsx", "/files/list.xls", "/files/same-as.pdf")))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		items := `<li><a href="/c/2024/01/29/1.html">考试录用公务员公告发布</a><span>2024-01-29</span></li>`
		if s.second.Load() {
			items = `<li><a href="/c/2024/01/30/2.html">资格复审人员名单公示</a><span>2024-01-30</span></li>` + items
		}
		html(`<html><head><title>通知公告</title></head><body><ul>`+items+`</ul></body></html>`)(w, r)
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// TestAttachmentsEndToEnd runs the commands a user would: a backfill, a
// cron crawl that finds a new article, a WARC export, attachments DIR,
// stats, and verify before and after a stored file is damaged on disk.
func TestAttachmentsEndToEnd(t *testing.T) {
	site := newAttachmentSite(t)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`site:
  start_urls: ["%s/"]
  allowed_domains: ["127.0.0.1"]
  list_url_patterns: ['^http://127\.0\.0\.1:\d+/$']
crawl:
  delay: 0s
  allow_private_networks: true
  max_attachment_bytes: %d
`, site.srv.URL, attachmentCap)), 0o600)
	db := filepath.Join(t.TempDir(), "archive.db")
	run := func(args ...string) string {
		t.Helper()
		code, out, errOut := cli(t, append(args, "--config", cfg, "--archive", db, "-q")...)
		if code != exitOK {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errOut)
		}
		return out + errOut
	}
	out := run("backfill")
	if !strings.Contains(out, "files: 4 stored (3.0 KiB), 1 too large, 0 failed") {
		t.Errorf("backfill summary:\n%s", out)
	}
	site.second.Store(true)
	out = run("crawl")
	if !strings.Contains(out, "files: 2 stored") {
		t.Errorf("crawl summary:\n%s", out)
	}
	run("crawl")
	for p := range site.files {
		if n := site.count(p); n != 1 {
			t.Errorf("%s fetched %d times, want once", p, n)
		}
	}
	if out := run("stats"); !strings.Contains(out, "files:       6 (5 contents") || !strings.Contains(out, "1 too large") {
		t.Errorf("stats:\n%s", out)
	}

	// WARC: every stored file once, with its bytes.
	warcPath := filepath.Join(t.TempDir(), "out.warc.gz")
	run("export", "--format", "warc", "-o", warcPath)
	got := map[string][]byte{}
	rd, err := gowarc.NewWarcFileReader(warcPath, 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	for rec, err := range rd.Records() {
		if err != nil {
			t.Fatal(err)
		}
		if b, ok := rec.WarcRecord.Block().(gowarc.HttpResponseBlock); ok && rec.WarcRecord.Type() == gowarc.Response {
			if p, err := b.PayloadBytes(); err == nil {
				buf := new(bytes.Buffer)
				buf.ReadFrom(p)
				got[rec.WarcRecord.WarcHeader().Get(gowarc.WarcTargetURI)] = buf.Bytes()
			}
		}
		rec.Close()
	}
	rd.Close()
	for p, body := range site.files {
		b, ok := got[site.srv.URL+p]
		if p == "/files/huge.zip" {
			if ok {
				t.Errorf("the file over the cap is in the WARC")
			}
			continue
		}
		if p == "/files/same-as.pdf" {
			continue // a revisit of notice.pdf: same bytes
		}
		if !bytes.Equal(b, body) {
			t.Errorf("WARC response for %s: %d bytes, want the %d served", p, len(b), len(body))
		}
	}

	// attachments DIR, twice: the second run finds everything in place.
	dir := filepath.Join(t.TempDir(), "files")
	run("attachments", dir)
	if out := run("attachments", dir); !strings.Contains(out, "wrote 0 files") || !strings.Contains(out, "7 already there") {
		t.Errorf("second attachments run: %s", out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []manifestEntry
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e manifestEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("manifest line %q: %v", line, err)
		}
		entries = append(entries, e)
	}
	if len(entries) != 7 { // 4 of the first article, 3 of the second; not huge.zip
		t.Errorf("%d manifest entries, want 7", len(entries))
	}
	files := map[string]bool{}
	for _, e := range entries {
		u, _ := url.Parse(e.URL)
		served := site.files[u.Path]
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.File)))
		if err != nil {
			t.Error(err)
			continue
		}
		sum := sha256.Sum256(served)
		if !bytes.Equal(b, served) || e.SHA256 != hex.EncodeToString(sum[:]) || e.Size != int64(len(served)) {
			t.Errorf("%s: %d bytes, sha256 %s, size %d; served %d bytes", e.File, len(b), e.SHA256, e.Size, len(served))
		}
		files[e.File] = true
	}
	first := entries[0].Article
	for _, want := range []string{first + "/2024年考试录用公务员职位表.xlsx", first + "/dup.doc", first + "/dup (2).doc", first + "/notice.pdf"} {
		if !files[want] {
			t.Errorf("no file %s among %v", want, files)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*", ".*"))
	if top, _ := filepath.Glob(filepath.Join(dir, ".*")); len(leftovers)+len(top) > 0 {
		t.Errorf("temporary files left: %v %v", leftovers, top)
	}

	// verify: sound, then a stored file damaged on disk.
	if out := run("verify"); !strings.Contains(out, "no problems found") {
		t.Errorf("verify:\n%s", out)
	}
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	// bbolt writes copies: damage every one, as bit rot in the page in
	// use would.
	stored, damaged := site.files["/files/table.xlsx"], 0
	for i := bytes.Index(raw, stored); i >= 0; i = bytes.Index(raw, stored) {
		raw[i+10] ^= 0xFF
		damaged++
	}
	if damaged == 0 {
		t.Fatal("the stored xlsx is not in the archive file as it is")
	}
	if err := os.WriteFile(db, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := cli(t, "verify", "--config", cfg, "--archive", db)
	if code != exitError || !strings.Contains(out, "blobs sha256:") {
		t.Errorf("verify of a damaged file: exit %d\n%s", code, out)
	}
}

func TestSafeName(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	cases := []struct{ name, ctype, want string }{
		{"职位表.xlsx", "", "职位表.xlsx"},
		{`a<b>:c"d|e?f*.pdf`, "", "a_b__c_d_e_f_.pdf"},
		{"..", "", "file-abababababab"},
		{"", "application/pdf", "file-abababababab.pdf"},
		{".hidden.doc", "", "hidden.doc"},
		{"CON.txt", "", "_CON.txt"},
		{"nul", "", "_nul"},
		{"line\nbreak.doc", "", "line_break.doc"},
		{strings.Repeat("长", 100) + ".xlsx", "", strings.Repeat("长", 65) + ".xlsx"},
	}
	for _, c := range cases {
		if got := safeName(c.name, c.ctype, hash); got != c.want {
			t.Errorf("safeName(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	taken := map[string]bool{}
	var got []string
	for _, n := range []string{"a.pdf", "A.pdf", "a.pdf", "b"} {
		got = append(got, uniqueName(n, taken))
	}
	if want := []string{"a.pdf", "A (2).pdf", "a (3).pdf", "b"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("uniqueName: %q, want %q", got, want)
	}
}

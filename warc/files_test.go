package warc

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	gowarc "github.com/nlnwa/gowarc/v3"

	"github.com/hnredstar/crawler/archive"
)

// TestWriteFiles checks that stored attachments are written once each, as
// responses holding their exact bytes, with a metadata record per article
// that links them; files not stored are left out.
func TestWriteFiles(t *testing.T) {
	a := openTestArchive(t)
	at := time.Date(2024, 1, 29, 15, 20, 0, 0, time.UTC)
	const (
		xlsx = "https://img.hxw.gov.cn/2024/01-29/5f0c.xlsx"
		pdf  = "https://www.hxw.gov.cn/files/notice.pdf"
		big  = "https://www.hxw.gov.cn/files/big.zip"
	)
	xlsxBody := append([]byte("PK\x03\x04"), bytes.Repeat([]byte("职位表"), 500)...)
	pdfBody := []byte("%PDF-1.4\n%%EOF\n")
	for i, u := range []string{"https://www.hxw.gov.cn/content/2024/01/29/1.html", "https://www.hxw.gov.cn/content/2024/01/30/2.html"} {
		put(t, a, archive.Article{
			URL: u, Title: "职位表" + string(rune('一'+i)), Body: "正文", Published: at.Add(time.Duration(i) * time.Hour),
			Attachments: []string{xlsx, pdf, big}, FetchedAt: at,
			Pages: []archive.RawPage{page(u, "<html>", at)},
		}, archive.Added)
	}
	files := []struct {
		f    archive.File
		body []byte
	}{
		{archive.File{URL: xlsx, State: archive.FileStored, Status: 200, Name: "职位表.xlsx", FetchedAt: at,
			Header: http.Header{"Content-Type": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, "Content-Length": {"9"}}}, xlsxBody},
		{archive.File{URL: pdf, State: archive.FileStored, Status: 200, Name: "notice.pdf", FetchedAt: at}, pdfBody},
		{archive.File{URL: big, State: archive.FileTooLarge, Status: 200, Size: 1 << 30, FetchedAt: at}, nil},
	}
	for _, f := range files {
		if err := a.PutFile(f.f, f.body); err != nil {
			t.Fatal(err)
		}
	}

	path, st := writeFile(t, a, Options{})
	if st.Files != 2 {
		t.Errorf("Stats.Files = %d, want 2", st.Files)
	}
	recs := readWARC(t, path)
	responses := map[string]readRecord{}
	ids := map[string]string{} // record ID → target URI
	var metas []fileMeta
	var refers []string
	for _, r := range recs {
		uri := r.header.Get(gowarc.WarcTargetURI)
		ids[r.header.Get(gowarc.WarcRecordID)] = uri
		switch {
		case r.typ == gowarc.Response:
			if _, dup := responses[uri]; dup && (uri == xlsx || uri == pdf) {
				t.Errorf("file %s written twice", uri)
			}
			responses[uri] = r
		case r.typ == gowarc.Metadata && (uri == xlsx || uri == pdf || uri == big):
			var m fileMeta
			if err := json.Unmarshal(r.block, &m); err != nil {
				t.Fatal(err)
			}
			metas = append(metas, m)
			refers = append(refers, r.header.Get(gowarc.WarcRefersTo))
		}
	}
	for u, body := range map[string][]byte{xlsx: xlsxBody, pdf: pdfBody} {
		r, ok := responses[u]
		switch {
		case !ok:
			t.Errorf("no response for %s", u)
		case !bytes.Equal(r.payload, body):
			t.Errorf("%s: payload of %d bytes, want the %d stored", u, len(r.payload), len(body))
		case r.header.Get(gowarc.WarcPayloadDigest) != sha1Digest(body):
			t.Errorf("%s: payload digest %s, want %s", u, r.header.Get(gowarc.WarcPayloadDigest), sha1Digest(body))
		}
	}
	if _, ok := responses[big]; ok {
		t.Error("a file not stored was written")
	}
	if len(metas) != 4 {
		t.Fatalf("%d file metadata records, want 2 files × 2 articles", len(metas))
	}
	for i, m := range metas {
		if ids[refers[i]] != m.URL {
			t.Errorf("metadata of %s refers to %s (%s)", m.URL, refers[i], ids[refers[i]])
		}
		if m.URL == xlsx && (m.Name != "职位表.xlsx" || m.Size != int64(len(xlsxBody)) || len(m.SHA256) != 64) {
			t.Errorf("metadata %+v", m)
		}
	}
	if metas[0].Article == metas[2].Article {
		t.Errorf("both articles' metadata name article %s", metas[0].Article)
	}
}

// TestWritePageFiles checks that the files list pages link are written as
// responses once each (also when an article links the same file), with a
// metadata record per linking page naming it, and only in exports of the
// whole archive.
func TestWritePageFiles(t *testing.T) {
	a := openTestArchive(t)
	at := time.Date(2024, 1, 29, 15, 20, 0, 0, time.UTC)
	const (
		topic  = "https://www.hxw.gov.cn/topic/118/"
		topic2 = "https://www.hxw.gov.cn/topic/118/index_2.html"
		own    = "https://img.hxw.gov.cn/2024/01-15/own.xlsx"
		shared = "https://img.hxw.gov.cn/2024/01-29/shared.pdf"
		failed = "https://img.hxw.gov.cn/2024/01-29/gone.pdf"
	)
	u := "https://www.hxw.gov.cn/content/2024/01/29/1.html"
	put(t, a, archive.Article{URL: u, Title: "公告", Body: "正文", Published: at, Attachments: []string{shared}, FetchedAt: at,
		Pages: []archive.RawPage{page(u, "<html>", at)}}, archive.Added)
	ownBody, sharedBody := []byte("PK\x03\x04 职位表"), []byte("%PDF-1.4\n%%EOF\n")
	for _, f := range []struct {
		f    archive.File
		body []byte
	}{
		{archive.File{URL: own, State: archive.FileStored, Status: 200, Name: "职位表.xlsx", FetchedAt: at}, ownBody},
		{archive.File{URL: shared, State: archive.FileStored, Status: 200, Name: "公告.pdf", FetchedAt: at}, sharedBody},
		{archive.File{URL: failed, State: archive.FileFailed, Status: 404, Err: "HTTP 404", FetchedAt: at}, nil},
	} {
		if err := a.PutFile(f.f, f.body); err != nil {
			t.Fatal(err)
		}
	}
	for p, files := range map[string][]string{topic: {own, shared, failed}, topic2: {own}} {
		if _, err := a.AddPageFiles(p, files); err != nil {
			t.Fatal(err)
		}
	}

	path, st := writeFile(t, a, Options{})
	if st.Files != 2 || st.PageFiles != 3 {
		t.Errorf("Stats.Files = %d, PageFiles = %d; want 2 and 3", st.Files, st.PageFiles)
	}
	responses := map[string]int{}
	ids := map[string]string{}
	var pageMetas []string
	for _, r := range readWARC(t, path) {
		uri := r.header.Get(gowarc.WarcTargetURI)
		ids[r.header.Get(gowarc.WarcRecordID)] = uri
		switch r.typ {
		case gowarc.Response:
			responses[uri]++
			if uri == own && !bytes.Equal(r.payload, ownBody) {
				t.Errorf("%s: payload %q", uri, r.payload)
			}
		case gowarc.Metadata:
			var m fileMeta
			if json.Unmarshal(r.block, &m) != nil || m.Page == "" {
				continue
			}
			if ids[r.header.Get(gowarc.WarcRefersTo)] != m.URL || m.Article != "" || len(m.SHA256) != 64 {
				t.Errorf("page file metadata %+v refers to %s", m, ids[r.header.Get(gowarc.WarcRefersTo)])
			}
			pageMetas = append(pageMetas, m.Page+" "+m.URL)
		}
	}
	if responses[own] != 1 || responses[shared] != 1 || responses[failed] != 0 {
		t.Errorf("responses per file: %v", responses)
	}
	want := []string{topic + " " + own, topic + " " + shared, topic2 + " " + own}
	if !slices.Equal(pageMetas, want) {
		t.Errorf("page metadata\n%v\nwant\n%v", pageMetas, want)
	}

	_, st = writeFile(t, a, Options{Filter: archive.Filter{Since: at.Add(-time.Hour)}})
	if st.PageFiles != 0 || st.Files != 1 {
		t.Errorf("export of some articles: %d page file ties, %d files; want 0 and the article's 1", st.PageFiles, st.Files)
	}
}

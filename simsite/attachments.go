package simsite

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// attachmentTypes maps the extension of an attachment link to the content
// type served for it and the first bytes of such a file.
var attachmentTypes = map[string]struct {
	ctype string
	magic string
}{
	".pdf":  {"application/pdf", "%PDF-1.4\n"},
	".doc":  {"application/msword", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"},
	".xls":  {"application/vnd.ms-excel", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"},
	".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK\x03\x04"},
	".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\x03\x04"},
	".zip":  {"application/zip", "PK\x03\x04"},
}

// AttachmentBody returns the bytes and content type the site serves for
// the attachment at urlPath (a URL's path), and whether urlPath names an
// attachment at all. The bytes depend on the path only: every attachment
// link of an article is served, each with bytes of its own, the same on
// every run and for every seed. Spreadsheets (.xls, .xlsx) are sent with
// a Content-Disposition naming them in Chinese, as RFC 6266 filename*.
func AttachmentBody(urlPath string) (body []byte, contentType string, ok bool) {
	t, ok := attachmentTypes[strings.ToLower(path.Ext(urlPath))]
	if !ok {
		return nil, "", false
	}
	r := rand.New(rand.NewPCG(hashBytes([]byte(urlPath)), 0x5eed))
	b := []byte(t.magic + "simsite attachment " + urlPath + "\n")
	for range 256 + r.IntN(1792) {
		b = append(b, byte(r.Uint32()))
	}
	return b, t.ctype, true
}

// attachmentName is the name a spreadsheet attachment is sent under.
func attachmentName(urlPath string) string {
	return fmt.Sprintf("附件_%s", path.Base(urlPath))
}

// isAttachmentPath reports whether urlPath names an attachment file.
func isAttachmentPath(urlPath string) bool {
	_, ok := attachmentTypes[strings.ToLower(path.Ext(urlPath))]
	return ok
}

// serveAttachment answers an attachment link with AttachmentBody.
func (s *Site) serveAttachment(wr http.ResponseWriter, r *http.Request) {
	s.stateMu.Lock()
	s.fileHits[r.URL.Path]++
	s.stateMu.Unlock()
	body, ctype, ok := AttachmentBody(r.URL.Path)
	if !ok {
		s.notFound(wr, r)
		return
	}
	if ext := strings.ToLower(path.Ext(r.URL.Path)); ext == ".xls" || ext == ".xlsx" {
		wr.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(attachmentName(r.URL.Path)))
	}
	s.send(wr, r, http.StatusOK, ctype, body)
}

package crawl

import (
	"encoding/json"
	"mime"
	"path"
	"strings"
)

// entry is one URL of the frontier, persisted in the archive as JSON so an
// interrupted run resumes, and so later runs know what each page was.
type entry struct {
	URL    string `json:"u"`
	Via    via    `json:"v,omitempty"`
	Column string `json:"c,omitempty"` // the column of the list it was found under
	Depth  int    `json:"d,omitempty"` // navigation hops from a start or list page
	Tries  int    `json:"t,omitempty"` // failed attempts in earlier runs
	Err    string `json:"e,omitempty"` // the last failure
	// Found is what the page turned out to be, once fetched.
	Found string `json:"f,omitempty"`
	// ETag and LastModified validate a conditional request next time.
	ETag         string `json:"et,omitempty"`
	LastModified string `json:"lm,omitempty"`

	Key string `json:"-"` // canonical URL, the frontier key
}

// via says how a URL was found, which orders the frontier (articles
// first, so memory stays small) and decides which limits apply.
type via uint8

const (
	viaLink       via = iota // a navigation link: depth and query-variant caps apply
	viaStart                 // a start URL
	viaItem                  // an item of a list page, or a multi-page article's first page
	viaPagination            // another page of a list
)

// What a fetched page was.
const (
	foundList      = "list"
	foundArticle   = "article"
	foundOther     = "other"
	foundDead      = "dead"
	foundChallenge = "challenge"
	foundRedirect  = "redirect"
	foundFailed    = "failed"
)

func (e *entry) encode() []byte {
	b, _ := json.Marshal(e) // cannot fail: strings and integers only
	return b
}

func decodeEntry(b []byte) (entry, error) {
	var e entry
	err := json.Unmarshal(b, &e)
	return e, err
}

// isMarkup reports whether a Content-Type is HTML or XML (or missing, as on
// some government servers).
func isMarkup(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return true
	}
	return strings.Contains(mt, "html") || strings.Contains(mt, "xml") || mt == "text/plain"
}

// skippedExt lists file types never fetched as pages: attachments, media,
// styles and scripts. Attachments are recorded on their article instead.
func skippedExt(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg", ".ico",
		".css", ".js", ".json", ".woff", ".woff2", ".ttf",
		".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".wps", ".et",
		".zip", ".rar", ".7z", ".gz", ".tar",
		".mp3", ".mp4", ".avi", ".flv", ".wmv", ".mov", ".swf", ".exe", ".apk":
		return true
	}
	return false
}

package crawl

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"mime"
	"path"
	"slices"
	"strings"
)

// entry is one URL of the frontier, persisted in the archive (see encode)
// so that an interrupted run resumes, and so that later runs know what
// each page was. The JSON names are those of the archive's list of
// columns, and of frontier values written by earlier versions.
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

// Frontier values. A value is entryFormat, the entry's via and found
// codes, a byte of presence bits (entryURL...), then the present fields in
// that order: strings as a uvarint length and bytes, numbers as uvarints.
// The URL is left out when it is its own canonical form, the frontier key,
// as it nearly always is. Archives written before this format hold JSON
// objects, which decodeEntry still reads.
const entryFormat = 0x01

// Presence bits of an encoded entry's optional fields.
const (
	entryURL = 1 << iota
	entryColumn
	entryDepth
	entryTries
	entryErr
	entryETag
	entryLastModified
)

// foundCodes are the codes of the found values, by position (0: not
// fetched yet).
var foundCodes = [...]string{"", foundList, foundArticle, foundOther, foundDead, foundChallenge, foundRedirect, foundFailed}

// encode returns e as the value of frontier key key.
func (e *entry) encode(key string) []byte {
	found := slices.Index(foundCodes[:], e.Found)
	if found < 0 {
		// Only a value read from another version's archive could be
		// unknown; the page was fetched, so it is kept as other.
		found = slices.Index(foundCodes[:], foundOther)
	}
	var bits byte
	b := make([]byte, 0, 16+len(e.Column)+len(e.Err)+len(e.ETag)+len(e.LastModified))
	b = append(b, entryFormat, byte(e.Via), byte(found), 0)
	str := func(bit byte, s string) {
		if s != "" {
			bits |= bit
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	num := func(bit byte, n int) {
		if n > 0 {
			bits |= bit
			b = binary.AppendUvarint(b, uint64(n))
		}
	}
	if e.URL != key {
		str(entryURL, e.URL)
	}
	str(entryColumn, e.Column)
	num(entryDepth, e.Depth)
	num(entryTries, e.Tries)
	str(entryErr, e.Err)
	str(entryETag, e.ETag)
	str(entryLastModified, e.LastModified)
	b[3] = bits
	return b
}

// errBadEntry is returned for a frontier value decodeEntry cannot read.
var errBadEntry = errors.New("unreadable frontier entry")

// decodeEntry reads the value of frontier key key, in either format.
func decodeEntry(key string, b []byte) (entry, error) {
	e := entry{URL: key, Key: key}
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &e); err != nil {
			return entry{}, err
		}
		if e.URL == "" {
			return entry{}, errBadEntry
		}
		return e, nil
	}
	if len(b) < 4 || b[0] != entryFormat || int(b[2]) >= len(foundCodes) {
		return entry{}, errBadEntry
	}
	e.Via, e.Found = via(b[1]), foundCodes[b[2]]
	bits, b := b[3], b[4:]
	num := func(bit byte, n *int) bool {
		if bits&bit == 0 {
			return true
		}
		v, k := binary.Uvarint(b)
		if k <= 0 || v > math.MaxInt32 {
			return false
		}
		*n, b = int(v), b[k:]
		return true
	}
	str := func(bit byte, s *string) bool {
		var n int
		if !num(bit, &n) || n > len(b) {
			return false
		}
		if bits&bit != 0 {
			*s, b = string(b[:n]), b[n:]
		}
		return true
	}
	ok := str(entryURL, &e.URL) && str(entryColumn, &e.Column) && num(entryDepth, &e.Depth) &&
		num(entryTries, &e.Tries) && str(entryErr, &e.Err) && str(entryETag, &e.ETag) &&
		str(entryLastModified, &e.LastModified)
	if !ok || len(b) != 0 || bits >= entryLastModified<<1 || e.URL == "" {
		return entry{}, errBadEntry
	}
	return e, nil
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

package archive

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// cst is China Standard Time, the zone records are exported in.
var cst = time.FixedZone("CST", 8*3600)

// Record is one version of an archived article, as exported.
type Record struct {
	// ID identifies the record: its sequence number in the archive as ten
	// zero-padded decimal digits ("0000000042"). It never changes, but two
	// archives built separately number records differently.
	ID  string `json:"id"`
	URL string `json:"url"` // canonical URL the record was added under
	// Title ... Editor are as extracted for this version.
	Title     string    `json:"title"`
	Source    string    `json:"source"`
	Published time.Time `json:"published"` // in CST (+08:00); zero if unknown (JSON null)
	Body      string    `json:"body"`
	Column    string    `json:"column"`
	// Images and Attachments are URLs as extracted; never nil.
	Images      []string  `json:"images"`
	Attachments []string  `json:"attachments"`
	Author      string    `json:"author,omitempty"`
	Editor      string    `json:"editor,omitempty"`
	FetchedAt   time.Time `json:"fetched_at"`   // in CST; zero if unknown (JSON null)
	ContentHash string    `json:"content_hash"` // "sha256:" + 64 hex digits; see ContentHash
	Aliases     []string  `json:"aliases"`      // other canonical URLs with this content; never nil
	Version     int       `json:"version"`      // 1 = first
	// DuplicateOf is the ID of the earlier record this one nearly
	// duplicates (an edited re-post under another URL), or "".
	DuplicateOf string `json:"duplicate_of,omitempty"`
}

// MarshalJSON encodes r as one JSON object with the field names of its
// tags; times are RFC 3339 in +08:00 ("2024-01-29T15:20:00+08:00") or null
// when zero, nil lists are [], and author, editor and duplicate_of are left
// out when empty. HTML characters are not escaped.
// The default decoding (json.Unmarshal) reads it back.
func (r Record) MarshalJSON() ([]byte, error) {
	return r.appendJSON(make([]byte, 0, 512+len(r.Body)+len(r.Title))), nil
}

func (r *Record) appendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, r.ID)
	b = append(b, `,"url":`...)
	b = appendJSONString(b, r.URL)
	b = append(b, `,"title":`...)
	b = appendJSONString(b, r.Title)
	b = append(b, `,"source":`...)
	b = appendJSONString(b, r.Source)
	b = append(b, `,"published":`...)
	b = appendJSONTime(b, r.Published)
	b = append(b, `,"body":`...)
	b = appendJSONString(b, r.Body)
	b = append(b, `,"column":`...)
	b = appendJSONString(b, r.Column)
	b = append(b, `,"images":`...)
	b = appendJSONStrings(b, r.Images)
	b = append(b, `,"attachments":`...)
	b = appendJSONStrings(b, r.Attachments)
	if r.Author != "" {
		b = append(b, `,"author":`...)
		b = appendJSONString(b, r.Author)
	}
	if r.Editor != "" {
		b = append(b, `,"editor":`...)
		b = appendJSONString(b, r.Editor)
	}
	b = append(b, `,"fetched_at":`...)
	b = appendJSONTime(b, r.FetchedAt)
	b = append(b, `,"content_hash":`...)
	b = appendJSONString(b, r.ContentHash)
	b = append(b, `,"aliases":`...)
	b = appendJSONStrings(b, r.Aliases)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(r.Version), 10)
	if r.DuplicateOf != "" {
		b = append(b, `,"duplicate_of":`...)
		b = appendJSONString(b, r.DuplicateOf)
	}
	return append(b, '}')
}

func appendJSONTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = t.In(cst).AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

func appendJSONStrings(b []byte, s []string) []byte {
	b = append(b, '[')
	for i, x := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, x)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaping as encoding/json
// does with HTML escaping off: quotes, backslashes, control characters,
// U+2028 and U+2029; invalid UTF-8 becomes U+FFFD.
//
// Exports spend much of their time here, on Chinese text, so three-byte
// sequences whose lead byte allows any continuation (U+1000–U+CFFF and
// U+E000–U+FFFF, all of CJK) are checked inline rather than decoded.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = appendJSONEscape(b, c)
			i++
			start = i
			continue
		}
		if c >= 0xE1 && c != 0xED && c <= 0xEF && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			if c == 0xE2 && s[i+1] == 0x80 && s[i+2]&^1 == 0xA8 { // U+2028, U+2029
				b = append(b, s[start:i]...)
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xF])
				start = i + 3
			}
			i += 3
			// Runs of CJK characters, the bulk of a body, need no escape.
			for i+2 < len(s) {
				c := s[i]
				if c < 0xE3 || c > 0xEC || s[i+1]&0xC0 != 0x80 || s[i+2]&0xC0 != 0x80 {
					break
				}
				i += 3
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += n
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += n
			start = i
			continue
		}
		i += n
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONEscape appends the escape of an ASCII byte that JSON strings
// cannot hold as it is.
func appendJSONEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	default:
		return append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
	}
}

// record builds the exported form of version v of record id.
func record(id uint64, h *header, n int, v *version) Record {
	r := Record{
		ID:          formatID(id),
		URL:         h.URL,
		Title:       v.Title,
		Source:      v.Source,
		Published:   inCST(v.Published),
		Body:        v.Body,
		Column:      v.Column,
		Images:      v.Images,
		Attachments: v.Attachments,
		Author:      v.Author,
		Editor:      v.Editor,
		FetchedAt:   inCST(v.FetchedAt),
		ContentHash: formatHash(v.Hash),
		Aliases:     h.Aliases,
		Version:     n,
	}
	if h.DupOf != 0 {
		r.DuplicateOf = formatID(h.DupOf)
	}
	if r.Images == nil {
		r.Images = []string{}
	}
	if r.Attachments == nil {
		r.Attachments = []string{}
	}
	if r.Aliases == nil {
		r.Aliases = []string{}
	}
	return r
}

func inCST(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(cst)
}

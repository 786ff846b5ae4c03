package archive

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Fields are the JSON field names of an exported record, in the order
// MarshalJSON writes them. Read-only.
var Fields = []string{
	"id", "url", "title", "source", "published", "body", "column", "images", "attachments",
	"author", "editor", "fetched_at", "content_hash", "aliases", "version",
	"duplicate_of",
}

// CheckFields returns an error naming the first name in fields that is not
// one of Fields, or that appears twice.
func CheckFields(fields []string) error {
	for i, f := range fields {
		if !slices.Contains(Fields, f) {
			return fmt.Errorf("unknown field %q; the fields are %s", f, strings.Join(Fields, ","))
		}
		if slices.Contains(fields[:i], f) {
			return fmt.Errorf("field %q named twice", f)
		}
	}
	return nil
}

// AppendJSON appends r as one JSON object, without a newline. With fields
// nil it is what MarshalJSON writes. Otherwise the object has exactly the
// named fields, in the order given; author, editor and duplicate_of are
// written even when empty (""), so that every line has the same keys. Names not in Fields are
// left out (see CheckFields).
func (r *Record) AppendJSON(b []byte, fields []string) []byte {
	if fields == nil {
		return r.appendJSON(b)
	}
	b = append(b, '{')
	first := true
	for _, f := range fields {
		start := len(b)
		if !first {
			b = append(b, ',')
		}
		b = appendJSONString(b, f)
		b = append(b, ':')
		switch f {
		case "id":
			b = appendJSONString(b, r.ID)
		case "url":
			b = appendJSONString(b, r.URL)
		case "title":
			b = appendJSONString(b, r.Title)
		case "source":
			b = appendJSONString(b, r.Source)
		case "published":
			b = appendJSONTime(b, r.Published)
		case "body":
			b = appendJSONString(b, r.Body)
		case "column":
			b = appendJSONString(b, r.Column)
		case "images":
			b = appendJSONStrings(b, r.Images)
		case "attachments":
			b = appendJSONStrings(b, r.Attachments)
		case "author":
			b = appendJSONString(b, r.Author)
		case "editor":
			b = appendJSONString(b, r.Editor)
		case "fetched_at":
			b = appendJSONTime(b, r.FetchedAt)
		case "content_hash":
			b = appendJSONString(b, r.ContentHash)
		case "aliases":
			b = appendJSONStrings(b, r.Aliases)
		case "version":
			b = strconv.AppendInt(b, int64(r.Version), 10)
		case "duplicate_of":
			b = appendJSONString(b, r.DuplicateOf)
		default:
			b = b[:start]
			continue
		}
		first = false
	}
	return append(b, '}')
}

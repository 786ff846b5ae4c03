package archive

import (
	"bytes"
	"crypto/sha256"
	"github.com/klauspost/compress/zstd"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTimeKeyOrder(t *testing.T) {
	times := []time.Time{
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(-1, 999999999),
		time.Unix(0, 0),
		time.Unix(0, 1),
		time.Date(2024, 1, 29, 15, 20, 0, 0, testZone),
		time.Date(2024, 1, 29, 15, 20, 0, 1, testZone),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		{}, // unknown: last
	}
	for i := 1; i < len(times); i++ {
		a, b := timeKey(times[i-1], 5), timeKey(times[i], 1)
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("key of %v sorts after key of %v", times[i-1], times[i])
		}
	}
	for _, tm := range times {
		got, id, ok := parseTimeKey(timeKey(tm, 42))
		if !ok || id != 42 || !got.Equal(tm) {
			t.Errorf("parseTimeKey(timeKey(%v)) = %v, %d, %v", tm, got, id, ok)
		}
	}
}

func TestFormatID(t *testing.T) {
	for id, want := range map[uint64]string{1: "0000000001", 1234567890: "1234567890", 12345678901: "12345678901"} {
		if got := formatID(id); got != want {
			t.Errorf("formatID(%d) = %q, want %q", id, got, want)
		}
		if back, err := parseID(want); err != nil || back != id {
			t.Errorf("parseID(%q) = %d, %v", want, back, err)
		}
	}
	for _, bad := range []string{"", "0", "0000000000", "-1", "abc", "1.5"} {
		if _, err := parseID(bad); err == nil {
			t.Errorf("parseID(%q) succeeded", bad)
		}
	}
}

// FuzzRecordRoundTrip checks that versions, headers and raw pages decode
// to what was encoded, and that decoding arbitrary bytes never panics.
func FuzzRecordRoundTrip(f *testing.F) {
	f.Add("省委召开会议", "正文\n第二段", "湖南日报", "http://example.com/1.jpg\nhttp://example.com/2.jpg", int64(1706512800), uint32(0), uint8(2), []byte("<html>"))
	f.Add("", "", "", "", int64(-62135596800), uint32(999999999), uint8(0), []byte{})
	f.Add("\x00\xff", "\u2028", "<>&", "\n\n", int64(1<<62), uint32(1), uint8(255), []byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, title, body, source, list string, sec int64, nsec uint32, pages uint8, raw []byte) {
		nsec %= 1e9
		pub := time.Unix(sec, int64(nsec)).UTC()
		var items []string
		if list != "" {
			items = strings.Split(list, "\n")
		}
		v := version{
			Hash:  sha256.Sum256([]byte(title)),
			Title: title, Source: source, Body: body, Column: list, Author: source, Editor: title,
			Published: pub, FetchedAt: pub.Add(time.Second),
			Images: items, Attachments: items, Pages: int(pages),
		}
		enc := v.append(nil)
		got, err := decodeVersion(enc)
		if err != nil {
			t.Fatalf("decodeVersion(encoded): %v", err)
		}
		if !versionEqual(got, v) {
			t.Fatalf("version round trip:\n got %+v\nwant %+v", got, v)
		}
		if h, ok := versionHash(enc); !ok || h != v.Hash {
			t.Fatal("versionHash differs")
		}
		rec := record(7, &header{Latest: 1, URL: "http://example.com/"}, 1, &got)
		if rec.Images == nil || rec.Attachments == nil || rec.Aliases == nil {
			t.Fatal("record has nil lists")
		}

		for _, dup := range []uint64{0, uint64(nsec)} { // with and without duplicate_of
			h := header{Latest: int(pages) + 1, URL: title, Aliases: items, DupOf: dup}
			gotH, err := decodeHeader(h.append(nil))
			if err != nil || !reflect.DeepEqual(gotH, h) {
				t.Fatalf("header round trip: %+v, %v; want %+v", gotH, err, h)
			}
			if r := record(7, &h, 1, &got); (r.DuplicateOf != "") != (dup != 0) {
				t.Fatalf("record of header %+v: duplicate_of %q", h, r.DuplicateOf)
			}
		}
		// Text folding never panics, and shingles are sorted and distinct.
		if sh := foldBody(body).shingled(); !slices.IsSorted(sh) || len(slices.Compact(slices.Clone(sh))) != len(sh) {
			t.Fatalf("shingles of %q not sorted and distinct", body)
		}

		p := RawPage{URL: source, Status: int(sec % 1000), Header: http.Header{}, Body: raw, FetchedAt: pub}
		if items != nil {
			p.Header[title] = items
		}
		gotP, err := decodeRawPage(appendRawPage(nil, &p))
		if err != nil {
			t.Fatalf("decodeRawPage: %v", err)
		}
		if gotP.URL != p.URL || gotP.Status != p.Status || !gotP.FetchedAt.Equal(p.FetchedAt) ||
			!bytes.Equal(gotP.Body, p.Body) || !reflect.DeepEqual(gotP.Header, p.Header) {
			t.Fatalf("raw page round trip:\n got %+v\nwant %+v", gotP, p)
		}

		// Arbitrary bytes: errors, not panics.
		for _, b := range [][]byte{raw, enc[:len(enc)/2], append([]byte{versionFormat}, raw...)} {
			decodeVersion(b)
			decodeHeader(b)
			decodeRawPage(b)
		}
	})
}

func versionEqual(a, b version) bool {
	return a.Hash == b.Hash && a.Title == b.Title && a.Source == b.Source && a.Body == b.Body &&
		a.Column == b.Column && a.Author == b.Author && a.Editor == b.Editor &&
		a.Published.Equal(b.Published) && a.FetchedAt.Equal(b.FetchedAt) &&
		reflect.DeepEqual(a.Images, b.Images) && reflect.DeepEqual(a.Attachments, b.Attachments) && a.Pages == b.Pages
}

// decodeVersion decodes a version that is plain or compressed without a
// dictionary, as the archive does.
func decodeVersion(b []byte) (version, error) {
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
	if err != nil {
		return version{}, err
	}
	defer dec.Close()
	return decodeVersionWith(b, dec, nil)
}

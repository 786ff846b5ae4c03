package crawl

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// articleKey is the frontier key of the entries below.
const articleKey = "http://www.hnredstar.gov.cn/c/2024/01/29/123456.html"

// doneArticle is a typical done entry: an article found on a list, with
// the validators its server sent.
func doneArticle() entry {
	return entry{URL: articleKey, Key: articleKey, Via: viaItem, Column: "要闻", Found: foundArticle,
		ETag: `"65b75c30-2f1a"`, LastModified: "Mon, 29 Jan 2024 07:20:00 GMT"}
}

func TestEntryRoundTrip(t *testing.T) {
	for _, e := range []entry{
		{URL: articleKey, Key: articleKey},
		{URL: articleKey, Key: articleKey, Via: viaItem, Column: "要闻", Found: foundArticle},
		{URL: articleKey, Key: articleKey, Via: viaPagination, Column: "基层党建", Depth: 3, Tries: 2, Err: "503 Service Unavailable",
			Found: foundFailed, ETag: `"65b75c30-2f1a"`, LastModified: "Mon, 29 Jan 2024 07:20:00 GMT"},
		{URL: "http://WWW.hnredstar.gov.cn/c/2024/01/29/123456.html#top", Key: articleKey, Via: viaLink, Found: foundRedirect},
		{URL: articleKey, Key: articleKey, Depth: 1 << 20, Tries: 300},
	} {
		got, err := decodeEntry(articleKey, e.encode(articleKey))
		if err != nil {
			t.Errorf("decode(encode(%+v)): %v", e, err)
			continue
		}
		if got != e {
			t.Errorf("decode(encode(%+v)) = %+v", e, got)
		}
	}
}

// An archive written before the binary format holds JSON entries, which
// must still read.
func TestEntryReadsJSON(t *testing.T) {
	old := `{"u":"` + articleKey + `","v":2,"c":"要闻","d":1,"f":"article","et":"\"x\"","lm":"Mon, 29 Jan 2024 07:20:00 GMT"}`
	got, err := decodeEntry(articleKey, []byte(old))
	if err != nil {
		t.Fatal(err)
	}
	want := entry{URL: articleKey, Key: articleKey, Via: viaItem, Column: "要闻", Depth: 1, Found: foundArticle, ETag: `"x"`, LastModified: "Mon, 29 Jan 2024 07:20:00 GMT"}
	if got != want {
		t.Errorf("decodeEntry(JSON) = %+v, want %+v", got, want)
	}
}

// The binary form is what makes the frontier small: a typical done
// article entry must take well under half its JSON.
func TestEntryIsCompact(t *testing.T) {
	e := doneArticle()
	js, _ := json.Marshal(e)
	if bin := e.encode(articleKey); len(bin)*2 > len(js) {
		t.Errorf("binary entry %d bytes, JSON %d: want under half", len(bin), len(js))
	}
}

func TestEntryRejectsDamage(t *testing.T) {
	const key = "http://www.hnredstar.gov.cn/c/1.html"
	good := (&entry{URL: key + "?x=1", Column: "要闻", Depth: 2, Found: foundList}).encode(key)
	cases := map[string][]byte{
		"empty":          nil,
		"unknown format": append([]byte{0x7f}, good[1:]...),
		"unknown found":  append([]byte{good[0], good[1], byte(len(foundCodes))}, good[3:]...),
		"unknown field":  append([]byte{good[0], good[1], good[2], good[3] | 0x80}, good[4:]...),
		"trailing bytes": append(append([]byte{}, good...), 0),
		"bad JSON":       []byte(`{"u":`),
		"JSON, no URL":   []byte(`{"u":"","f":"list"}`),
	}
	for cut := 1; cut < len(good); cut++ {
		cases[fmt.Sprintf("cut at %d of %d", cut, len(good))] = good[:cut]
	}
	for name, b := range cases {
		if _, err := decodeEntry(key, b); err == nil {
			t.Errorf("%s: decoded without an error", name)
		} else if name != "bad JSON" && !errors.Is(err, errBadEntry) {
			t.Errorf("%s: error %v, want errBadEntry", name, err)
		}
	}
}

// FuzzEntry feeds decodeEntry arbitrary values, as a damaged archive
// could hold: it must not panic, and what it reads must encode to a value
// that reads back the same.
func FuzzEntry(f *testing.F) {
	f.Add((&entry{URL: articleKey, Via: viaItem, Column: "要闻", Found: foundArticle}).encode(articleKey))
	f.Add((&entry{URL: articleKey + "#x", Depth: 2, Tries: 1, Err: "timeout", ETag: `"e"`, LastModified: "x"}).encode(articleKey))
	f.Add([]byte(`{"u":"` + articleKey + `","v":1,"f":"list"}`))
	f.Add([]byte{entryFormat, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(articleKey, b)
		if err != nil {
			return
		}
		again, err := decodeEntry(articleKey, e.encode(articleKey))
		if err != nil {
			t.Fatalf("re-encoded %+v does not read: %v", e, err)
		}
		if slices.Contains(foundCodes[:], e.Found) && again != e {
			t.Fatalf("round trip changed %+v into %+v", e, again)
		}
	})
}

// BenchmarkEntry encodes and decodes a typical done article entry in the
// binary form and, side by side, in the JSON form older archives hold.
func BenchmarkEntry(b *testing.B) {
	e := doneArticle()
	js, _ := json.Marshal(e)
	for _, form := range []struct {
		name   string
		encode func() []byte
		value  []byte
	}{
		{"binary", func() []byte { return e.encode(articleKey) }, e.encode(articleKey)},
		{"json", func() []byte { v, _ := json.Marshal(e); return v }, js},
	} {
		b.Run(form.name+"/encode", func(b *testing.B) {
			for b.Loop() {
				form.encode()
			}
			b.ReportMetric(float64(len(form.value)), "bytes/entry")
		})
		b.Run(form.name+"/decode", func(b *testing.B) {
			for b.Loop() {
				if _, err := decodeEntry(articleKey, form.value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

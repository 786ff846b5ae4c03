package archive

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestWriteJSONL(t *testing.T) {
	ctx := context.Background()
	a := openTestArchive(t)
	at := func(day, hour, min int) time.Time { return time.Date(2024, 1, day, hour, min, 0, 0, testZone) }
	// Put in an order unlike publication order; ids follow Put order.
	arts := []struct {
		url  string
		pub  time.Time
		body string
	}{
		{"http://example.com/c.html", at(29, 15, 20), "c"},                                        // 1
		{"http://example.com/a.html", at(28, 9, 0), "a"},                                          // 2
		{"http://example.com/none.html", time.Time{}, "no publication time"},                      // 3
		{"http://example.com/d.html", at(30, 0, 0), "d"},                                          // 4
		{"http://example.com/b.html", at(29, 15, 20), "b, same time as c"},                        // 5
		{"http://example.com/e.html", time.Date(2024, 1, 28, 16, 0, 0, 0, time.UTC), "e, in UTC"}, // 6
	}
	for _, x := range arts {
		art := simple(x.url, "标题 "+x.body, x.body)
		art.Published = x.pub
		mustPut(t, a, art)
	}
	// An edit moves c later; an alias of a.
	edited := simple("http://example.com/c.html", "标题 c", "c edited")
	edited.Published = at(31, 8, 0)
	mustPut(t, a, edited)
	mustPut(t, a, simple("http://example.com/a-mirror.html", "标题 a", "a"))

	tests := []struct {
		name   string
		filter Filter
		want   []string // ids in order
	}{
		{"all", Filter{}, []string{"0000000002", "0000000006", "0000000005", "0000000004", "0000000001", "0000000003"}},
		{"since inclusive", Filter{Since: at(29, 15, 20)}, []string{"0000000005", "0000000004", "0000000001"}},
		{"until exclusive", Filter{Until: at(29, 15, 20)}, []string{"0000000002", "0000000006"}},
		{"range", Filter{Since: at(29, 0, 0), Until: at(30, 0, 1)}, []string{"0000000006", "0000000005", "0000000004"}},
		{"empty range", Filter{Since: at(30, 0, 0), Until: at(29, 0, 0)}, nil},
		{"nothing since", Filter{Since: at(31, 8, 1)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := a.WriteJSONL(ctx, &buf, tt.filter, JSONLOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			sc := bufio.NewScanner(&buf)
			for sc.Scan() {
				var r Record
				if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
					t.Fatalf("line %q: %v", sc.Text(), err)
				}
				ids = append(ids, r.ID)
			}
			if n != len(ids) || !slices.Equal(ids, tt.want) {
				t.Errorf("WriteJSONL wrote %d: %v, want %v", n, ids, tt.want)
			}
		})
	}

	// Field format.
	var buf bytes.Buffer
	if _, err := a.WriteJSONL(ctx, &buf, Filter{Since: at(29, 15, 20), Until: at(29, 15, 21)}, JSONLOptions{}); err != nil {
		t.Fatal(err)
	}
	want := `{"id":"0000000005","url":"http://example.com/b.html","title":"标题 b, same time as c","source":"",` +
		`"published":"2024-01-29T15:20:00+08:00","body":"b, same time as c","column":"","images":[],"attachments":[],` +
		`"fetched_at":"2024-02-01T08:00:00+08:00","content_hash":"` + ContentHash("标题 b, same time as c", "b, same time as c") +
		`","aliases":[],"version":1}` + "\n"
	if buf.String() != want {
		t.Errorf("JSONL line\n got %s\nwant %s", buf.String(), want)
	}

	var recs []Record
	if err := a.ForEach(ctx, Filter{}, func(r Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	byID := map[string]Record{}
	for _, r := range recs {
		byID[r.ID] = r
	}
	if r := byID["0000000001"]; r.Version != 2 || r.Body != "c edited" {
		t.Errorf("record 1 is version %d %q, want the edit", r.Version, r.Body)
	}
	if r := byID["0000000002"]; !slices.Equal(r.Aliases, []string{"http://example.com/a-mirror.html"}) {
		t.Errorf("record 2 aliases %q", r.Aliases)
	}
	if r := byID["0000000006"]; r.Published.Format(time.RFC3339) != "2024-01-29T00:00:00+08:00" || r.Published.Location().String() != "CST" {
		t.Errorf("UTC publication time exported as %s", r.Published.Format(time.RFC3339))
	}
	line, _ := json.Marshal(byID["0000000003"])
	if !strings.Contains(string(line), `"published":null`) {
		t.Errorf("record without publication time: %s", line)
	}
}

func TestRecordJSON(t *testing.T) {
	full := Record{
		ID: "0000000042", URL: "http://example.com/a.html", Title: "t", Source: "s",
		Published: time.Date(2024, 1, 29, 7, 20, 0, 0, time.UTC), Body: "b", Column: "c",
		Images: []string{"http://example.com/1.jpg"}, Attachments: []string{"http://example.com/1.pdf", "http://example.com/2.doc"},
		Author: "作者", Editor: "编辑", FetchedAt: time.Date(2024, 2, 1, 8, 0, 0, 500, testZone),
		ContentHash: "sha256:00", Aliases: []string{"http://example.com/b.html"}, Version: 3,
	}
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"0000000042","url":"http://example.com/a.html","title":"t","source":"s","published":"2024-01-29T15:20:00+08:00",` +
		`"body":"b","column":"c","images":["http://example.com/1.jpg"],"attachments":["http://example.com/1.pdf","http://example.com/2.doc"],` +
		`"author":"作者","editor":"编辑","fetched_at":"2024-02-01T08:00:00+08:00","content_hash":"sha256:00",` +
		`"aliases":["http://example.com/b.html"],"version":3}`
	if string(b) != want {
		t.Errorf("MarshalJSON\n got %s\nwant %s", b, want)
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Published.Equal(full.Published) || back.Attachments[1] != full.Attachments[1] || back.Version != 3 {
		t.Errorf("round trip: %+v", back)
	}

	// Strings escape as encoding/json escapes them (without HTML escaping).
	for _, s := range []string{
		"", "plain", `quote " backslash \ slash /`, "<b>&amp;</b>", "tab\tnl\ncr\r", "\x00\x01\x1f\x7f",
		"中文\u3000全角", "\u2028\u2029", "bad \xff\xfe utf8 \xe4\xb8", "emoji 😀", "\b\f",
		"—“引号”…", "end\u2028", "a\u2029b\u2028\u2027\u202a", "cut \xe2\x80", "\xe2\x80\xa8\xff",
		"长长的中文句子\u2028\"结束\"\n湖南", "中文\xe4\xb8", "组织部\xe4\xb8\xad\xe6",
	} {
		var ref bytes.Buffer
		enc := json.NewEncoder(&ref)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(ref.String(), "\n")
		got := string(appendJSONString(nil, s))
		var dec string
		if err := json.Unmarshal([]byte(got), &dec); err != nil {
			t.Errorf("appendJSONString(%q) = %s: %v", s, got, err)
		}
		if utf8.ValidString(s) && dec != s { // invalid bytes: compared with encoding/json below
			t.Errorf("appendJSONString(%q) decodes to %q", s, dec)
		}
		if got != want && !strings.ContainsAny(s, "\b\f") { // \b \f: both forms are JSON
			t.Errorf("appendJSONString(%q) = %s, encoding/json gives %s", s, got, want)
		}
	}
}

func TestForEachStops(t *testing.T) {
	a := openTestArchive(t)
	var arts []Article
	for i := range 600 { // more than one batch
		arts = append(arts, simple(fmt.Sprintf("http://example.com/%d.html", i), "t", fmt.Sprint(i)))
	}
	if _, err := a.PutBatch(context.Background(), arts); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := a.ForEach(context.Background(), Filter{}, func(Record) error { n++; return nil })
	if err != nil || n != 600 {
		t.Fatalf("ForEach saw %d records, %v", n, err)
	}

	stop := errors.New("stop")
	n = 0
	err = a.ForEach(context.Background(), Filter{}, func(Record) error {
		if n++; n == 300 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 300 {
		t.Errorf("ForEach returned %v after %d records, want stop after 300", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = a.ForEach(ctx, Filter{}, func(Record) error {
		if n++; n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 10 {
		t.Errorf("ForEach returned %v after %d records, want Canceled after 10", err, n)
	}

	var buf bytes.Buffer
	n, err = a.WriteJSONL(ctx, &buf, Filter{}, JSONLOptions{})
	if !errors.Is(err, context.Canceled) || n != 0 {
		t.Errorf("WriteJSONL with cancelled ctx: %d, %v", n, err)
	}
}

func TestGet(t *testing.T) {
	a := openTestArchive(t)
	mustPut(t, a, simple("http://example.com/a.html", "t", "one"))
	mustPut(t, a, simple("http://example.com/a.html", "t", "two"))
	r, err := a.Get("0000000001")
	if err != nil || r.Body != "two" || r.Version != 2 {
		t.Errorf("Get = %+v, %v", r, err)
	}
	if _, err := a.Get("0000000002"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(unknown): %v", err)
	}
}

package archive

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAppendJSONFields(t *testing.T) {
	r := Record{ID: "0000000001", URL: "http://example.com/1.html", Title: "标题 \"quoted\"\u2028",
		Published: time.Date(2024, 1, 29, 15, 20, 0, 0, testZone), Body: "a\nb", Column: "要闻",
		Images: []string{}, Attachments: []string{}, Aliases: []string{"http://example.com/x.html"},
		ContentHash: "sha256:00", Version: 2}
	full, _ := r.MarshalJSON()
	if got := r.AppendJSON(nil, nil); string(got) != string(full) {
		t.Errorf("AppendJSON(nil fields) = %s, want MarshalJSON's %s", got, full)
	}
	tests := []struct {
		fields []string
		want   string
	}{
		{[]string{"title", "id"}, `{"title":"标题 \"quoted\"\u2028","id":"0000000001"}`},
		{[]string{"version", "published", "author"}, `{"version":2,"published":"2024-01-29T15:20:00+08:00","author":""}`},
		{[]string{"fetched_at", "aliases", "images"}, `{"fetched_at":null,"aliases":["http://example.com/x.html"],"images":[]}`},
		{[]string{}, `{}`},
		{[]string{"nope", "id"}, `{"id":"0000000001"}`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.fields, ","), func(t *testing.T) {
			got := string(r.AppendJSON([]byte("x"), tt.fields))
			if got != "x"+tt.want {
				t.Errorf("got %s, want x%s", got, tt.want)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(got[1:]), &m); err != nil {
				t.Errorf("not JSON: %v", err)
			}
		})
	}
	for _, f := range Fields {
		b := r.AppendJSON(nil, []string{f})
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || len(m) != 1 {
			t.Errorf("field %s: %s (%v)", f, b, err)
		}
	}
	var m map[string]any
	json.Unmarshal(r.AppendJSON(nil, Fields), &m)
	if len(m) != len(Fields) {
		t.Errorf("all fields: %d keys, want %d", len(m), len(Fields))
	}
}

func TestCheckFields(t *testing.T) {
	for _, tt := range []struct {
		fields []string
		ok     bool
	}{
		{slices.Clone(Fields), true},
		{[]string{"id", "title"}, true},
		{nil, true},
		{[]string{"id", "titel"}, false},
		{[]string{"id", "id"}, false},
		{[]string{""}, false},
	} {
		if err := CheckFields(tt.fields); (err == nil) != tt.ok {
			t.Errorf("CheckFields(%q) = %v", tt.fields, err)
		}
	}
}

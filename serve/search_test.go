package serve

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
)

// snapshotOf builds a snapshot of records without an archive.
func snapshotOf(recs ...archive.Record) *snapshot {
	b := newSnapshotBuilder("test")
	for _, r := range recs {
		if r.Version == 0 {
			r.Version = 1
		}
		b.add(r, nil)
	}
	return b.finish()
}

func ids(s *snapshot, docs []uint32) []string {
	out := []string{}
	for _, d := range docs {
		out = append(out, s.docs[d].rec.ID)
	}
	return out
}

func at(day int) time.Time {
	return time.Date(2024, 1, day, 10, 0, 0, 0, beijing)
}

func TestSearch(t *testing.T) {
	s := snapshotOf(
		archive.Record{ID: "1", Title: "娄底市：外派竞学为干部提能", Body: "乡村振兴\n人才工作", Column: "干部工作", Published: at(1)},
		archive.Record{ID: "2", Title: "长沙市召开会议", Body: "乡村 振兴分开写。ＡＩ赋能 Party Building", Column: "要闻动态", Published: at(2)},
		archive.Record{ID: "3", Title: "无日期的文章", Body: "乡村振兴是大事", Column: "要闻动态"},
		archive.Record{ID: "4", Title: "株洲市：人才兴村", Body: "振兴乡村，人才先行。第2024年", Column: "干部工作", Published: at(3)},
	)
	for _, c := range []struct {
		name string
		q    query
		want []string
	}{
		{"everything newest first, undated last", query{}, []string{"4", "2", "1", "3"}},
		{"two characters", query{Q: "人才"}, []string{"4", "1"}},
		{"one character", query{Q: "株"}, []string{"4"}},
		{"phrase, not its bigrams apart", query{Q: "乡村振兴"}, []string{"1", "3"}},
		{"words anywhere", query{Q: "乡村 振兴"}, []string{"4", "2", "1", "3"}},
		{"punctuation splits words", query{Q: "振兴，乡村"}, []string{"4", "2", "1", "3"}},
		{"title and body", query{Q: "娄底 人才"}, []string{"1"}},
		{"case folded", query{Q: "party BUILDING"}, []string{"2"}},
		{"full width folded", query{Q: "ai"}, []string{"2"}},
		{"full width query", query{Q: "ＰＡＲＴＹ"}, []string{"2"}},
		{"digits", query{Q: "2024"}, []string{"4"}},
		{"column", query{Q: "人才", Column: "干部工作"}, []string{"4", "1"}},
		{"unknown column", query{Column: "没有"}, nil},
		{"since inclusive", query{Since: at(2)}, []string{"4", "2"}},
		{"until exclusive", query{Until: at(3)}, []string{"2", "1"}},
		{"range and words", query{Q: "乡村", Since: at(2), Until: at(3)}, []string{"2"}},
		{"no such word", query{Q: "量子"}, nil},
		{"only punctuation lists all", query{Q: "，。！"}, []string{"4", "2", "1", "3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := ids(s, s.search(c.q).docs)
			if len(c.want) == 0 {
				c.want = []string{}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("search %+v = %v, want %v", c.q, got, c.want)
			}
		})
	}
}

// TestSearchAgainstScan compares the index with a plain scan of the text
// on random documents over a small alphabet, where bigrams collide often.
func TestSearchAgainstScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("党建乡村振兴人才干部Ａab1")
	word := func(n int) string {
		r := make([]rune, n)
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(r)
	}
	var recs []archive.Record
	for i := range 3000 {
		recs = append(recs, archive.Record{
			ID: fmt.Sprintf("%04d", i), Title: word(1 + rng.IntN(8)), Body: word(rng.IntN(60)) + "。" + word(rng.IntN(20)),
			Published: at(1).Add(time.Duration(i) * time.Hour), Column: []string{"a", "b", "c"}[rng.IntN(3)],
		})
	}
	s := snapshotOf(recs...)
	texts := make([]string, len(s.docs))
	for i, d := range s.docs {
		texts[i] = foldString(d.rec.Title + "\x00" + s.body(uint32(i)))
	}
	for i := range 300 {
		q := query{Q: word(1 + rng.IntN(5))}
		if i%3 == 0 {
			q.Q += " " + word(1+rng.IntN(3))
		}
		if i%4 == 0 {
			q.Column = "b"
		}
		var want []string
		for i, d := range s.docs { // newest first
			text := texts[i]
			ok := q.Column == "" || d.rec.Column == q.Column
			for _, term := range strings.Fields(foldString(q.Q)) {
				ok = ok && strings.Contains(text, term)
			}
			if ok {
				want = append(want, d.rec.ID)
			}
		}
		got := ids(s, s.search(q).docs)
		if len(want) == 0 {
			want = []string{}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("search %+v: %d results, scan finds %d\n got %v\nwant %v", q, len(got), len(want), got, want)
		}
	}
}

func TestPostingForms(t *testing.T) {
	// One key in every document becomes a bitmap; one in a few stays gaps.
	var recs []archive.Record
	for i := range 200 {
		body := "常见"
		if i%50 == 0 {
			body += " 罕见"
		}
		recs = append(recs, archive.Record{ID: fmt.Sprintf("%03d", i), Title: "t", Body: body, Published: at(1).Add(time.Duration(i) * time.Minute)})
	}
	s := snapshotOf(recs...)
	common, _ := s.ix.lookup(key('常', '见'))
	rare, _ := s.ix.lookup(key('罕', '见'))
	if common.bitmap == nil || common.n != 200 {
		t.Errorf("common key: bitmap %v, n %d", common.bitmap != nil, common.n)
	}
	if rare.gaps == nil || rare.n != 4 {
		t.Errorf("rare key: gaps %v, n %d", rare.gaps != nil, rare.n)
	}
	if got := len(s.search(query{Q: "罕见"}).docs); got != 4 {
		t.Errorf("rare: %d results", got)
	}
	if got := len(s.search(query{Q: "常见", Since: at(1).Add(100 * time.Minute)}).docs); got != 100 {
		t.Errorf("common since: %d results, want 100", got)
	}
}

func TestHighlight(t *testing.T) {
	segs := highlight("ＡＩ赋能乡村振兴，乡村", []string{"ai", "乡村"}, 0)
	var b strings.Builder
	for _, s := range segs {
		if s.Hit {
			b.WriteString("[" + s.Text + "]")
		} else {
			b.WriteString(s.Text)
		}
	}
	if got := b.String(); got != "[ＡＩ]赋能[乡村]振兴，[乡村]" {
		t.Errorf("highlight: %s", got)
	}
	long := strings.Repeat("一", 500) + "目标" + strings.Repeat("二", 500)
	segs = highlight(long, []string{"目标"}, 120)
	if segs[0].Text != "…" || segs[len(segs)-1].Text != "…" || !slices.ContainsFunc(segs, func(s segment) bool { return s.Hit && s.Text == "目标" }) {
		t.Errorf("window around the hit: %v", segs)
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]time.Time{
		"2024-01-29":                time.Date(2024, 1, 29, 0, 0, 0, 0, beijing),
		"2024-01":                   time.Date(2024, 1, 1, 0, 0, 0, 0, beijing),
		"2024-01-29 15:20":          time.Date(2024, 1, 29, 15, 20, 0, 0, beijing),
		"2024-01-29T07:20:00Z":      time.Date(2024, 1, 29, 15, 20, 0, 0, beijing),
		"2024-01-29T15:20:00+08:00": time.Date(2024, 1, 29, 15, 20, 0, 0, beijing),
	} {
		got, err := parseDate("since", in, enLabels)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseDate("since", "yesterday", enLabels); err == nil || !strings.Contains(err.Error(), "since=") {
		t.Errorf("bad date: %v", err)
	}
}

func TestMonthsAndChart(t *testing.T) {
	s := snapshotOf(
		archive.Record{ID: "1", Title: "a", Column: "x", Published: time.Date(2024, 1, 31, 20, 0, 0, 0, time.UTC)}, // Feb 1 in Beijing
		archive.Record{ID: "2", Title: "b", Column: "y", Published: time.Date(2024, 3, 5, 0, 0, 0, 0, beijing)},
		archive.Record{ID: "3", Title: "c", Column: "x", Published: time.Date(2024, 3, 6, 0, 0, 0, 0, beijing)},
		archive.Record{ID: "4", Title: "d", Column: "x"},
	)
	got := s.months(s.search(query{}).docs)
	want := []monthCount{{"2024-02", "x", 1}, {"2024-03", "x", 1}, {"2024-03", "y", 1}}
	if !slices.Equal(got, want) {
		t.Errorf("months = %v, want %v", got, want)
	}
	c := newChart(got, s.columns, enLabels, func(a, b string) string { return a + "/" + b })
	if c.Months != 2 || len(c.Bars) != 2 || c.Total != 3 || len(c.Bars[1].Rects) != 2 || c.Bars[0].Href != "2024-02-01/2024-03-01" {
		t.Errorf("chart: %+v", c)
	}
	if empty := newChart(nil, nil, enLabels, nil); len(empty.Bars) != 0 {
		t.Errorf("chart of nothing has bars")
	}
}

package crawl

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/extract"
)

var fetched = time.Date(2024, 3, 1, 12, 0, 0, 0, cst)

// good returns an article with every field present and plausible.
func good(i int) archive.Record {
	return archive.Record{
		URL:       fmt.Sprintf("http://127.0.0.1/c/%d.html", i),
		Title:     fmt.Sprintf("娄底市：外派竞学为干部提能第%d期", i),
		Source:    "湖南日报",
		Published: time.Date(2024, 2, 29, 15, 20, 0, 0, cst),
		Body:      strings.Repeat("全市组织系统坚持以学促干。", 5),
		Column:    "要闻",
		FetchedAt: fetched,
	}
}

func TestCoverageFields(t *testing.T) {
	for _, tc := range []struct {
		name          string
		edit          func(*archive.Record)
		lacks, suspec string // the one field lacking, the one suspect ("" none)
	}{
		{"all there", func(*archive.Record) {}, "", ""},
		{"blank title", func(r *archive.Record) { r.Title = " \t" }, "title", ""},
		{"no source", func(r *archive.Record) { r.Source = "" }, "source", ""},
		{"source a sentence", func(r *archive.Record) { r.Source = "本报讯。记者" }, "", "source"},
		{"source too long", func(r *archive.Record) { r.Source = strings.Repeat("长", MaxSourceRunes+1) }, "", "source"},
		{"source of 30 runes", func(r *archive.Record) { r.Source = strings.Repeat("长", MaxSourceRunes) }, "", ""},
		{"no date", func(r *archive.Record) { r.Published = time.Time{} }, "published", ""},
		{"date alone", func(r *archive.Record) { r.Published = time.Date(2024, 2, 29, 0, 0, 0, 0, cst) }, "published", ""},
		{"midnight UTC is a time", func(r *archive.Record) { r.Published = time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC) }, "", ""},
		{"in the future", func(r *archive.Record) { r.Published = fetched.Add(FutureSlack + time.Minute) }, "", "published"},
		{"within a day of the fetch", func(r *archive.Record) { r.Published = fetched.Add(FutureSlack) }, "", ""},
		{"short body", func(r *archive.Record) { r.Body = strings.Repeat("字", MinBodyRunes-1) }, "body", ""},
		{"body of 50 runes", func(r *archive.Record) { r.Body = " " + strings.Repeat("字", MinBodyRunes) + "\n" }, "", ""},
		{"no column", func(r *archive.Record) { r.Column = "" }, "column", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCoverageCounter(nil)
			r := good(1)
			tc.edit(&r)
			c.AddRecord(r)
			cov := c.Coverage()
			if cov.Articles != 1 || cov.Columns[r.Column] == nil || cov.Columns[r.Column].Articles != 1 {
				t.Fatalf("counted %+v", cov)
			}
			for _, f := range archive.CoverageFields {
				if want := b2i(f != tc.lacks); cov.Have[f] != want {
					t.Errorf("have %s = %d, want %d", f, cov.Have[f], want)
				}
				if want := b2i(f == tc.suspec); cov.Suspect[f] != want {
					t.Errorf("suspect %s = %d, want %d", f, cov.Suspect[f], want)
				}
				wantEx := f == tc.lacks || f == tc.suspec
				if got := slices.Contains(cov.Lacking[f], r.URL); got != wantEx {
					t.Errorf("example for %s: %v, want %v", f, got, wantEx)
				}
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestCoverageTitles(t *testing.T) {
	t.Run("shared by most of a column", func(t *testing.T) {
		c := NewCoverageCounter(nil)
		for i := range 12 {
			r := good(i)
			if i < 7 {
				r.Title = "红星网"
			}
			c.AddRecord(r)
		}
		for i := range 30 { // another column, all distinct
			r := good(100 + i)
			r.Column = "党建"
			c.AddRecord(r)
		}
		cov := c.Coverage()
		if cov.Suspect["title"] != 7 || cov.Columns["要闻"].Suspect["title"] != 7 || cov.Columns["党建"].Suspect["title"] != 0 {
			t.Errorf("suspect titles: %d overall, %v 要闻, %v 党建; want 7, 7, 0",
				cov.Suspect["title"], cov.Columns["要闻"].Suspect, cov.Columns["党建"].Suspect)
		}
		if len(cov.Lacking["title"]) != 3 {
			t.Errorf("title examples %v, want 3", cov.Lacking["title"])
		}
	})
	t.Run("repeated but not by most", func(t *testing.T) {
		c := NewCoverageCounter(nil)
		for i := range 12 {
			r := good(i)
			if i < 6 { // half, not more
				r.Title = "通知"
			}
			c.AddRecord(r)
		}
		if n := c.Coverage().Suspect["title"]; n != 0 {
			t.Errorf("%d suspect titles, want 0", n)
		}
	})
	t.Run("the site's name", func(t *testing.T) {
		c := NewCoverageCounter(nil)
		for i := range 10 {
			a := good(i)
			if i == 3 {
				a.Title = "红星网"
			}
			c.AddArticle(&archive.Article{URL: a.URL, Title: a.Title, Source: a.Source, Published: a.Published,
				Body: a.Body, Column: a.Column, FetchedAt: a.FetchedAt}, "红星网")
		}
		cov := c.Coverage()
		if cov.Suspect["title"] != 1 || !slices.Equal(cov.Lacking["title"], []string{good(3).URL}) {
			t.Errorf("suspect titles %d, examples %v; want 1, %s", cov.Suspect["title"], cov.Lacking["title"], good(3).URL)
		}
		if again := c.Coverage(); again.Suspect["title"] != 1 {
			t.Errorf("a second Coverage counts %d suspect titles", again.Suspect["title"])
		}
	})
}

func TestSiteName(t *testing.T) {
	for _, tc := range []struct{ head, want string }{
		{`<title>娄底市：外派竞学_红星网</title>`, "红星网"},
		{`<title>标题 - 红星网 - 湖南</title>`, "湖南"},
		{`<title>标题|红星网</title>`, "红星网"},
		{`<meta property="og:site_name" content="红星网"><title>标题_其他</title>`, "红星网"},
		{`<title>只有标题</title>`, ""},
		{`<title>_</title>`, ""},
	} {
		p, err := extract.Parse([]byte("<html><head>"+tc.head+"</head><body><p>x</p></body></html>"), "text/html; charset=utf-8", "http://127.0.0.1/a.html")
		if err != nil {
			t.Fatal(err)
		}
		if got := SiteName(p); got != tc.want {
			t.Errorf("%s: site name %q, want %q", tc.head, got, tc.want)
		}
	}
}

// counts returns FieldCounts of n articles of which have have every field.
func counts(n, have int) archive.FieldCounts {
	c := newFieldCounts()
	c.Articles = n
	for _, f := range archive.CoverageFields {
		c.Have[f] = have
	}
	c.Lacking = map[string][]string{"source": {"http://127.0.0.1/x.html"}}
	return c
}

// withSource returns c with the source on src articles.
func withSource(c archive.FieldCounts, src int) archive.FieldCounts {
	c.Have = map[string]int{}
	for _, f := range archive.CoverageFields {
		c.Have[f] = c.Articles
	}
	c.Have["source"] = src
	return c
}

func TestDrift(t *testing.T) {
	base := archive.Coverage{FieldCounts: withSource(counts(100, 100), 95)}
	for _, tc := range []struct {
		name        string
		run, source int
		base        archive.Coverage
		want        bool
	}{
		{"95% to 10%", 20, 2, base, true},
		{"too few articles", DriftMinArticles - 1, 0, base, false},
		{"a drop of exactly 30 points", 20, 13, base, true}, // 95 → 65
		{"a drop of 25 points", 20, 14, base, false},        // 95 → 70
		{"too little history", 40, 0, archive.Coverage{FieldCounts: withSource(counts(DriftMinHistory-1, DriftMinHistory-1), DriftMinHistory-1)}, false},
		{"no history", 40, 0, archive.Coverage{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := archive.Coverage{FieldCounts: withSource(counts(tc.run, tc.run), tc.source)}
			ds := Drift(run, tc.base)
			if got := len(ds) > 0; got != tc.want {
				t.Fatalf("drift %+v, want %v", ds, tc.want)
			}
			if tc.want && (len(ds) != 1 || ds[0].Field != "source" || ds[0].Column != "" || ds[0].History != 100 || ds[0].Articles != tc.run) {
				t.Errorf("drift %+v, want source overall", ds)
			}
		})
	}

	t.Run("suspect values count as missing", func(t *testing.T) {
		run := archive.Coverage{FieldCounts: counts(30, 30)}
		run.Suspect["source"] = 25
		if ds := Drift(run, base); len(ds) != 1 || ds[0].Field != "source" {
			t.Errorf("drift %+v, want source", ds)
		}
	})

	t.Run("one column", func(t *testing.T) {
		col := func(fc archive.FieldCounts) *archive.FieldCounts { return &fc }
		hist := archive.Coverage{FieldCounts: counts(300, 300), Columns: map[string]*archive.FieldCounts{
			"要闻": col(counts(100, 100)), "党建": col(counts(200, 200)),
		}}
		run := archive.Coverage{FieldCounts: withSource(counts(60, 60), 50), Columns: map[string]*archive.FieldCounts{
			"要闻": col(withSource(counts(20, 20), 10)), "党建": col(counts(40, 40)),
		}}
		ds := Drift(run, hist)
		if len(ds) != 1 || ds[0].Column != "要闻" || ds[0].Field != "source" {
			t.Errorf("drift %+v, want source in 要闻 alone", ds)
		}
		run.Columns["党建"] = col(withSource(counts(40, 40), 0))
		run.Have["source"] = 0
		if ds := Drift(run, hist); len(ds) != 1 || ds[0].Column != "" {
			t.Errorf("drift %+v, want source overall only", ds)
		}
	})
}

func TestBaseline(t *testing.T) {
	run := func(n, src int) archive.Run {
		c := archive.Coverage{FieldCounts: withSource(counts(n, n), src), Columns: map[string]*archive.FieldCounts{}}
		fc := withSource(counts(n, n), src)
		c.Columns["要闻"] = &fc
		return archive.Run{Coverage: &c}
	}
	// Newest first: 150 + 100 reach HistoryArticles; the oldest is left out.
	b := Baseline([]archive.Run{run(150, 0), {}, run(100, 100), run(1000, 1000)})
	if b.Articles != 250 || b.Have["source"] != 100 || b.Columns["要闻"].Articles != 250 {
		t.Errorf("baseline of %d articles, %d with a source, column %+v; want 250, 100", b.Articles, b.Have["source"], b.Columns["要闻"])
	}
}

// BenchmarkCoverageCounter measures the counting the writer does for each
// article written.
func BenchmarkCoverageCounter(b *testing.B) {
	recs := make([]archive.Record, 1000)
	for i := range recs {
		recs[i] = good(i)
	}
	b.ReportAllocs()
	c := NewCoverageCounter(nil)
	for i := 0; b.Loop(); i++ {
		c.AddRecord(recs[i%len(recs)])
	}
	_ = c.Coverage()
}

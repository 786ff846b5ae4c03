package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hnredstar/crawler/internal/bodyscore"
)

// scrapinghubDir holds the scrapinghub article-extraction benchmark: 181
// mostly English pages with their article bodies.
const scrapinghubDir = "../../shared/corpus/scrapinghub"

// TestScrapinghub computes the benchmark's shingle F1 over its 181 pages
// and checks it stays above a floor. Chinese-specific rules must not cost
// much on English pages. bench/extract computes the same figures beside
// go-trafilatura's.
func TestScrapinghub(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: 181 pages")
	}
	raw, err := os.ReadFile(filepath.Join(scrapinghubDir, "ground-truth.json"))
	if err != nil {
		t.Skipf("no benchmark: %v", err)
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(truth))
	for id := range truth {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	type weak struct {
		id    string
		score bodyscore.Page
	}
	var pages []bodyscore.Page
	var ws []weak
	for _, id := range ids {
		gt := truth[id]
		b := readGz(t, filepath.Join(scrapinghubDir, "html", id+".html.gz"))
		pg, err := Parse(b, "text/html; charset=utf-8", gt.URL)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		art, _ := e.Article(pg)
		s := bodyscore.Score(art.Body, gt.ArticleBody)
		pages = append(pages, s)
		ws = append(ws, weak{id, s})
	}
	m := bodyscore.Aggregate(pages)
	sort.Slice(ws, func(i, j int) bool { return ws[i].score.F1() < ws[j].score.F1() })
	for _, w := range ws[:min(10, len(ws))] {
		t.Logf("weak: %s F1 %.2f (P %.2f R %.2f) %s", w.id[:12], w.score.F1(), w.score.Precision(), w.score.Recall(), truth[w.id].URL)
	}
	t.Logf("scrapinghub: %d pages, precision %.3f, recall %.3f, F1 %.3f, exact %.3f", len(ids), m.P, m.R, m.F1, m.Accuracy)
	F1 := m.F1
	if F1 < 0.965 {
		t.Errorf("F1 %.3f below the floor 0.965 (go-trafilatura scores 0.962)", F1)
	}
}

// BenchmarkScrapinghub parses and extracts every page of the scrapinghub
// benchmark: one iteration is all 181 pages.
func BenchmarkScrapinghub(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(scrapinghubDir, "html", "*.html.gz"))
	if len(files) == 0 {
		b.Skip("no benchmark corpus")
	}
	pages := make([][]byte, len(files))
	size := 0
	for i, f := range files {
		pages[i] = readGz(b, f)
		size += len(pages[i])
	}
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, body := range pages {
			p, err := Parse(body, "text/html; charset=utf-8", "https://example.com/2019/11/20/story.html")
			if err != nil {
				b.Fatal(err)
			}
			e.Article(p)
		}
	}
}

package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// scrapinghubDir holds the scrapinghub article-extraction benchmark: 181
// mostly English pages with their article bodies.
const scrapinghubDir = "../../shared/corpus/scrapinghub"

// words cuts a text into maximal runs of letters, digits and '_' (Python's
// \w+, which leaves out combining marks), as the benchmark's README
// defines.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_')
	})
}

// shingles returns the multiset of 4-word windows of a text; a text of one
// to three words gives one short shingle.
func shingles(s string) map[string]int {
	w := words(s)
	out := map[string]int{}
	if len(w) == 0 {
		return out
	}
	if len(w) < 4 {
		out[strings.Join(w, " ")]++
		return out
	}
	for i := 0; i+4 <= len(w); i++ {
		out[strings.Join(w[i:i+4], "\x00")]++
	}
	return out
}

// shingleScore returns a page's TP, FP and FN shingle counts.
func shingleScore(pred, truth string) (tp, fp, fn int) {
	p, t := shingles(pred), shingles(truth)
	for k, n := range p {
		m := t[k]
		tp += min(n, m)
		fp += max(n-m, 0)
	}
	for k, m := range t {
		fn += max(m-p[k], 0)
	}
	return tp, fp, fn
}

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
	var sumP, sumR float64
	nP, nR, exact := 0, 0, 0
	type worst struct {
		id   string
		f1   float64
		p, r float64
	}
	var ws []worst
	for _, id := range ids {
		gt := truth[id]
		b := readGz(t, filepath.Join(scrapinghubDir, "html", id+".html.gz"))
		pg, err := Parse(b, "text/html; charset=utf-8", gt.URL)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		art, _ := e.Article(pg)
		tp, fp, fn := shingleScore(art.Body, gt.ArticleBody)
		sum := float64(tp + fp + fn)
		var p, r float64
		if tp+fp > 0 {
			p = float64(tp) / float64(tp+fp)
			sumP += p
			nP++
		}
		if tp+fn > 0 {
			r = float64(tp) / float64(tp+fn)
			sumR += r
			nR++
		}
		_ = sum
		if strings.Join(words(art.Body), " ") == strings.Join(words(gt.ArticleBody), " ") {
			exact++
		}
		f := 0.0
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		ws = append(ws, worst{id, f, p, r})
	}
	P, R := sumP/float64(max(nP, 1)), sumR/float64(max(nR, 1))
	F1 := 2 * P * R / (P + R)
	sort.Slice(ws, func(i, j int) bool { return ws[i].f1 < ws[j].f1 })
	for _, w := range ws[:min(10, len(ws))] {
		t.Logf("weak: %s F1 %.2f (P %.2f R %.2f) %s", w.id[:12], w.f1, w.p, w.r, truth[w.id].URL)
	}
	t.Logf("scrapinghub: %d pages, precision %.3f, recall %.3f, F1 %.3f, exact %.3f", len(ids), P, R, F1, float64(exact)/float64(len(ids)))
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

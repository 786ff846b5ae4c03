package extract

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cnNewsDir holds real Chinese news and government pages (no answers).
const cnNewsDir = "../../shared/corpus/cn-news"

// readGz returns the decompressed bytes of a .gz file.
func readGz(t testing.TB, name string) []byte {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// corpusFiles lists the cn-news pages, skipping the test when the corpus
// is absent.
func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(cnNewsDir, "*.html.gz"))
	if len(files) == 0 {
		t.Skipf("no corpus at %s", cnNewsDir)
	}
	return files
}

// TestCorpusRobustness runs the extractor over real pages: it must not
// panic, must find a title and a body of reasonable length on every
// article page, and no body may carry footer text.
func TestCorpusRobustness(t *testing.T) {
	files := corpusFiles(t)
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%-26s %-8s %5s %6s %-17s %-14s %s", "page", "kind", "title", "body", "published", "source", "title text")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html.gz")
		t.Run(name, func(t *testing.T) {
			b := readGz(t, f)
			p, err := Parse(b, "", "http://news.example.cn/"+name+"/index.html")
			if err != nil {
				t.Fatal(err)
			}
			links := e.Links(p)
			art, err := e.Article(p)
			pub := ""
			if !art.Published.IsZero() {
				pub = art.Published.Format("2006-01-02 15:04")
			}
			t.Logf("%-26s %-8s %5d %6d %-17s %-14s %s", name, links.Kind, runeLen(art.Title), runeLen(art.Body), pub, prefix(art.Source, 12), prefix(art.Title, 30))
			if err != nil {
				t.Errorf("Article: %v (kind %v: %s)", err, links.Kind, art.Explain["kind"])
				return
			}
			if art.Title == "" {
				t.Errorf("no title")
			}
			if n := runeLen(art.Body); n < 100 {
				t.Errorf("body has %d characters, want at least 100:\n%s", n, art.Body)
			}
			for _, line := range strings.Split(art.Body, "\n") {
				if isFooter(line) && runeLen(line) < 80 {
					t.Errorf("body carries footer line %q", line)
				}
			}
			if strings.Contains(art.Body, "ICP") {
				t.Errorf("body carries ICP text")
			}
		})
	}
}

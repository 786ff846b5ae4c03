package archive

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// benchArticles returns n distinct realistic articles (about 3 KB of body,
// a 12 KB raw page each), reusing a pool of generated text.
func benchArticles(n int) []Article {
	rng := rand.New(rand.NewPCG(9, 9))
	pool := make([]Article, min(n, 500))
	for i := range pool {
		pool[i] = testArticle(rng, i)
	}
	arts := make([]Article, n)
	for i := range arts {
		art := pool[i%len(pool)]
		art.URL = fmt.Sprintf("http://www.hnredstar.gov.cn/c/2024-01-29/%d.html", i)
		art.Title = fmt.Sprintf("%d %s", i, art.Title)
		arts[i] = art
	}
	return arts
}

func openBenchArchive(b *testing.B, noSync bool) *Archive {
	b.Helper()
	a, err := Open(filepath.Join(b.TempDir(), "archive.db"), Options{NoSync: noSync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	return a
}

func reportRate(b *testing.B, n int, unit string) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), unit+"/s")
}

// BenchmarkPut stores one new article per Put: with fsync (the default),
// without, and re-storing known articles (Unchanged, the re-crawl case).
func BenchmarkPut(b *testing.B) {
	ctx := context.Background()
	arts := benchArticles(20000)
	for _, bc := range []struct {
		name   string
		noSync bool
	}{{"sync", false}, {"nosync", true}} {
		b.Run(bc.name, func(b *testing.B) {
			a := openBenchArchive(b, bc.noSync)
			n := 0
			for b.Loop() {
				art := arts[n%len(arts)]
				art.URL = fmt.Sprintf("http://www.hnredstar.gov.cn/c/%d.html", n)
				art.Title = fmt.Sprintf("%d %s", n, art.Title)
				if _, err := a.Put(ctx, art); err != nil {
					b.Fatal(err)
				}
				n++
			}
			reportRate(b, n, "articles")
		})
	}
	b.Run("unchanged", func(b *testing.B) {
		a := openBenchArchive(b, true)
		known := arts[:2000]
		if _, err := a.PutBatch(ctx, known); err != nil {
			b.Fatal(err)
		}
		n := 0
		for b.Loop() {
			if out, err := a.Put(ctx, known[n%len(known)]); err != nil || out != Unchanged {
				b.Fatal(out, err)
			}
			n++
		}
		reportRate(b, n, "articles")
	})
}

// BenchmarkPutBatch stores new articles 100 per transaction, with fsync.
func BenchmarkPutBatch(b *testing.B) {
	const batch = 100
	ctx := context.Background()
	arts := benchArticles(20000)
	a := openBenchArchive(b, false)
	n := 0
	for b.Loop() {
		chunk := make([]Article, batch)
		for i := range chunk {
			art := arts[(n+i)%len(arts)]
			art.URL = fmt.Sprintf("http://www.hnredstar.gov.cn/c/%d.html", n+i)
			art.Title = fmt.Sprintf("%d %s", n+i, art.Title)
			chunk[i] = art
		}
		if _, err := a.PutBatch(ctx, chunk); err != nil {
			b.Fatal(err)
		}
		n += batch
	}
	reportRate(b, n, "articles")
}

// BenchmarkWriteJSONL exports 10,000 records to io.Discard.
func BenchmarkWriteJSONL(b *testing.B) {
	const records = 10000
	ctx := context.Background()
	a := openBenchArchive(b, true)
	arts := benchArticles(records)
	for i := 0; i < len(arts); i += 1000 {
		if _, err := a.PutBatch(ctx, arts[i:i+1000]); err != nil {
			b.Fatal(err)
		}
	}
	cw := &countWriter{}
	if _, err := a.WriteJSONL(ctx, cw, Filter{}, JSONLOptions{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(cw.n)
	total := 0
	for b.Loop() {
		n, err := a.WriteJSONL(ctx, io.Discard, Filter{}, JSONLOptions{})
		if err != nil || n != records {
			b.Fatal(n, err)
		}
		total += n
	}
	reportRate(b, total, "records")
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkHas looks up known and unknown URLs in an archive of 100,000
// records.
func BenchmarkHas(b *testing.B) {
	if testing.Short() {
		b.Skip("builds a 100,000-record archive")
	}
	const records = 100000
	ctx := context.Background()
	a := openBenchArchive(b, true)
	batch := make([]Article, 0, 5000)
	for i := range records {
		u := fmt.Sprintf("http://www.hnredstar.gov.cn/c/2024-01-29/%d.html", i)
		art := simple(u, fmt.Sprint("标题 ", i), "正文")
		batch = append(batch, art)
		if len(batch) == cap(batch) {
			if _, err := a.PutBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 0
	for b.Loop() {
		i := rng.IntN(2 * records) // half known, half not
		ok, err := a.Has(fmt.Sprintf("http://www.hnredstar.gov.cn/c/2024-01-29/%d.html", i))
		if err != nil || ok != (i < records) {
			b.Fatal(i, ok, err)
		}
		n++
	}
	reportRate(b, n, "lookups")
}

// BenchmarkAppendJSONString escapes article bodies (Chinese text) as the
// export does.
func BenchmarkAppendJSONString(b *testing.B) {
	arts := benchArticles(100)
	size := 0
	for _, a := range arts {
		size += len(a.Body)
	}
	b.SetBytes(int64(size))
	var buf []byte
	for b.Loop() {
		for _, a := range arts {
			buf = appendJSONString(buf[:0], a.Body)
		}
	}
}

package archive

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// lookupArticle returns archived article i of the lookup benchmark: about
// 800 bytes of body, published on one of 2000 days; every 20th is a
// recurring "工作动态", one a day, whose body differs from day to day.
func lookupArticle(i int) Article {
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	title := fmt.Sprintf("第%d期 %s", i, genText(rng, 30))
	day := time.Date(2019, 1, 1, 8, 0, 0, 0, testZone).AddDate(0, 0, i%2000)
	if i%20 == 0 {
		title = "工作动态"
		day = time.Date(2019, 1, 1, 8, 0, 0, 0, testZone).AddDate(0, 0, i/20)
	}
	return Article{
		URL:       fmt.Sprintf("http://www.hnredstar.gov.cn/c/%d.html", i),
		Title:     title,
		Body:      genText(rng, 800),
		Published: day.Add(time.Duration(i%600) * time.Minute),
		FetchedAt: day,
	}
}

// noisyCopy returns art as another extractor might read it at url: its
// first line missing and its punctuation changed.
func noisyCopy(art Article, url string) Article {
	art.URL = url
	_, art.Body, _ = strings.Cut(art.Body, "\n")
	art.Body = strings.ReplaceAll(art.Body, "。", ". ")
	return art
}

// BenchmarkSimilarLookup measures how long Put's search for another
// extraction of an article takes (similar, in a read transaction), with
// 1,000, 10,000 and 100,000 articles archived, for four kinds of article:
// a noisy copy of an archived one, a new title, a recurring title on a day
// it was already used, and a recurring title without a date (the most
// records to compare). It logs the cost at 100,000 over that at 1,000.
func BenchmarkSimilarLookup(b *testing.B) {
	if testing.Short() {
		b.Skip("builds an archive of 100,000 articles")
	}
	ctx := context.Background()
	a := openBenchArchive(b, true)
	sizes := []int{1000, 10000, 100000}
	kinds := []string{"copy", "new-title", "recurring-same-day", "recurring-undated"}
	probe := func(kind string, n, k int) Article {
		j := (k * 7919) % n // an archived article
		switch kind {
		case "copy":
			return noisyCopy(lookupArticle(j), fmt.Sprintf("http://example.com/copy/%d.html", k))
		case "new-title":
			art := lookupArticle(n + k)
			art.Title = fmt.Sprintf("新标题%d", k)
			return art
		case "recurring-same-day":
			art := lookupArticle(n + k)
			art.Title = "工作动态"
			art.Published = lookupArticle(j - j%20).Published
			return art
		default:
			art := lookupArticle(n + k)
			art.Title, art.Published = "工作动态", time.Time{}
			return art
		}
	}
	perOp := map[string]float64{}
	stored := 0
	for _, n := range sizes {
		for stored < n {
			batch := make([]Article, 0, 1000)
			for ; stored < n && len(batch) < cap(batch); stored++ {
				batch = append(batch, lookupArticle(stored))
			}
			if _, err := a.PutBatch(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		for _, kind := range kinds {
			probes := make([]Article, 256)
			for k := range probes {
				probes[k] = probe(kind, n, k)
			}
			name := fmt.Sprintf("archived=%d/%s", n, kind)
			b.Run(name, func(b *testing.B) {
				k := 0
				for b.Loop() {
					err := a.db.View(func(tx *bolt.Tx) error {
						_, err := a.similar(tx, &probes[k%len(probes)])
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
					k++
				}
				perOp[name] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			})
		}
	}
	for _, kind := range kinds {
		lo, hi := perOp[fmt.Sprintf("archived=%d/%s", sizes[0], kind)], perOp[fmt.Sprintf("archived=%d/%s", sizes[2], kind)]
		if lo > 0 && hi > 0 {
			b.Logf("%-19s %8.0f ns at 1k, %8.0f ns at 10k, %8.0f ns at 100k: 100k/1k = %.2f", kind, lo,
				perOp[fmt.Sprintf("archived=%d/%s", sizes[1], kind)], hi, hi/lo)
		}
	}
}

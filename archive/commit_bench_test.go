package archive

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkCommit stores crawl steps as the crawler's writer does: each
// Commit holds 16 new articles, their 16 frontier entries finished and 48
// newly found links queued, in one transaction with fsync.
func BenchmarkCommit(b *testing.B) {
	const perStep = 16
	ctx := context.Background()
	arts := benchArticles(20000)
	a := openBenchArchive(b, false)
	value := []byte(`{"u":"http://www.hnredstar.gov.cn/c/2024/01/29/123456.html","v":2,"c":"要闻","f":"article"}`)
	n := 0
	for b.Loop() {
		var s Step
		for i := range perStep {
			art := arts[(n+i)%len(arts)]
			art.URL = fmt.Sprintf("http://www.hnredstar.gov.cn/c/%d.html", n+i)
			art.Title = fmt.Sprintf("%d %s", n+i, art.Title)
			s.Articles = append(s.Articles, art)
			s.Done = append(s.Done, FrontierEntry{Key: art.URL, Value: value})
			for j := range 3 {
				s.Add = append(s.Add, FrontierEntry{Key: fmt.Sprintf("http://www.hnredstar.gov.cn/c/%d-%d.html", n+i, j), Value: value})
			}
		}
		if _, err := a.Commit(ctx, "backfill", s); err != nil {
			b.Fatal(err)
		}
		n += perStep
	}
	reportRate(b, n, "articles")
}

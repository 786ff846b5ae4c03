package crawl

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/simsite"
)

// BenchmarkBackfill backfills a simulated site of 2,000 articles served in
// the same process, into a new archive each time (delay 0, parallelism 8,
// with fsync): the whole pipeline of fetch, extraction, dedup and
// archiving, for profiling (-cpuprofile, -memprofile). The site's own
// rendering shows in the profile under package simsite. bench/e2e measures
// the same with the site and the crawler in separate processes.
func BenchmarkBackfill(b *testing.B) {
	if testing.Short() {
		b.Skip("crawls a 2,000-article site")
	}
	srv := simsite.NewServer(simsite.Options{Seed: 1, Articles: 2000})
	defer srv.Close()
	opts := Options{
		StartURLs:            []string{srv.URL + "/"},
		AllowedDomains:       []string{"127.0.0.1"},
		UserAgent:            "crawler-bench/1.0",
		Parallelism:          8,
		MaxRetries:           3,
		AllowPrivateNetworks: true,
	}
	pages, articles := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		a, err := archive.Open(filepath.Join(b.TempDir(), "archive.db"), archive.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := Run(context.Background(), a, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Failures) > 0 {
			b.Fatalf("%d pages failed: %+v", len(res.Failures), res.Failures[0])
		}
		pages += res.Pages
		articles += res.Articles
		b.StopTimer()
		a.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(pages)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(articles)/b.Elapsed().Seconds(), "articles/s")
}

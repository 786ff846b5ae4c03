package serve

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/simsite"
)

// benchArticles is the archive size the search must stay fast on.
const benchArticles = 100_000

var bench struct {
	once     sync.Once
	snap     *snapshot
	build    time.Duration
	heap     uint64 // live heap the snapshot holds
	articles []simsite.Article
}

// benchSnapshot builds a snapshot of the simulated site's 100,000 articles
// straight from its ground truth (no crawl), and measures it.
func benchSnapshot(b *testing.B) *snapshot {
	b.Helper()
	if testing.Short() {
		b.Skip("builds a snapshot of 100,000 articles")
	}
	bench.once.Do(func() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		site := simsite.New(simsite.Options{Seed: 7, Articles: benchArticles})
		truth := site.Truth("https://www.hnredstar.gov.cn")
		bench.articles = append([]simsite.Article(nil), truth[:1000]...)
		start := time.Now()
		sb := newSnapshotBuilder("bench")
		for i, a := range truth {
			sb.add(archive.Record{
				ID: recordID(i + 1), URL: a.URLs[0], Title: a.Title, Source: a.Source, Published: a.Published,
				Body: a.Body, Column: a.Columns[0], Images: a.Images, Attachments: a.Attachments,
				Author: a.Author, Editor: a.Editor, FetchedAt: a.Published, Version: 1, Aliases: a.URLs[1:],
			}, nil)
			truth[i] = simsite.Article{}
		}
		bench.snap = sb.finish()
		bench.build = time.Since(start)
		truth = nil
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		bench.heap = after.HeapAlloc - before.HeapAlloc
		fmt.Printf("%d articles: built in %v; heap %.0f MiB (index %.0f MiB, bodies %.0f MiB compressed from %.0f MiB)",
			len(bench.snap.docs), bench.build.Round(time.Millisecond), float64(bench.heap)/(1<<20),
			float64(bench.snap.ix.size())/(1<<20), float64(bench.snap.storeBytes)/(1<<20), float64(bench.snap.textBytes)/(1<<20))
		fmt.Println()
	})
	return bench.snap
}

func recordID(n int) string { return fmt.Sprintf("%010d", n) }

// BenchmarkSearch measures queries on 100,000 articles: the target is well
// under a second each, including the page of results and the chart.
func BenchmarkSearch(b *testing.B) {
	s := benchSnapshot(b)
	title := bench.articles[500].Title
	for _, c := range []struct {
		name string
		q    query
	}{
		{"list-all", query{}},
		{"list-column-year", query{Column: s.columns[1], Since: time.Date(2022, 1, 1, 0, 0, 0, 0, beijing), Until: time.Date(2023, 1, 1, 0, 0, 0, 0, beijing)}},
		{"one-char", query{Q: "党"}},
		{"two-chars-common", query{Q: "干部"}},
		{"four-chars-common", query{Q: "组织工作"}},
		{"phrase-common", query{Q: "乡村振兴"}},
		{"two-words", query{Q: "人才 乡村"}},
		{"title", query{Q: title}},
		{"rare", query{Q: "量子计算机"}},
		{"phrase-column", query{Q: "基层党组织", Column: s.columns[0]}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var n int
			for b.Loop() {
				res := s.search(c.q)
				n = len(res.docs)
				page := pageOf(res.docs, 1, 20)
				for _, d := range page {
					s.snippet(d, res.terms)
				}
				s.months(res.docs)
			}
			b.ReportMetric(float64(n), "hits")
		})
	}
}

// BenchmarkBuild measures building the snapshot of 100,000 articles, as a
// server does at start and on reload.
func BenchmarkBuild(b *testing.B) {
	benchSnapshot(b)
	b.ReportMetric(bench.build.Seconds(), "build-s")
	b.ReportMetric(float64(bench.heap)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(bench.snap.ix.size())/(1<<20), "index-MiB")
	for b.Loop() {
	}
}

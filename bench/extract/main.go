// Command extract-bench measures the project's article extractor against
// go-trafilatura, in one run on the same pages:
//
//   - the scrapinghub article-extraction benchmark (181 pages with
//     hand-made article bodies): body precision, recall, F1 and accuracy
//     under the benchmark's shingle rule, with bootstrap ± values, and
//     pages per second of the extraction itself (bytes in, fields out,
//     one goroutine);
//   - cn-news (real Chinese news and government pages, no answers): how
//     many pages come out with each field empty, and a per-page table to
//     read by eye;
//   - the simulated site (ground truth known): per-field accuracy.
//
// It prints one report, writes it to -out, and replaces the generated
// section of -doc. Run it from bench/extract:
//
//	go run .
//
// Compare the ratios of one run, not absolute times across machines.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hnredstar/crawler/internal/bodyscore"
	"github.com/hnredstar/crawler/simsite"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == runnerFlag {
		if err := runTrafilatura(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	var (
		corpus   = flag.String("corpus", "../../../shared/corpus", "directory holding scrapinghub/ and cn-news/")
		out      = flag.String("out", "results.md", "file to write the full report to (\"\" for none)")
		doc      = flag.String("doc", "../../docs/extraction.md", "file whose generated section receives the summary (\"\" for none)")
		rounds   = flag.Int("rounds", 3, "timing rounds over the scrapinghub pages; the fastest round counts")
		boot     = flag.Int("bootstrap", 1000, "bootstrap resamples for the ± values (0 for none)")
		seed     = flag.Int64("seed", 1, "simulated site seed")
		articles = flag.Int("articles", 300, "simulated site articles")
		fallback = flag.Bool("fallback", true, "also run go-trafilatura with its fallback extractors")
	)
	flag.Parse()
	exs := []*extractor{ours(), goTrafilatura(false)}
	if *fallback {
		exs = append(exs, goTrafilatura(true))
	}
	var rep report
	rep.started = time.Now()
	var err error
	if rep.sh, err = runScrapinghub(filepath.Join(*corpus, "scrapinghub"), exs, *rounds, *boot); err != nil {
		fail(err)
	}
	if rep.proc, err = runProcesses(filepath.Join(*corpus, "scrapinghub"), *rounds); err != nil {
		fail(fmt.Errorf("whole-process comparison: %w", err))
	}
	if rep.cn, err = runCNNews(filepath.Join(*corpus, "cn-news"), exs); err != nil {
		fail(err)
	}
	if rep.sim, err = runSimsite(*seed, *articles, exs); err != nil {
		fail(err)
	}
	rep.exs = exs
	rep.cmd = "cd bench/extract && go run ."
	if args := os.Args[1:]; len(args) > 0 {
		rep.cmd += " " + strings.Join(args, " ")
	}
	summary := rep.summary()
	full := summary + "\n" + rep.details()
	fmt.Print(full)
	if *out != "" {
		if err := os.WriteFile(*out, []byte(full), 0o644); err != nil {
			fail(err)
		}
	}
	if *doc != "" {
		if err := replaceSection(*doc, summary); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "extract-bench:", err)
	os.Exit(1)
}

// readGz returns the decompressed bytes of a .gz file.
func readGz(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return b, nil
}

// safeRun runs an extractor on one page, turning a panic into an error.
func safeRun(e *extractor, body []byte, ct, u string) (r record) {
	defer func() {
		if v := recover(); v != nil {
			r = record{Err: fmt.Errorf("panic: %v", v)}
		}
	}()
	return e.run(body, ct, u)
}

// ---- scrapinghub ----

type shPage struct {
	id, url string
	truth   string
	html    []byte
}

type shResult struct {
	ex       *extractor
	pages    []bodyscore.Page
	m, sd    bodyscore.Metrics
	best     time.Duration // fastest round over all pages
	alloc    uint64        // bytes allocated in the first round
	empty    int
	panics   int
	weakest  []int
	mbPerSec float64
}

type shReport struct {
	pages   []shPage
	results []*shResult
	bytes   int
}

func runScrapinghub(dir string, exs []*extractor, rounds, boot int) (*shReport, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "ground-truth.json"))
	if err != nil {
		return nil, fmt.Errorf("scrapinghub ground truth: %w (set -corpus)", err)
	}
	var truth map[string]struct {
		ArticleBody string `json:"articleBody"`
		URL         string `json:"url"`
	}
	if err := json.Unmarshal(raw, &truth); err != nil {
		return nil, fmt.Errorf("scrapinghub ground truth: %w", err)
	}
	rep := &shReport{}
	for id, t := range truth {
		b, err := readGz(filepath.Join(dir, "html", id+".html.gz"))
		if err != nil {
			return nil, err
		}
		rep.pages = append(rep.pages, shPage{id: id, url: t.URL, truth: t.ArticleBody, html: b})
		rep.bytes += len(b)
	}
	sort.Slice(rep.pages, func(i, j int) bool { return rep.pages[i].id < rep.pages[j].id })
	for _, e := range exs {
		rep.results = append(rep.results, &shResult{ex: e, best: time.Duration(1<<63 - 1)})
	}
	const ct = "text/html; charset=utf-8" // the README: all pages are UTF-8
	// The first pass scores the output and counts allocations, one
	// extractor at a time.
	for _, res := range rep.results {
		runtime.GC()
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		recs := make([]record, len(rep.pages))
		for i, p := range rep.pages {
			recs[i] = safeRun(res.ex, p.html, ct, p.url)
		}
		runtime.ReadMemStats(&ms1)
		res.alloc = ms1.TotalAlloc - ms0.TotalAlloc
		for i, r := range recs {
			if r.Err != nil && strings.HasPrefix(r.Err.Error(), "panic:") {
				res.panics++
			}
			if strings.TrimSpace(r.Body) == "" {
				res.empty++
			}
			res.pages = append(res.pages, bodyscore.Score(r.Body, rep.pages[i].truth))
		}
	}
	// Each timing round runs every extractor over all pages in turn, so
	// that each pays for the garbage collection its own allocations
	// cause; the rounds alternate the order, and each extractor's fastest
	// round counts, so a busy moment of the machine does not.
	for round := range max(rounds, 1) {
		for k := range rep.results {
			j := (round + k) % len(rep.results)
			if round%2 == 1 {
				j = len(rep.results) - 1 - j
			}
			res := rep.results[j]
			runtime.GC()
			start := time.Now()
			for _, p := range rep.pages {
				safeRun(res.ex, p.html, ct, p.url)
			}
			res.best = min(res.best, time.Since(start))
		}
	}
	for _, res := range rep.results {
		res.m, res.sd = bootstrap(res.pages, boot)
		idx := make([]int, len(res.pages))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return res.pages[idx[a]].F1() < res.pages[idx[b]].F1() })
		res.weakest = idx[:min(10, len(idx))]
		res.mbPerSec = float64(rep.bytes) / 1e6 / res.best.Seconds()
	}
	return rep, nil
}

// ---- cn-news ----

var cnFields = []string{"title", "source", "published", "body", "author", "editor", "column"}

type cnRow struct {
	name string
	recs []record // one per extractor
}

type cnReport struct {
	rows   []cnRow
	empty  []map[string]int // per extractor: field → pages with it empty
	errs   []int            // per extractor: pages with an error (no article)
	panics []int
}

func runCNNews(dir string, exs []*extractor) (*cnReport, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.html.gz"))
	if len(files) == 0 {
		return nil, fmt.Errorf("no cn-news pages in %s (set -corpus)", dir)
	}
	rep := &cnReport{empty: make([]map[string]int, len(exs)), errs: make([]int, len(exs)), panics: make([]int, len(exs))}
	for i := range exs {
		rep.empty[i] = map[string]int{}
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html.gz")
		b, err := readGz(f)
		if err != nil {
			return nil, err
		}
		row := cnRow{name: name}
		// The pages were saved without their addresses; a neutral one
		// keeps a URL date from helping.
		u := "http://news.example.cn/" + name + "/index.html"
		for i, e := range exs {
			r := safeRun(e, b, "", u)
			if r.Err != nil {
				rep.errs[i]++
				if strings.HasPrefix(r.Err.Error(), "panic:") {
					rep.panics[i]++
				}
			}
			for _, fld := range cnFields {
				if e.has(fld) && fieldString(r, fld) == "" {
					rep.empty[i][fld]++
				}
			}
			row.recs = append(row.recs, r)
		}
		rep.rows = append(rep.rows, row)
	}
	return rep, nil
}

// fieldString returns a record's field as text, "" when empty.
func fieldString(r record, field string) string {
	switch field {
	case "title":
		return r.Title
	case "source":
		return r.Source
	case "published":
		if r.Published.IsZero() {
			return ""
		}
		return r.Published.In(shanghai).Format("2006-01-02 15:04")
	case "body":
		return r.Body
	case "author":
		return r.Author
	case "editor":
		return r.Editor
	case "column":
		return r.Column
	case "images":
		return strings.Join(r.Images, " ")
	case "attachments":
		return strings.Join(r.Attachments, " ")
	}
	return ""
}

var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// ---- simulated site ----

var simFields = []string{"title", "source", "published", "published (day)", "body", "body (words)", "images", "attachments", "author", "editor", "column"}

type simReport struct {
	seed     int64
	articles int
	copies   int
	ok       []map[string]int // per extractor
	bodyF1   []float64        // per extractor: mean page F1 of the body
	misses   []map[string][]string
}

func runSimsite(seed int64, articles int, exs []*extractor) (*simReport, error) {
	srv := simsite.NewServer(simsite.Options{Seed: seed, Articles: articles, SlowDelay: -1})
	defer srv.Close()
	c := &http.Client{Timeout: 10 * time.Second}
	type page struct {
		body []byte
		ct   string
	}
	pages := map[string]page{}
	get := func(u string) (page, error) {
		if p, ok := pages[u]; ok {
			return p, nil
		}
		for try := 0; ; try++ {
			resp, err := c.Get(u)
			if err != nil {
				return page{}, err
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return page{}, err
			}
			if resp.StatusCode != http.StatusOK && try < 5 {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			if resp.StatusCode != http.StatusOK {
				return page{}, fmt.Errorf("get %s: status %d", u, resp.StatusCode)
			}
			p := page{b, resp.Header.Get("Content-Type")}
			pages[u] = p
			return p, nil
		}
	}
	rep := &simReport{seed: seed, articles: articles, ok: make([]map[string]int, len(exs)),
		bodyF1: make([]float64, len(exs)), misses: make([]map[string][]string, len(exs))}
	for i := range exs {
		rep.ok[i] = map[string]int{}
		rep.misses[i] = map[string][]string{}
	}
	for _, t := range srv.Truth() {
		for ci, u := range t.URLs {
			rep.copies++
			var fetched []page
			for _, pu := range t.PageURLs[ci] {
				p, err := get(pu)
				if err != nil {
					return nil, err
				}
				fetched = append(fetched, p)
			}
			for i, e := range exs {
				var recs []record
				for pi, p := range fetched {
					recs = append(recs, safeRun(e, p.body, p.ct, t.PageURLs[ci][pi]))
				}
				r := e.join(recs)
				want := record{Title: t.Title, Source: t.Source, Body: t.Body, Author: t.Author, Editor: t.Editor,
					Column: t.Columns[ci], Published: t.Published, Images: t.Images, Attachments: t.Attachments}
				for _, f := range simFields {
					if !e.has(strings.Fields(f)[0]) {
						continue
					}
					var got, exp string
					switch f {
					case "published (day)":
						// A peer may give a day in another zone; its own
						// calendar day counts.
						if !r.Published.IsZero() {
							got = r.Published.Format("2006-01-02")
						}
						exp = want.Published.In(shanghai).Format("2006-01-02")
					case "body (words)":
						got, exp = strings.Join(bodyscore.Words(r.Body), " "), strings.Join(bodyscore.Words(want.Body), " ")
					default:
						got, exp = fieldString(r, f), fieldString(want, f)
					}
					if got == exp {
						rep.ok[i][f]++
					} else if len(rep.misses[i][f]) < 3 {
						rep.misses[i][f] = append(rep.misses[i][f], fmt.Sprintf("%s\n      got  %q\n      want %q", u, clip(got, 160), clip(exp, 160)))
					}
				}
				rep.bodyF1[i] += bodyscore.Score(r.Body, want.Body).F1()
			}
		}
	}
	for i := range exs {
		rep.bodyF1[i] /= float64(max(rep.copies, 1))
	}
	return rep, nil
}

// clip shortens s to n runes.
func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}

// ---- report ----

type report struct {
	started time.Time
	exs     []*extractor
	sh      *shReport
	cn      *cnReport
	sim     *simReport
	proc    *processReport
	cmd     string
}

const (
	beginMark = "<!-- extract-bench:begin -->"
	endMark   = "<!-- extract-bench:end -->"
)

func (r *report) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Generated by `%s` on %s (%s/%s, %d CPUs, %s).\n\n", r.cmd, r.started.Format("2006-01-02"),
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())

	// scrapinghub
	fmt.Fprintf(&b, "**scrapinghub** (%d pages, %.1f MB of HTML; body scored by 4-word shingles; ± is the bootstrap standard deviation)\n\n", len(r.sh.pages), float64(r.sh.bytes)/1e6)
	b.WriteString("| extractor | precision | recall | F1 | accuracy | pages/s | MB/s | KB allocated/page |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, res := range r.sh.results {
		n := float64(len(r.sh.pages))
		fmt.Fprintf(&b, "| %s | %.3f ± %.3f | %.3f ± %.3f | **%.3f** ± %.3f | %.3f ± %.3f | %.1f | %.1f | %.0f |\n",
			res.ex.name, res.m.P, res.sd.P, res.m.R, res.sd.R, res.m.F1, res.sd.F1, res.m.Accuracy, res.sd.Accuracy,
			n/res.best.Seconds(), res.mbPerSec, float64(res.alloc)/n/1024)
	}
	o := r.sh.results[0]
	b.WriteString("\n")
	for _, res := range r.sh.results[1:] {
		fmt.Fprintf(&b, "- ours vs %s: F1 %+.3f, %.1f× the pages per second.\n", res.ex.name, o.m.F1-res.m.F1, res.best.Seconds()/o.best.Seconds())
	}

	b.WriteString(r.proc.summary())

	// cn-news
	fmt.Fprintf(&b, "\n**cn-news** (%d real Chinese news and government pages, no answers): pages with the field empty (— the extractor has no such field)\n\n", len(r.cn.rows))
	b.WriteString("| extractor | no article | " + strings.Join(cnFields, " | ") + " |\n")
	b.WriteString("| --- | --- |" + strings.Repeat(" --- |", len(cnFields)) + "\n")
	for i, e := range r.exs {
		fmt.Fprintf(&b, "| %s | %d |", e.name, r.cn.errs[i])
		for _, f := range cnFields {
			if e.has(f) {
				fmt.Fprintf(&b, " %d |", r.cn.empty[i][f])
			} else {
				b.WriteString(" — |")
			}
		}
		b.WriteString("\n")
	}

	// simulated site
	fmt.Fprintf(&b, "\n**simulated site** (seed %d, %d articles, %d article copies; no selectors): share of copies with the field exactly right\n\n", r.sim.seed, r.sim.articles, r.sim.copies)
	b.WriteString("| extractor | " + strings.Join(simFields, " | ") + " | body F1 |\n")
	b.WriteString("| --- |" + strings.Repeat(" --- |", len(simFields)+1) + "\n")
	for i, e := range r.exs {
		fmt.Fprintf(&b, "| %s |", e.name)
		for _, f := range simFields {
			if e.has(strings.Fields(f)[0]) {
				fmt.Fprintf(&b, " %.3f |", float64(r.sim.ok[i][f])/float64(max(r.sim.copies, 1)))
			} else {
				b.WriteString(" — |")
			}
		}
		fmt.Fprintf(&b, " %.3f |\n", r.sim.bodyF1[i])
	}
	return b.String()
}

func (r *report) details() string {
	var b strings.Builder
	b.WriteString("\n## Details\n\n### scrapinghub: weakest pages (page F1)\n\n")
	for _, res := range r.sh.results {
		fmt.Fprintf(&b, "%s:\n\n", res.ex.name)
		for _, i := range res.weakest {
			p := res.pages[i]
			fmt.Fprintf(&b, "- %s F1 %.2f (P %.2f R %.2f) %s\n", r.sh.pages[i].id[:12], p.F1(), p.Precision(), p.Recall(), r.sh.pages[i].url)
		}
		b.WriteString("\n")
	}
	b.WriteString("### cn-news, page by page\n\n")
	for _, row := range r.cn.rows {
		fmt.Fprintf(&b, "- **%s**\n", row.name)
		for i, e := range r.exs {
			rec := row.recs[i]
			var parts []string
			for _, f := range []string{"title", "source", "published", "author", "editor", "column"} {
				if e.has(f) {
					parts = append(parts, fmt.Sprintf("%s %q", f, clip(fieldString(rec, f), 40)))
				}
			}
			body := []rune(rec.Body)
			parts = append(parts, fmt.Sprintf("body %d chars %q … %q", len(body), clip(rec.Body, 30), string(body[max(0, len(body)-30):])))
			if rec.Err != nil && !errors.Is(rec.Err, io.EOF) {
				parts = append(parts, "error: "+clip(rec.Err.Error(), 80))
			}
			fmt.Fprintf(&b, "  - %s: %s\n", e.name, strings.Join(parts, "; "))
		}
	}
	b.WriteString("\n### simulated site: first misses\n\n")
	for i, e := range r.exs {
		keys := make([]string, 0, len(r.sim.misses[i]))
		for k := range r.sim.misses[i] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			for _, m := range r.sim.misses[i][k] {
				fmt.Fprintf(&b, "- %s, %s: %s\n", e.name, k, m)
			}
		}
	}
	return b.String()
}

// replaceSection writes summary between the begin and end marks of the
// file at path.
func replaceSection(path, summary string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("update %s: %w (or pass -doc \"\")", path, err)
	}
	i := bytes.Index(old, []byte(beginMark))
	j := bytes.Index(old, []byte(endMark))
	if i < 0 || j < i {
		return fmt.Errorf("update %s: no %s … %s section", path, beginMark, endMark)
	}
	var b bytes.Buffer
	b.Write(old[:i+len(beginMark)])
	b.WriteString("\n")
	b.WriteString(summary)
	b.Write(old[j:])
	return os.WriteFile(path, b.Bytes(), 0o644)
}

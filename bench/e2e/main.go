// Command e2e is the end-to-end benchmark of the crawler against its peers.
//
// For each site size N it serves the simulated site (package simsite) of N
// articles from a child process on 127.0.0.1 and, on that one site in the
// same run, times:
//
//   - crawler backfill (the binary, built with go build into a temporary
//     directory, run as a child with delay 0 and parallelism 8): requests
//     and articles per second, CPU seconds per page, peak RSS (getrusage of
//     the child), archive bytes per article and as a share of the HTML
//     fetched;
//   - wget --mirror and a bare Colly crawl following the same links with
//     the same parallelism and doing nothing else, as baselines;
//   - crawler export of the whole archive against cat of the exported file;
//   - crawler crawl after k new articles are published: requests made.
//
// It prints one Markdown table per N, and the targets with whether they
// hold, and writes them to -out. Run it from bench/e2e:
//
//	go run . -n 10000,100000 -out results.md
//
// The same binary is the site (e2e serve) and the Colly peer (e2e colly).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "serve":
		err = serveMain(os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "colly":
		err = collyMain(os.Args[2:])
	default:
		err = benchMain(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
}

type config struct {
	sizes       []int
	k           int
	repeat      int
	parallelism int
	seed        int64
	out         string
	work        string
	keep        bool
	peers       bool
	root        string
	self        string
	crawler     string
}

func benchMain(args []string) error {
	fs := flag.NewFlagSet("e2e", flag.ContinueOnError)
	sizes := fs.String("n", "10000", "site sizes in articles, comma-separated (e.g. 10000,100000)")
	var c config
	fs.IntVar(&c.k, "k", 50, "new articles published before the cron crawl")
	fs.IntVar(&c.repeat, "repeat", 1, "runs of each crawl per size; the median is shown")
	fs.IntVar(&c.parallelism, "parallelism", 8, "concurrent requests of the crawler and the Colly peer")
	fs.Int64Var(&c.seed, "seed", 1, "simulated site seed")
	fs.StringVar(&c.out, "out", "results.md", "write the table to this file too")
	fs.StringVar(&c.work, "work", "", "working directory (default: a temporary one, removed at the end)")
	fs.BoolVar(&c.keep, "keep", false, "keep the working directory")
	fs.BoolVar(&c.peers, "peers", true, "also run wget --mirror and the bare Colly crawl")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-n: bad size %q", s)
		}
		c.sizes = append(c.sizes, n)
	}
	c.repeat = max(c.repeat, 1)
	var err error
	if c.root, err = findRoot(); err != nil {
		return err
	}
	if c.self, err = os.Executable(); err != nil {
		return err
	}
	if c.work == "" {
		if c.work, err = os.MkdirTemp("", "crawler-e2e-"); err != nil {
			return err
		}
		if !c.keep {
			defer os.RemoveAll(c.work)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	c.crawler = filepath.Join(c.work, "crawler")
	logf("building the crawler into %s", c.crawler)
	build := exec.CommandContext(ctx, "go", "build", "-o", c.crawler, "./cmd/crawler")
	build.Dir, build.Stdout, build.Stderr = c.root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build the crawler: %w", err)
	}
	if c.peers {
		if _, err := exec.LookPath("wget"); err != nil {
			return errors.New("wget not found: install it (apt-get install wget) or run with -peers=false")
		}
	}

	var results []*sizeResult
	for _, n := range c.sizes {
		r, err := benchSize(ctx, &c, n)
		if err != nil {
			return fmt.Errorf("N=%d: %w", n, err)
		}
		results = append(results, r)
	}
	report := render(&c, results)
	fmt.Print(report)
	if c.out != "" {
		if err := os.WriteFile(c.out, []byte(report), 0o644); err != nil {
			return err
		}
		logf("table written to %s", c.out)
	}
	return nil
}

// findRoot returns the directory of the crawler's go.mod, looking up from
// the working directory.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module github.com/hnredstar/crawler\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run this from inside the crawler's checkout (bench/e2e)")
		}
		dir = parent
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// usage is what the OS says a child process used.
type usage struct {
	wall   time.Duration
	cpu    time.Duration // user + system
	maxRSS int64         // bytes
}

// runChild runs cmd to its end and returns its resource use. Exit
// statuses listed in okExit are not errors.
func runChild(cmd *exec.Cmd, okExit ...int) (usage, error) {
	start := time.Now()
	err := cmd.Run()
	u := usage{wall: time.Since(start)}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			u.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			u.maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
		}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && slices.Contains(okExit, ee.ExitCode()) {
		err = nil
	}
	if err != nil {
		return u, fmt.Errorf("%s: %w", strings.Join(cmd.Args, " "), err)
	}
	return u, nil
}

// site is the simulated site's child process.
type site struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Reader
	url     string
	columns int
}

func startSite(ctx context.Context, c *config, n int) (*site, error) {
	cmd := exec.CommandContext(ctx, c.self, "serve", "-n", strconv.Itoa(n), "-seed", strconv.FormatInt(c.seed, 10))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outp, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &site{cmd: cmd, in: in, out: bufio.NewReader(outp)}
	line, err := s.out.ReadString('\n')
	if err != nil {
		s.close()
		return nil, fmt.Errorf("start the site: %w", err)
	}
	if _, err := fmt.Sscan(line, &s.url, &s.columns); err != nil {
		s.close()
		return nil, fmt.Errorf("start the site: %q: %w", line, err)
	}
	return s, nil
}

func (s *site) call(cmd string) (string, error) {
	if _, err := io.WriteString(s.in, cmd+"\n"); err != nil {
		return "", err
	}
	line, err := s.out.ReadString('\n')
	return strings.TrimSpace(line), err
}

func (s *site) requests() (int, error) {
	line, err := s.call("requests")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(line)
}

func (s *site) close() {
	s.in.Close()
	_ = s.cmd.Wait()
}

// crawlRun is one measured crawl.
type crawlRun struct {
	usage
	requests     int   // as counted by the site
	pages        int   // pages the crawler used (its own count)
	articles     int   // articles handed to the archive
	failed       int   // pages that failed
	htmlBytes    int64 // response bytes received (decoded)
	archiveBytes int64 // size of the archive file
	siteCPU      time.Duration
}

// sizeResult is everything measured at one site size.
type sizeResult struct {
	n, columns    int
	backfill      crawlRun
	wget, colly   crawlRun
	export, cat   usage
	exportRecords int
	exportBytes   int64
	cron          crawlRun
	cronPages     int // pages of the k new articles, copies and later pages included
	cronFiles     int // distinct attachment files the k new articles link
	cronExpected  int
}

func benchSize(ctx context.Context, c *config, n int) (*sizeResult, error) {
	logf("N=%d: starting the simulated site", n)
	s, err := startSite(ctx, c, n)
	if err != nil {
		return nil, err
	}
	defer s.close()
	res := &sizeResult{n: n, columns: s.columns}
	dir := filepath.Join(c.work, strconv.Itoa(n))
	var backfills, wgets, collys []crawlRun
	var last string
	for i := range c.repeat {
		run := filepath.Join(dir, fmt.Sprintf("run%d", i))
		if err := os.MkdirAll(run, 0o755); err != nil {
			return nil, err
		}
		cfg, err := writeConfig(run, s.url, c.parallelism)
		if err != nil {
			return nil, err
		}
		logf("N=%d run %d: crawler backfill", n, i+1)
		b, err := backfill(ctx, c, s, cfg)
		if err != nil {
			return nil, err
		}
		logf("N=%d run %d: %d requests, %d articles in %.1fs, peak RSS %.0f MB", n, i+1, b.requests, b.articles, b.wall.Seconds(), mb(b.maxRSS))
		backfills = append(backfills, b)
		if last != "" && !c.keep {
			os.RemoveAll(last)
		}
		last = run
		if !c.peers {
			continue
		}
		logf("N=%d run %d: wget --mirror", n, i+1)
		w, err := wgetMirror(ctx, s, filepath.Join(run, "wget"))
		if err != nil {
			return nil, err
		}
		logf("N=%d run %d: wget: %d requests in %.1fs", n, i+1, w.requests, w.wall.Seconds())
		wgets = append(wgets, w)
		logf("N=%d run %d: bare Colly", n, i+1)
		cl, err := collyCrawl(ctx, c, s)
		if err != nil {
			return nil, err
		}
		logf("N=%d run %d: Colly: %d requests in %.1fs", n, i+1, cl.requests, cl.wall.Seconds())
		collys = append(collys, cl)
	}
	res.backfill = median(backfills)
	if c.peers {
		res.wget, res.colly = median(wgets), median(collys)
	}

	// Export and cat, alternating, on the last run's archive.
	cfg := filepath.Join(last, "config.yaml")
	var exports, cats []usage
	for i := range max(3, c.repeat) {
		logf("N=%d: export %d", n, i+1)
		jsonl := filepath.Join(last, "export.jsonl")
		e, err := toFile(jsonl, exec.CommandContext(ctx, c.crawler, "export", "--config", cfg, "-q"))
		if err != nil {
			return nil, err
		}
		exports = append(exports, e)
		cu, err := toFile(filepath.Join(last, "cat.jsonl"), exec.CommandContext(ctx, "cat", jsonl))
		if err != nil {
			return nil, err
		}
		cats = append(cats, cu)
		if i == 0 {
			if res.exportRecords, res.exportBytes, err = countLines(jsonl); err != nil {
				return nil, err
			}
		}
	}
	res.export, res.cat = medianUsage(exports), medianUsage(cats)

	// The cron crawl after k new articles.
	line, err := s.call(fmt.Sprintf("publish %d", c.k))
	if err != nil {
		return nil, err
	}
	var newPages, newFiles int
	if _, err := fmt.Sscan(line, &newPages, &newFiles); err != nil {
		return nil, fmt.Errorf("publish: %q", line)
	}
	logf("N=%d: crawler crawl after %d new articles", n, c.k)
	before, err := s.requests()
	if err != nil {
		return nil, err
	}
	cu, err := runChild(exec.CommandContext(ctx, c.crawler, "crawl", "--config", cfg, "-q"), 4)
	if err != nil {
		return nil, err
	}
	after, err := s.requests()
	if err != nil {
		return nil, err
	}
	res.cron = crawlRun{usage: cu, requests: after - before}
	if r, err := lastRun(ctx, c, cfg); err == nil {
		res.cron.pages, res.cron.articles, res.cron.failed = r.Pages, r.Added+r.Versioned+r.Aliased+r.Unchanged, r.Failed
	}
	res.cronPages, res.cronFiles = newPages, newFiles
	// The crawler fetches each new article's attachments once too.
	res.cronExpected = newPages + newFiles + s.columns + 2
	return res, nil
}

func writeConfig(dir, siteURL string, parallelism int) (string, error) {
	name := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(`site:
  start_urls: ["%s/"]
  allowed_domains: ["127.0.0.1"]
crawl:
  delay: 0s
  parallelism: %d
  allow_private_networks: true
archive:
  path: %s
`, siteURL, parallelism, filepath.Join(dir, "archive.db"))
	return name, os.WriteFile(name, []byte(cfg), 0o644)
}

// runRecord is the part of `crawler runs --json` the bench reads.
type runRecord struct {
	Bytes     int64 `json:"bytes"`
	Pages     int   `json:"pages"`
	Added     int   `json:"added"`
	Versioned int   `json:"versioned"`
	Aliased   int   `json:"aliased"`
	Unchanged int   `json:"unchanged"`
	Failed    int   `json:"failed"`
}

func lastRun(ctx context.Context, c *config, cfg string) (runRecord, error) {
	out, err := exec.CommandContext(ctx, c.crawler, "runs", "--config", cfg, "--json").Output()
	if err != nil {
		return runRecord{}, fmt.Errorf("crawler runs: %w", err)
	}
	var r runRecord
	line, _, _ := strings.Cut(string(out), "\n") // newest first
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return runRecord{}, fmt.Errorf("crawler runs: %w", err)
	}
	return r, nil
}

func backfill(ctx context.Context, c *config, s *site, cfg string) (crawlRun, error) {
	before, err := s.requests()
	if err != nil {
		return crawlRun{}, err
	}
	cpu0 := s.cpu()
	cmd := exec.CommandContext(ctx, c.crawler, "backfill", "--config", cfg, "-q")
	cmd.Stderr = os.Stderr
	u, err := runChild(cmd, 4) // 4: some pages failed, counted below
	if err != nil {
		return crawlRun{}, err
	}
	after, err := s.requests()
	if err != nil {
		return crawlRun{}, err
	}
	r, err := lastRun(ctx, c, cfg)
	if err != nil {
		return crawlRun{}, err
	}
	fi, err := os.Stat(filepath.Join(filepath.Dir(cfg), "archive.db"))
	if err != nil {
		return crawlRun{}, err
	}
	return crawlRun{
		usage: u, requests: after - before, pages: r.Pages, siteCPU: s.cpu() - cpu0,
		articles: r.Added + r.Versioned + r.Aliased + r.Unchanged, failed: r.Failed,
		htmlBytes: r.Bytes, archiveBytes: fi.Size(),
	}, nil
}

func wgetMirror(ctx context.Context, s *site, dir string) (crawlRun, error) {
	before, err := s.requests()
	if err != nil {
		return crawlRun{}, err
	}
	cpu0 := s.cpu()
	cmd := exec.CommandContext(ctx, "wget", "--mirror", "--no-verbose", "--no-host-directories",
		"-e", "robots=on", "--reject", strings.Join(skipped, ","), "--reject-regex", calendarTrap,
		"-o", dir+".log", "-P", dir, s.url+"/")
	u, err := runChild(cmd, 8) // 8: the server answered some requests with errors (404s)
	if err != nil {
		return crawlRun{}, err
	}
	after, err := s.requests()
	if err != nil {
		return crawlRun{}, err
	}
	r := crawlRun{usage: u, requests: after - before, siteCPU: s.cpu() - cpu0}
	r.htmlBytes, r.pages = dirSize(dir)
	os.RemoveAll(dir)
	return r, nil
}

func collyCrawl(ctx context.Context, c *config, s *site) (crawlRun, error) {
	before, err := s.requests()
	if err != nil {
		return crawlRun{}, err
	}
	cpu0 := s.cpu()
	var out strings.Builder
	cmd := exec.CommandContext(ctx, c.self, "colly", "-parallelism", strconv.Itoa(c.parallelism), s.url+"/")
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	u, err := runChild(cmd)
	if err != nil {
		return crawlRun{}, err
	}
	after, err := s.requests()
	if err != nil {
		return crawlRun{}, err
	}
	pages, _ := strconv.Atoi(strings.TrimSpace(out.String()))
	return crawlRun{usage: u, requests: after - before, pages: pages, siteCPU: s.cpu() - cpu0}, nil
}

// toFile runs cmd with its stdout written to name.
func toFile(name string, cmd *exec.Cmd) (usage, error) {
	f, err := os.Create(name)
	if err != nil {
		return usage{}, err
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, os.Stderr
	return runChild(cmd)
}

func countLines(name string) (int, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	lines, size := 0, int64(0)
	for {
		n, err := f.Read(buf)
		size += int64(n)
		for _, b := range buf[:n] {
			if b == '\n' {
				lines++
			}
		}
		if err == io.EOF {
			return lines, size, nil
		}
		if err != nil {
			return 0, 0, err
		}
	}
}

// dirSize returns the bytes and number of files under dir.
func dirSize(dir string) (int64, int) {
	var size int64
	files := 0
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				size += fi.Size()
				files++
			}
		}
		return nil
	})
	return size, files
}

// median returns the run with the median wall time.
func median(runs []crawlRun) crawlRun {
	if len(runs) == 0 {
		return crawlRun{}
	}
	s := slices.Clone(runs)
	slices.SortFunc(s, func(a, b crawlRun) int { return int(a.wall - b.wall) })
	return s[len(s)/2]
}

func medianUsage(us []usage) usage {
	s := slices.Clone(us)
	slices.SortFunc(s, func(a, b usage) int { return int(a.wall - b.wall) })
	return s[len(s)/2]
}

func msPer(d time.Duration, n int) float64 { return ratio(float64(d.Microseconds())/1000, float64(n)) }

func mb(b int64) float64 { return float64(b) / 1e6 }

func perSec(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// render formats the results as Markdown.
func render(c *config, rs []*sizeResult) string {
	var b strings.Builder
	cpu := cpuModel()
	fmt.Fprintf(&b, "Measured %s on %d CPUs (%s), %s, %s; site seed %d, parallelism %d, k = %d, median of %d.\n\n",
		time.Now().Format("2006-01-02"), runtime.NumCPU(), cpu, runtime.Version(), wgetVersion(), c.seed, c.parallelism, c.k, c.repeat)

	fmt.Fprintf(&b, "| N | tool | requests | wall s | requests/s | articles/s | CPU ms/request | site CPU ms/request | peak RSS MB |\n")
	fmt.Fprintf(&b, "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range rs {
		row := func(tool string, cr crawlRun, articles bool) {
			a := "—"
			if articles {
				a = fmt.Sprintf("%.0f", perSec(cr.articles, cr.wall))
			}
			fmt.Fprintf(&b, "| %d | %s | %d | %.1f | %.0f | %s | %.2f | %.2f | %.0f |\n", r.n, tool, cr.requests, cr.wall.Seconds(),
				perSec(cr.requests, cr.wall), a, msPer(cr.cpu, cr.requests), msPer(cr.siteCPU, cr.requests), mb(cr.maxRSS))
		}
		row("crawler backfill", r.backfill, true)
		if c.peers {
			row("wget --mirror", r.wget, false)
			row("bare Colly", r.colly, false)
		}
	}

	fmt.Fprintf(&b, "\n| N | articles | failed pages | HTML fetched MB | archive MB | archive bytes/article | archive/HTML | export records/s | export MB/s | cat MB/s | cron crawl requests (new pages + new files + columns + 2) | cron crawl s |\n")
	fmt.Fprintf(&b, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range rs {
		bf := r.backfill
		fmt.Fprintf(&b, "| %d | %d | %d | %.0f | %.0f | %.0f | %.1f%% | %.0f | %.0f | %.0f | %d (%d + %d + %d + 2) | %.2f |\n",
			r.n, bf.articles, bf.failed, mb(bf.htmlBytes), mb(bf.archiveBytes), ratio(float64(bf.archiveBytes), float64(bf.articles)),
			100*ratio(float64(bf.archiveBytes), float64(bf.htmlBytes)),
			perSec(r.exportRecords, r.export.wall), mb(r.exportBytes)/r.export.wall.Seconds(), mb(r.exportBytes)/r.cat.wall.Seconds(),
			r.cron.requests, r.cronPages, r.cronFiles, r.columns, r.cron.wall.Seconds())
	}

	fmt.Fprintf(&b, "\n| target | N | measured | holds |\n| --- | ---: | --- | --- |\n")
	check := func(name string, n int, measured string, ok bool) {
		v := "yes"
		if !ok {
			v = "**no**"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s |\n", name, n, measured, v)
	}
	for _, r := range rs {
		bf := r.backfill
		rate := perSec(bf.requests, bf.wall)
		if c.peers {
			w, cl := perSec(r.wget.requests, r.wget.wall), perSec(r.colly.requests, r.colly.wall)
			check("backfill ≥ 2× wget --mirror (requests/s)", r.n, fmt.Sprintf("%.2f×", ratio(rate, w)), rate >= 2*w)
			check("backfill ≥ 50% of bare Colly (requests/s)", r.n, fmt.Sprintf("%.0f%%", 100*ratio(rate, cl)), rate >= 0.5*cl)
		}
		if r.n >= 100000 {
			check("peak RSS ≤ 150 MB at 100,000 articles", r.n, fmt.Sprintf("%.0f MB", mb(bf.maxRSS)), bf.maxRSS <= 150e6)
		}
		share := ratio(float64(bf.archiveBytes), float64(bf.htmlBytes))
		check("archive ≤ 35% of HTML fetched", r.n, fmt.Sprintf("%.1f%%", 100*share), share <= 0.35)
		er := perSec(r.exportRecords, r.export.wall)
		check("export ≥ 50,000 records/s", r.n, fmt.Sprintf("%.0f/s", er), er >= 50000)
		slow := ratio(r.export.wall.Seconds(), r.cat.wall.Seconds())
		check("export within 3× of cat", r.n, fmt.Sprintf("%.2f×", slow), slow <= 3)
		check(fmt.Sprintf("cron crawl after k = %d: ≤ new pages + new files + columns + 2 requests", c.k), r.n, fmt.Sprintf("%d ≤ %d", r.cron.requests, r.cronExpected), r.cron.requests <= r.cronExpected)
	}
	for i := 1; i < len(rs); i++ {
		small, big := rs[0], rs[i]
		if small.backfill.articles == 0 || big.backfill.articles == 0 {
			continue
		}
		ps := small.backfill.wall.Seconds() / float64(small.backfill.articles)
		pb := big.backfill.wall.Seconds() / float64(big.backfill.articles)
		check(fmt.Sprintf("time per article at %d within 1.2× of %d", big.n, small.n), big.n,
			fmt.Sprintf("%.3f ms vs %.3f ms: %.2f×", 1000*pb, 1000*ps, pb/ps), pb <= 1.2*ps)
		grow := float64(big.backfill.maxRSS-small.backfill.maxRSS) / float64(big.backfill.articles-small.backfill.articles)
		fmt.Fprintf(&b, "| RSS growth from %d to %d articles, per article (a figure, not a target) | %d | %.0f B | — |\n",
			small.n, big.n, big.n, grow)
		cr := big.cron.wall.Seconds() / small.cron.wall.Seconds()
		check(fmt.Sprintf("cron crawl time at %d vs %d (independent of size)", big.n, small.n), big.n,
			fmt.Sprintf("%.2fs vs %.2fs: %.2f×", big.cron.wall.Seconds(), small.cron.wall.Seconds(), cr), cr <= 1.5)
	}
	return b.String()
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func wgetVersion() string {
	out, err := exec.Command("wget", "--version").Output()
	if err != nil {
		return "no wget"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	if f := strings.Fields(line); len(f) >= 3 {
		return "wget " + f[2]
	}
	return line
}

// cpu returns the CPU time the site's process has used so far (Linux).
func (s *site) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

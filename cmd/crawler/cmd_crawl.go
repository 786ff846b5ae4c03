package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/canon"
	"github.com/hnredstar/crawler/crawl"
	"github.com/hnredstar/crawler/extract"
)

func newBackfillCommand(opts *options) *cobra.Command {
	return &cobra.Command{
		Use:   "backfill",
		Short: "Walk every column to its end and archive every article",
		Long: `backfill walks every column's list pages to the end, fetches every article
and archives it. Articles already archived are fetched again: an unchanged
article leaves the archive untouched, a changed one becomes a new version.
Run it once to fill a new archive; use "crawl" from cron afterwards.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCrawl(cmd.Context(), opts, crawl.Backfill, cmd.OutOrStdout())
		},
	}
}

func newCrawlCommand(opts *options) *cobra.Command {
	return &cobra.Command{
		Use:   "crawl",
		Short: "Fetch what is new since the last run (for cron)",
		Long: `crawl is the scheduled run: it walks the site like backfill but never fetches
a page the archive already holds, so it picks up new articles cheaply.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCrawl(cmd.Context(), opts, crawl.Incremental, cmd.OutOrStdout())
		},
	}
}

// runCrawl runs a backfill or incremental crawl as configured, records the
// run in the archive and prints a summary to out.
func runCrawl(ctx context.Context, opts *options, mode crawl.Mode, out io.Writer) error {
	cfg, err := opts.load()
	if err != nil {
		return err
	}
	log, err := opts.logger()
	if err != nil {
		return err
	}
	ext, err := newExtractor(cfg, opts.configPath)
	if err != nil {
		return err
	}
	a, err := createArchive(cfg.Archive)
	if err != nil {
		return err
	}
	defer a.Close()
	co := crawlOptions(cfg, mode, ext, log)
	bar := opts.newProgress(-1, mode.String(), "pages")
	defer bar.done()
	if bar.shown() {
		co.Progress = bar.crawl(mode.String())
		out = bar.clearing(out)
	}
	return crawlInto(ctx, a, co, out)
}

// crawlInto runs one crawl into an open archive and records it.
func crawlInto(ctx context.Context, a *archive.Archive, co crawl.Options, out io.Writer) error {
	log := co.Logger
	if co.Progress == nil {
		// A caller's progress (the terminal's bar, metrics) replaces the
		// periodic log line.
		co.Progress = throttledProgress(log, 5*time.Second)
	}
	baseline, baselineErr := coverageBaseline(ctx, a)
	if baselineErr != nil {
		log.Warn("no coverage history read; this run is not checked for extraction drift", "err", baselineErr)
	}
	start := time.Now()
	log.Info("run started", "mode", co.Mode.String(), "start_urls", co.StartURLs, "archive", a.Path())
	res, runErr := crawl.Run(ctx, a, co)
	end := time.Now()

	run := archive.Run{
		Kind: co.Mode.String(), Start: start, End: end,
		Requests: res.Requests, Bytes: res.Bytes, Retries: res.Retries,
		Pages: res.Pages, Added: res.Added, Versioned: res.Versioned, Aliased: res.Aliased,
		Unchanged: res.Unchanged, Failed: len(res.Failures), Status: "ok",
	}
	if runErr == nil {
		if why := unreachable(res, co.StartURLs); why != "" {
			// Not "partial": monitoring must see a site it cannot reach.
			runErr = errors.New(why)
		}
	}
	switch {
	case errors.Is(runErr, context.Canceled):
		run.Status, run.Error = "interrupted", "stopped by a signal"
	case errors.Is(runErr, crawl.ErrBlocked):
		run.Status, run.Error = "blocked", runErr.Error()
	case runErr != nil:
		run.Status, run.Error = "error", runErr.Error()
	case len(res.Failures) > 0:
		run.Status = "partial"
	}
	if res.Coverage.Have != nil {
		run.Coverage = &res.Coverage
		if baselineErr == nil {
			run.Drift = crawl.Drift(res.Coverage, baseline)
		}
	}
	if len(run.Drift) > 0 && (run.Status == "ok" || run.Status == "partial") {
		// Ahead of partial: failed pages are retried by the next run,
		// drift repeats until someone looks.
		run.Status = "drift"
	}
	for _, d := range run.Drift {
		warnDrift(log, d)
	}
	if err := a.PutRun(run); err != nil {
		log.Error("could not record the run", "err", err)
	}
	reportRun(out, log, run, res, end.Sub(start))
	if errors.Is(runErr, context.Canceled) {
		resume := "the next run retries what was left"
		if co.Mode == crawl.Backfill {
			resume = "run crawler backfill again to resume where it stopped"
		}
		return fmt.Errorf("%s stopped before the end; everything fetched so far is archived; %s: %w", run.Kind, resume, runErr)
	}
	if runErr != nil {
		return fmt.Errorf("%s stopped: %w", run.Kind, runErr)
	}
	if run.Status == "drift" {
		return fmt.Errorf("%s: %w", driftSummary(run.Drift), errDrift)
	}
	if len(res.Failures) > 0 {
		// Each failure was logged, with its cause, when it happened.
		return errPagesFailed
	}
	return nil
}

// coverageBaseline returns what a run's coverage is compared with: the
// previous runs' (see crawl.Baseline), or, while they count too few
// articles (an archive filled before runs recorded coverage), the
// archive's own records.
func coverageBaseline(ctx context.Context, a *archive.Archive) (archive.Coverage, error) {
	history, err := a.Runs(500)
	if err != nil {
		return archive.Coverage{}, err
	}
	b := crawl.Baseline(history)
	if b.Articles >= crawl.DriftMinHistory {
		return b, nil
	}
	return crawl.ArchiveCoverage(ctx, a)
}

// warnDrift logs one field's drift, with examples and what to run.
func warnDrift(log *slog.Logger, d archive.Drift) {
	where := "this run's articles"
	if d.Column != "" {
		where = fmt.Sprintf("this run's articles of column %q", d.Column)
	}
	explain := "crawler extract --explain URL"
	if len(d.Examples) > 0 {
		explain = "crawler extract --explain " + d.Examples[0]
	}
	log.Warn(fmt.Sprintf("extraction drift: %s usable in %s of %s, against %s before; the site's markup may have changed: run %s and adjust config.yaml's extract selectors",
		d.Field, percent(d.Share), where, percent(d.Baseline), explain),
		"field", d.Field, "column", d.Column, "articles", d.Articles, "share", round4(d.Share),
		"history", d.History, "baseline", round4(d.Baseline), "examples", d.Examples, "explain", explain)
}

// driftSummary names the drifting fields in one line.
func driftSummary(ds []archive.Drift) string {
	parts := make([]string, 0, len(ds))
	for _, d := range ds {
		p := fmt.Sprintf("%s %s (was %s)", d.Field, percent(d.Share), percent(d.Baseline))
		if d.Column != "" {
			p = fmt.Sprintf("%s in column %q", p, d.Column)
		}
		parts = append(parts, p)
	}
	return "extraction drift: " + strings.Join(parts, ", ")
}

// percent formats a share from 0 to 1 as a whole percentage.
func percent(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) }

// round4 rounds a share to four decimals, for logs and JSON.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// unreachable returns why a run that could not reach the site failed, or
// "" if it reached it: a run is unreachable when it fetched no page at
// all (none answered, not even 304 Not Modified) or when every start page
// failed, since then nothing new can have been found.
func unreachable(res crawl.Result, starts []string) string {
	failed := map[string]crawl.Failure{}
	for _, f := range res.Failures {
		failed[canonical(f.URL)] = f
	}
	var first *crawl.Failure
	all := len(starts) > 0
	for _, u := range starts {
		f, ok := failed[canonical(u)]
		if !ok {
			all = false
			continue
		}
		if first == nil {
			first = &f
		}
	}
	if !all && (res.Pages > 0 || res.NotModified > 0) {
		return ""
	}
	if first == nil && len(res.Failures) > 0 {
		first = &res.Failures[0]
	}
	switch {
	case first == nil && res.RobotsBlocked > 0:
		return "no page could be fetched: robots.txt disallows them to this crawler (or could not be read)"
	case first == nil:
		return "no page could be fetched"
	}
	what := "no page could be fetched"
	if all {
		what = "no start page could be fetched"
	}
	cause := first.Err
	if first.Status != 0 {
		cause = fmt.Sprintf("HTTP %d", first.Status)
	}
	return fmt.Sprintf("%s: %s: %s", what, first.URL, cause)
}

// canonical returns u in canonical form, or u itself if it does not
// parse.
func canonical(u string) string {
	if c, err := canon.URL(u); err == nil {
		return c
	}
	return u
}

func crawlOptions(cfg Config, mode crawl.Mode, ext *extract.Extractor, log *slog.Logger) crawl.Options {
	return crawl.Options{
		StartURLs:            cfg.Site.StartURLs,
		AllowedDomains:       cfg.Site.AllowedDomains,
		Hosts:                cfg.Site.Hosts,
		Canonical:            cfg.Site.Canonical,
		ResourceHosts:        cfg.Site.ResourceHosts,
		UserAgent:            cfg.Crawl.UserAgent,
		Delay:                cfg.Crawl.Delay.Std(),
		Parallelism:          cfg.Crawl.Parallelism,
		Timeout:              cfg.Crawl.Timeout.Std(),
		MaxRetries:           cfg.Crawl.MaxRetries,
		MaxPages:             cfg.Crawl.MaxPages,
		MaxBodyBytes:         cfg.Crawl.MaxBodyBytes,
		AllowPrivateNetworks: cfg.Crawl.AllowPrivateNetworks,
		MaxDepth:             cfg.Crawl.MaxDepth,
		RecheckDays:          cfg.Crawl.RecheckDays,
		NoAttachments:        !cfg.Crawl.FetchAttachments,
		FetchImages:          cfg.Crawl.FetchImages,
		MaxAttachmentBytes:   cfg.Crawl.MaxAttachmentBytes,
		CAFile:               cfg.Crawl.CAFile,
		TLSLegacy:            cfg.Crawl.TLSLegacy,
		ChallengeLimit:       cfg.Crawl.ChallengeLimit,
		BrowserChallenges:    cfg.Crawl.Browser == "challenge",
		Mode:                 mode,
		Extractor:            ext,
		Logger:               log,
	}
}

func newExtractor(cfg Config, file string) (*extract.Extractor, error) {
	ext, err := extract.New(extract.Options{
		Title:      cfg.Extract.Title,
		Source:     cfg.Extract.Source,
		Published:  cfg.Extract.Published,
		Body:       cfg.Extract.Body,
		Column:     cfg.Extract.Column,
		ArticleURL: cfg.Site.ArticleURLPatterns,
		ListURL:    cfg.Site.ListURLPatterns,
	})
	if err != nil {
		return nil, &ConfigError{File: file, Msg: err.Error()}
	}
	return ext, nil
}

// throttledProgress logs the running counts at most once per interval.
func throttledProgress(log *slog.Logger, every time.Duration) func(crawl.Result) {
	var mu sync.Mutex
	last := time.Now()
	return func(r crawl.Result) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < every {
			return
		}
		last = time.Now()
		log.Info("progress", "pages", r.Pages, "articles", r.Articles, "new", r.Added, "failed", len(r.Failures))
	}
}

// printRunSummary prints the end-of-run report.
func printRunSummary(out io.Writer, run archive.Run, res crawl.Result, took time.Duration) {
	files := ""
	if res.Files+res.FilesTooLarge+res.FilesFailed > 0 {
		files = fmt.Sprintf("; files: %d stored (%s), %d too large, %d failed", res.Files, byteSize(res.FileBytes), res.FilesTooLarge, res.FilesFailed)
	}
	fields := ""
	if c := run.Coverage; c != nil && c.Articles > 0 {
		fields = "; fields of the articles written: " + coverageLine(c.FieldCounts)
	}
	if len(run.Drift) > 0 {
		fields += "; " + driftSummary(run.Drift)
	}
	fmt.Fprintf(out, "%s: %d pages, %d articles (%d new, %d new versions, %d aliases, %d unchanged), %d skipped as known, %d not modified, %d dead links, %d challenges, %d retries, %d failed%s; %d requests, %s, in %s%s\n",
		run.Kind, res.Pages, res.Articles, res.Added, res.Versioned, res.Aliased, res.Unchanged,
		res.Skipped, res.NotModified, res.Dead, len(res.Challenges), res.Retries, len(res.Failures), files,
		res.Requests, byteSize(res.Bytes), took.Round(time.Millisecond), fields)
	if res.Resumed > 0 {
		fmt.Fprintf(out, "%s: resumed an interrupted backfill with %d pages pending\n", run.Kind, res.Resumed)
	}
}

// coverageLine formats each field's share, with the suspect values.
func coverageLine(c archive.FieldCounts) string {
	parts := make([]string, 0, len(archive.CoverageFields))
	for _, f := range archive.CoverageFields {
		p := f + " " + percent(c.Share(f))
		if n := c.Suspect[f]; n > 0 {
			p += fmt.Sprintf(" (%d suspect)", n)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

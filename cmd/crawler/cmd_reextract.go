package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/crawl"
	"github.com/hnredstar/crawler/extract"
)

type reextractFlags struct {
	dryRun bool
	sample int
}

func newReextractCommand(opts *options) *cobra.Command {
	var f reextractFlags
	cmd := &cobra.Command{
		Use:   "reextract [--dry-run] [--sample N]",
		Short: "Run the current extractor over the stored raw pages; changed records get new versions",
		Long: `reextract runs the extractor of this crawler, with the selectors in
config.yaml, over the raw pages stored with each record's latest version.
Nothing is fetched. A record whose title, source, publication time, body,
column, images, attachments, author or editor come out different gets a new
version, which keeps the fetch time of the pages it was read from and
shares them (no page is copied); a record that comes out the same is left
untouched. This is how an extractor improvement or a new selector reaches
the records already archived. Each record is written in a transaction of
its own, so an interrupted run keeps what it did; running it again is
harmless.

It prints how many records changed, and which fields, then a sample of the
differences (--sample). A page the extractor no longer reads as an article
keeps its record as it was and is logged. With --dry-run nothing is
written: it shows what would change. The run is recorded in the run
history (crawler runs) as kind "reextract".

It holds the archive for writing while it runs, like a crawl.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReextract(cmd.Context(), opts, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "show what would change; write nothing")
	cmd.Flags().IntVar(&f.sample, "sample", 5, "show the differences of the first `N` changed records")
	return cmd
}

// reextractStats counts what a re-extraction did.
type reextractStats struct {
	records, pages, changed, unchanged, noPages, failed int
	fields                                              map[string]int // changed records by field
	samples                                             []string
	failures                                            []string
}

func runReextract(ctx context.Context, opts *options, f reextractFlags, out io.Writer) error {
	if f.sample < 0 {
		return &usageError{msg: "reextract: --sample must not be negative"}
	}
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
	open := openExisting
	if f.dryRun {
		open = func(path string, lockTimeout time.Duration) (*archive.Archive, error) {
			return openArchive(path, true, lockTimeout)
		}
	}
	a, err := open(cfg.Archive.Path, cfg.Archive.LockTimeout.Std())
	if err != nil {
		return err
	}
	defer a.Close()
	total, err := a.Len()
	if err != nil {
		return err
	}

	start := time.Now()
	log.Info("reextract started", "records", total, "archive", a.Path(), "dry_run", f.dryRun)
	bar := opts.newProgress(int64(total), "reextract", "records")
	st := reextractStats{fields: map[string]int{}}
	runErr := a.IDs(ctx, func(id string) error {
		defer bar.add(1)
		return reextractOne(ctx, a, ext, id, f, &st, log)
	})
	bar.done()
	end := time.Now()

	verb := "changed"
	if f.dryRun {
		verb = "would change"
	}
	fmt.Fprintf(out, "reextract: %d records, %d %s%s, %d unchanged, %d without raw pages, %d not read as articles, in %s\n",
		st.records, st.changed, verb, fieldCounts(st.fields), st.unchanged, st.noPages, st.failed, end.Sub(start).Round(time.Millisecond))
	if len(st.samples) > 0 {
		fmt.Fprintf(out, "\nsample of the differences (%d of %d):\n", len(st.samples), st.changed)
		for _, s := range st.samples {
			fmt.Fprint(out, s)
		}
	}
	for i, msg := range st.failures {
		if i == 20 {
			log.Warn("more records not read as articles, not listed", "count", len(st.failures)-i)
			break
		}
		log.Warn("kept as it was: the extractor does not read it as an article", "record", msg)
	}

	if !f.dryRun {
		run := archive.Run{Kind: "reextract", Start: start, End: end, Pages: st.pages,
			Versioned: st.changed, Unchanged: st.unchanged, Failed: st.failed, Status: "ok"}
		switch {
		case errors.Is(runErr, context.Canceled):
			run.Status, run.Error = "interrupted", "stopped by a signal"
		case runErr != nil:
			run.Status, run.Error = "error", runErr.Error()
		}
		if err := a.PutRun(run); err != nil {
			log.Error("could not record the run", "err", err)
		}
	}
	if runErr != nil {
		return fmt.Errorf("reextract stopped after %d of %d records; the changes made so far are kept; run it again to finish: %w", st.records, total, runErr)
	}
	return nil
}

// reextractOne re-extracts record id and counts the result in st.
func reextractOne(ctx context.Context, a *archive.Archive, ext *extract.Extractor, id string, f reextractFlags, st *reextractStats, log *slog.Logger) error {
	rec, err := a.Get(id)
	if err != nil {
		return err
	}
	st.records++
	pages, err := a.RawPages(id, rec.Version)
	if err != nil {
		return err
	}
	if len(pages) == 0 {
		st.noPages++
		return nil
	}
	st.pages += len(pages)
	art, err := articleFromPages(ext, pages, rec)
	if err != nil {
		st.failed++
		st.failures = append(st.failures, fmt.Sprintf("%s %s: %v", rec.ID, rec.URL, err))
		return nil
	}
	changed := rec.Diff(art)
	if !f.dryRun && len(changed) > 0 {
		out, got, err := a.Reextract(ctx, id, rec.Version, art)
		switch {
		case errors.Is(err, archive.ErrNoContent):
			st.failed++
			st.failures = append(st.failures, fmt.Sprintf("%s %s: %v", rec.ID, rec.URL, err))
			return nil
		case err != nil:
			return err
		case out == archive.Unchanged:
			changed = nil
		default:
			changed = got
		}
	}
	if len(changed) == 0 {
		st.unchanged++
		return nil
	}
	st.changed++
	for _, name := range changed {
		st.fields[name]++
	}
	if len(st.samples) < f.sample {
		st.samples = append(st.samples, describeDiff(rec, art, changed))
	}
	log.Debug("changed", "record", rec.ID, "url", rec.URL, "fields", changed)
	return nil
}

// articleFromPages extracts an article from the raw pages of a record, as
// the crawl does: every page read, then stitched. A column the pages do
// not name keeps the record's (the crawl took it from the list page).
func articleFromPages(ext *extract.Extractor, pages []archive.RawPage, old archive.Record) (archive.Article, error) {
	parts := make([]extract.Article, 0, len(pages))
	for i, p := range pages {
		page, err := extract.Parse(p.Body, p.Header.Get("Content-Type"), p.URL)
		if err != nil {
			return archive.Article{}, fmt.Errorf("page %d (%s): %w", i+1, p.URL, err)
		}
		art, err := ext.Article(page)
		if err != nil {
			return archive.Article{}, fmt.Errorf("page %d (%s): %w", i+1, p.URL, err)
		}
		parts = append(parts, art)
	}
	art := extract.Stitch(parts...)
	if art.Column == "" {
		art.Column = old.Column
	}
	return *crawl.ArchiveArticle(old.URL, art), nil
}

// fieldCounts formats the changed fields as " (title 3, body 1)".
func fieldCounts(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for _, name := range archive.Fields {
		if n := m[name]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", name, n))
		}
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// describeDiff shows how the changed fields of rec differ in art.
func describeDiff(rec archive.Record, art archive.Article, changed []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %s %s (version %d)\n", rec.ID, rec.URL, rec.Version)
	for _, name := range changed {
		var d string
		switch name {
		case "title":
			d = diffText(rec.Title, art.Title)
		case "source":
			d = diffText(rec.Source, art.Source)
		case "body":
			d = diffText(rec.Body, art.Body)
		case "column":
			d = diffText(rec.Column, art.Column)
		case "author":
			d = diffText(rec.Author, art.Author)
		case "editor":
			d = diffText(rec.Editor, art.Editor)
		case "published":
			d = fmt.Sprintf("%s → %s", timeText(rec.Published), timeText(art.Published))
		case "images":
			d = diffList(rec.Images, art.Images)
		case "attachments":
			d = diffList(rec.Attachments, art.Attachments)
		}
		fmt.Fprintf(&b, "    %s: %s\n", name, d)
	}
	return b.String()
}

const excerptRunes = 30

// diffText shows two strings, or for long ones their lengths and the text
// around the first difference.
func diffText(was, now string) string {
	if utf8.RuneCountInString(was) <= 2*excerptRunes && utf8.RuneCountInString(now) <= 2*excerptRunes {
		return fmt.Sprintf("%q → %q", was, now)
	}
	o, n := []rune(was), []rune(now)
	i := 0
	for i < len(o) && i < len(n) && o[i] == n[i] {
		i++
	}
	return fmt.Sprintf("%d → %d characters, first difference at %d: %q → %q",
		len(o), len(n), i+1, excerpt(o, i), excerpt(n, i))
}

// excerpt returns the runes around i, with … where cut.
func excerpt(r []rune, i int) string {
	from, to := max(0, i-excerptRunes/3), min(len(r), i+excerptRunes)
	s := string(r[from:to])
	if from > 0 {
		s = "…" + s
	}
	if to < len(r) {
		s += "…"
	}
	return s
}

func diffList(was, now []string) string {
	var added, removed []string
	for _, u := range now {
		if !slices.Contains(was, u) {
			added = append(added, u)
		}
	}
	for _, u := range was {
		if !slices.Contains(now, u) {
			removed = append(removed, u)
		}
	}
	s := fmt.Sprintf("%d → %d", len(was), len(now))
	if len(added) > 0 {
		s += fmt.Sprintf(", added %s", shortList(added))
	}
	if len(removed) > 0 {
		s += fmt.Sprintf(", removed %s", shortList(removed))
	}
	if len(added) == 0 && len(removed) == 0 {
		s += ", reordered"
	}
	return s
}

func shortList(s []string) string {
	if len(s) > 2 {
		return fmt.Sprintf("%q and %d more", s[:2], len(s)-2)
	}
	return fmt.Sprintf("%q", s)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.In(beijing).Format(time.RFC3339)
}

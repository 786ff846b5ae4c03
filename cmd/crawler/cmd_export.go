package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
)

type exportFlags struct {
	output       string
	since        string
	until        string
	columns      []string
	fields       string
	updatedSince string
	format       string
	distinct     bool
}

func newExportCommand(opts *options) *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:   "export [-o FILE] [--since DATE] [--until DATE] [--column NAME] [--fields LIST] [--updated-since DATE|last] [--distinct]",
		Short: "Write the archive as JSONL, one article per line, by publication time",
		Long: `export writes the latest version of every archived article as JSON Lines, in
order of publication time, to stdout or to FILE. A FILE ending in .gz is
gzipped. The file is written to a temporary name and renamed when complete,
so a failed export never leaves a partial file behind.

DATE is 2024-01-29, "2024-01-29 15:20" or RFC 3339; dates without a zone are
Beijing time. --since is inclusive, --until exclusive; both leave out
articles without a publication time.

--column keeps the articles of one column (栏目), named exactly as in the
"column" field; repeat it or separate names with commas for several.
--fields writes only the fields listed, in that order, e.g.
--fields id,url,title,published (author and editor then appear even when
empty, so every line has the same keys).

--distinct leaves out the near-duplicates: articles re-posted under another
URL with edits (a figure corrected, a note added), which are records of
their own with "duplicate_of" naming the earlier record. Copies that differ
only by extraction noise are aliases already, never separate records.

--updated-since DATE keeps the articles added or changed (a new version or
a new alias) at or after DATE, for feeding another system incrementally.
--updated-since last keeps those changed since the previous export that
used --updated-since last (the first one writes everything), and records
this export's start once its output is complete. It needs the archive for
writing, so it waits for a crawl to finish (see --wait).

Each line is one JSON object in UTF-8, with no raw newlines inside; it
loads with jq, Python's json module line by line, or
pandas.read_json(path, lines=True, dtype={"id": str}).

--format warc writes a WARC/1.1 file instead (-o FILE needed; FILE.warc.gz
gzips each record on its own, FILE.warc is plain): the stored HTTP responses
of every version of the selected articles with request, revisit and
metadata records, for wget, pywb, the Wayback Machine and other web archive
tools. See the README.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExport(cmd.Context(), opts, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "write to `FILE` instead of stdout (FILE.gz is gzipped; - is stdout)")
	cmd.Flags().StringVar(&f.since, "since", "", "only articles published at or after `DATE`")
	cmd.Flags().StringVar(&f.until, "until", "", "only articles published before `DATE`")
	cmd.Flags().StringSliceVar(&f.columns, "column", nil, "only articles of column `NAME` (repeatable)")
	cmd.Flags().StringVar(&f.fields, "fields", "", "write only these `FIELDS`, comma-separated, e.g. id,title,published")
	cmd.Flags().StringVar(&f.updatedSince, "updated-since", "", "only articles added or changed at or after `DATE`, or since the last such export (last)")
	cmd.Flags().StringVar(&f.format, "format", "", "output `FORMAT`: jsonl, or warc for a WARC/1.1 file of the raw responses (default: as -o's name says, else jsonl)")
	cmd.Flags().BoolVar(&f.distinct, "distinct", false, "leave out near-duplicates (records with duplicate_of)")
	return cmd
}

// exportGCPercent is the garbage collector's target during an export.
const exportGCPercent = 400

func runExport(ctx context.Context, opts *options, f exportFlags, stdout io.Writer) error {
	format, err := exportFormat(f)
	if err != nil {
		return err
	}
	toStdout := f.output == "" || f.output == "-"
	var out outputFile
	if !toStdout {
		// Before any work: a directory or a missing directory is refused
		// now, not after the whole archive is read.
		if out, err = resolveOutput(f.output); err != nil {
			return err
		}
	}
	// An export's live heap is a few batches of records while it allocates
	// kilobytes per record, so with Go's default the collector runs every
	// few megabytes and takes a fifth of the time. Unless GOGC says
	// otherwise, the heap may grow to five times the live data instead.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(exportGCPercent))
	}
	var filter archive.Filter
	if filter.Since, err = parseDateFlag("--since", f.since); err != nil {
		return err
	}
	if filter.Until, err = parseDateFlag("--until", f.until); err != nil {
		return err
	}
	if !filter.Since.IsZero() && !filter.Until.IsZero() && !filter.Since.Before(filter.Until) {
		return &usageError{msg: fmt.Sprintf("--since %s is not before --until %s: no article could match; swap them", f.since, f.until)}
	}
	for _, c := range f.columns {
		if c = strings.TrimSpace(c); c != "" {
			filter.Columns = append(filter.Columns, c)
		}
	}
	filter.Distinct = f.distinct
	fields, err := parseFields(f.fields)
	if err != nil {
		return err
	}
	sinceLast := false
	if f.updatedSince != "" {
		if filter.ChangedSince, sinceLast, err = parseUpdatedSince(f.updatedSince); err != nil {
			return err
		}
	}
	cfg, err := opts.load()
	if err != nil {
		return err
	}
	log, err := opts.logger()
	if err != nil {
		return err
	}
	open := openArchive
	if sinceLast {
		open = func(path string, _ bool, lockTimeout time.Duration) (*archive.Archive, error) {
			return openExisting(path, lockTimeout)
		}
	}
	a, err := open(cfg.Archive.Path, true, cfg.Archive.LockTimeout.Std())
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	if sinceLast {
		if filter.ChangedSince, err = lastExport(a); err != nil {
			return err
		}
		if filter.ChangedSince.IsZero() {
			log.Info("no previous export --updated-since last; exporting every article")
		} else {
			log.Info("exporting the articles changed since the last export", "since", filter.ChangedSince.In(beijing).Format(time.RFC3339))
		}
	}

	if format == "warc" {
		return exportWARC(ctx, opts, a, filter, out, start, sinceLast)
	}
	bar := &progress{}
	if !toStdout || !isTerminal(stdout) {
		total := int64(-1)
		if filter.Since.IsZero() && filter.Until.IsZero() && filter.ChangedSince.IsZero() && len(filter.Columns) == 0 && !filter.Distinct {
			if n, err := a.Len(); err == nil {
				total = int64(n)
			}
		}
		bar = opts.newProgress(total, "export", "articles")
	}
	write := func(w io.Writer) (int, error) {
		n, err := a.WriteJSONL(ctx, w, filter, archive.JSONLOptions{Fields: fields, Progress: bar.add})
		bar.done()
		return n, err
	}
	var n int
	if toStdout {
		bw := bufio.NewWriterSize(stdout, 1<<16)
		if n, err = write(bw); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	} else {
		n, err = out.write(strings.HasSuffix(f.output, ".gz"), opts.fileMode, write)
		if err != nil {
			return fmt.Errorf("export to %s: %w", f.output, err)
		}
		opts.report(fmt.Sprintf("exported %d articles to %s", n, f.output), "articles", n, "file", f.output)
	}
	if n == 0 && len(filter.Columns) > 0 {
		hintColumns(ctx, a, filter.Columns, log)
	}
	if n == 0 {
		explainEmptyExport(a, log)
	}
	if sinceLast {
		if err := markExport(a, start); err != nil {
			return fmt.Errorf("export: record the time of this export: %w", err)
		}
	}
	return nil
}

// beijing is the zone of the site's dates.
var beijing = time.FixedZone("CST", 8*3600)

func parseDateFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, beijing); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &usageError{msg: fmt.Sprintf("%s %q: expected a date like 2024-01-29, \"2024-01-29 15:20\" or 2024-01-29T15:20:00+08:00", name, v)}
}

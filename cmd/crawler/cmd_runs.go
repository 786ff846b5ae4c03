package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
)

type runsFlags struct {
	limit int
	json  bool
}

func newRunsCommand(opts *options) *cobra.Command {
	var f runsFlags
	cmd := &cobra.Command{
		Use:   "runs [--limit N] [--json]",
		Short: "List the run history kept in the archive, newest first",
		Long: `runs lists the runs recorded in the archive, newest first: when each started
(local time), its kind (backfill, crawl, reextract), how long it took, its
status and the exit status it gave, pages fetched, articles added, new
versions, new aliases, unchanged articles, failed pages, and the error of a
run that stopped.

Statuses: ok (exit 0); partial, the run finished but some pages failed and
the next run retries them (exit 4); drift, the run finished but a field is
missing from (or suspect in) far more of its articles than in the history
(exit 5, ahead of partial); interrupted, stopped by a signal (exit 1);
error (exit 1), also for a run that could not reach the site (no page
fetched, or no start page); blocked, a host answered with anti-bot
challenge pages several times in a row and its pages wait for the next run
(exit 6). A run that could not open the archive (exit 3) is not recorded.

The coverage columns give, for each field, the share of the articles the
run wrote (added or new versions) that have it: a title; a source; a
publication time to the minute (a date alone does not count); a body of at
least 50 characters; a column. A "!" marks a field with suspect values.

--json prints one JSON object per run instead, with the same fields,
"exit", "coverage" (counts: "articles"; "have", "suspect" and up to three
"lacking" URLs by field; the same per column under "columns"; and each
field's share under "share") and "drift" (the fields that drifted, with
their share, the baseline's, and example URLs).
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRuns(opts, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&f.limit, "limit", 20, "show the newest `N` runs; 0 shows all")
	cmd.Flags().BoolVar(&f.json, "json", false, "one JSON object per run")
	return cmd
}

// runExit is the exit status a run with this status gave.
func runExit(status string) int {
	switch status {
	case "ok":
		return exitOK
	case "partial":
		return exitPagesFailed
	case "drift":
		return exitDrift
	case "blocked":
		return exitBlocked
	}
	return exitError
}

func runRuns(opts *options, f runsFlags, out io.Writer) error {
	if f.limit < 0 {
		return &usageError{msg: "runs: --limit must not be negative"}
	}
	a, err := opts.readArchive()
	if err != nil {
		return err
	}
	defer a.Close()
	runs, err := a.Runs(f.limit)
	if err != nil {
		return err
	}
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		for _, r := range runs {
			if err := enc.Encode(runJSON(r)); err != nil {
				return err
			}
		}
		return nil
	}
	if len(runs) == 0 {
		fmt.Fprintf(out, "no runs recorded in %s yet\n", a.Path())
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "started\tkind\ttook\tstatus\texit\tpages\tnew\tversions\taliases\tunchanged\tfailed\t%s\t\n", strings.Join(archive.CoverageFields, "\t"))
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t",
			r.Start.Local().Format("2006-01-02 15:04:05"), r.Kind, took(r), r.Status, runExit(r.Status),
			r.Pages, r.Added, r.Versioned, r.Aliased, r.Unchanged, r.Failed)
		for _, f := range archive.CoverageFields {
			switch c := r.Coverage; {
			case c == nil || c.Articles == 0:
				fmt.Fprint(tw, "-\t")
			case c.Suspect[f] > 0:
				fmt.Fprintf(tw, "%s!\t", percent(c.Share(f)))
			default:
				fmt.Fprintf(tw, "%s\t", percent(c.Share(f)))
			}
		}
		if r.Error != "" {
			fmt.Fprintf(tw, " %s", r.Error)
		}
		if len(r.Drift) > 0 {
			fmt.Fprintf(tw, " %s", driftSummary(r.Drift))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// runJSON is a run as "runs --json" prints it: the record, its exit
// status, and each coverage field's share beside the counts.
func runJSON(r archive.Run) any {
	type counts struct {
		archive.FieldCounts
		Share map[string]float64 `json:"share"`
	}
	type coverage struct {
		counts
		Columns map[string]counts `json:"columns,omitempty"`
	}
	withShare := func(c archive.FieldCounts) counts {
		sh := map[string]float64{}
		for _, f := range archive.CoverageFields {
			sh[f] = round4(c.Share(f))
		}
		return counts{c, sh}
	}
	var cov *coverage
	if r.Coverage != nil {
		cov = &coverage{counts: withShare(r.Coverage.FieldCounts)}
		if len(r.Coverage.Columns) > 0 {
			cov.Columns = map[string]counts{}
			for name, c := range r.Coverage.Columns {
				cov.Columns[name] = withShare(*c)
			}
		}
	}
	r.Coverage = nil
	return struct {
		archive.Run
		Coverage *coverage `json:"coverage,omitempty"`
		Exit     int       `json:"exit"`
	}{r, cov, runExit(r.Status)}
}

// took is a run's duration, rounded for reading.
func took(r archive.Run) string {
	d := r.End.Sub(r.Start)
	switch {
	case d < 0 || r.End.IsZero():
		return "?"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

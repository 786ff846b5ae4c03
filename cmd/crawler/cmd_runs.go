package main

import (
	"encoding/json"
	"fmt"
	"io"
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
the next run retries them (exit 4); interrupted, stopped by a signal
(exit 1); error (exit 1), also for a run that could not reach the site
(no page fetched, or no start page); blocked, a host answered with anti-bot
challenge pages several times in a row and its pages wait for the next run
(exit 6). A run that could not open the archive (exit 3) is
not recorded.

--json prints one JSON object per run instead, with the same fields and
"exit".
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRuns(opts, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVarP(&f.limit, "limit", "n", 20, "show the newest `N` runs; 0 shows all")
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
	case "blocked":
		return exitBlocked
	}
	return exitError
}

func runRuns(opts *options, f runsFlags, out io.Writer) error {
	if f.limit < 0 {
		return &usageError{msg: "runs: --limit must not be negative"}
	}
	cfg, err := opts.load()
	if err != nil {
		return err
	}
	a, err := openArchive(cfg.Archive.Path, true, cfg.Archive.LockTimeout.Std())
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
			if err := enc.Encode(struct {
				archive.Run
				Exit int `json:"exit"`
			}{r, runExit(r.Status)}); err != nil {
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
	fmt.Fprintln(tw, "started\tkind\ttook\tstatus\texit\tpages\tnew\tversions\taliases\tunchanged\tfailed\t")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t",
			r.Start.Local().Format("2006-01-02 15:04:05"), r.Kind, took(r), r.Status, runExit(r.Status),
			r.Pages, r.Added, r.Versioned, r.Aliased, r.Unchanged, r.Failed)
		if r.Error != "" {
			fmt.Fprintf(tw, " %s", r.Error)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
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

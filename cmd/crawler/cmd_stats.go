package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
)

func newStatsCommand(opts *options) *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "Show what the archive holds and how the last run went",
		Long: `stats prints the number of articles, the duplicate URLs folded into aliases,
the stored versions and raw pages, the archive's size and the last run.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := opts.load()
			if err != nil {
				return err
			}
			a, err := openArchive(cfg.Archive.Path, true, cfg.Archive.LockTimeout.Std())
			if err != nil {
				return err
			}
			defer a.Close()
			return printStats(a, cmd.OutOrStdout())
		},
	}
}

func printStats(a *archive.Archive, out io.Writer) error {
	st, err := a.Stats()
	if err != nil {
		return fmt.Errorf("read archive stats: %w", err)
	}
	fmt.Fprintf(out, "archive:     %s\n", a.Path())
	fmt.Fprintf(out, "articles:    %d\n", st.Articles)
	fmt.Fprintf(out, "aliases:     %d (duplicate URLs folded into articles)\n", st.Aliases)
	fmt.Fprintf(out, "versions:    %d\n", st.Versions)
	fmt.Fprintf(out, "raw pages:   %d (%s raw, %s stored)\n", st.RawPages, byteSize(st.RawBytes), byteSize(st.StoredBytes))
	if r := st.LastRun; r != nil {
		fmt.Fprintf(out, "last run:    %s %s, %s, %d pages, %d new, %d new versions, %d failed\n",
			r.Kind, r.Start.Format(time.RFC3339), r.Status, r.Pages, r.Added, r.Versioned, r.Failed)
	} else {
		fmt.Fprintln(out, "last run:    none")
	}
	return nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

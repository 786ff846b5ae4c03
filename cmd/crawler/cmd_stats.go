package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/crawl"
)

func newStatsCommand(opts *options) *cobra.Command {
	return &cobra.Command{
		Use:   "stats",
		Short: "Show what the archive holds and how the latest runs went",
		Long: `stats prints the number of articles, the duplicate URLs folded into aliases,
the near-duplicates (articles re-posted with edits under another URL, which
export --distinct leaves out), the stored versions and raw pages, the
attachments stored (files: URLs stored; contents: distinct files by
SHA-256), the archive file's size, the field coverage of the latest
version of every record (as "crawler runs" counts it for each run's
articles) and the latest runs.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := opts.readArchive()
			if err != nil {
				return err
			}
			defer a.Close()
			return printStats(cmd.Context(), a, cmd.OutOrStdout())
		},
	}
}

func printStats(ctx context.Context, a *archive.Archive, out io.Writer) error {
	st, err := a.Stats()
	if err != nil {
		return fmt.Errorf("read archive stats: %w", err)
	}
	if fi, err := os.Stat(a.Path()); err == nil {
		fmt.Fprintf(out, "archive:     %s (%s)\n", a.Path(), byteSize(fi.Size()))
	} else {
		fmt.Fprintf(out, "archive:     %s\n", a.Path())
	}
	fmt.Fprintf(out, "articles:    %d\n", st.Articles)
	fmt.Fprintf(out, "aliases:     %d (duplicate URLs folded into articles)\n", st.Aliases)
	fmt.Fprintf(out, "near-dups:   %d (edited re-posts under another URL; export --distinct leaves them out)\n", st.NearDuplicates)
	fmt.Fprintf(out, "versions:    %d\n", st.Versions)
	fmt.Fprintf(out, "raw pages:   %d (%s raw, %s stored)\n", st.RawPages, byteSize(st.RawBytes), byteSize(st.StoredBytes))
	fmt.Fprintf(out, "files:       %d (%d contents, %s, %s stored); %d too large, %d failed\n",
		st.Files, st.Blobs, byteSize(st.BlobBytes), byteSize(st.BlobStoredBytes), st.FilesTooLarge, st.FilesFailed)
	fmt.Fprintf(out, "page files:  %d linked from %d list pages (topic tables), %d of them stored\n",
		st.PageFiles, st.FilePages, st.PageFilesStored)
	cov, err := crawl.ArchiveCoverage(ctx, a)
	if err != nil {
		return fmt.Errorf("count field coverage: %w", err)
	}
	fmt.Fprintf(out, "coverage:    %s\n", coverageLine(cov.FieldCounts))
	runs, err := a.Runs(5)
	if err != nil {
		return fmt.Errorf("read run history: %w", err)
	}
	if len(runs) == 0 {
		fmt.Fprintln(out, "latest runs: none")
	} else {
		fmt.Fprintln(out, "latest runs: (crawler runs shows them all)")
	}
	for _, r := range runs {
		fmt.Fprintf(out, "  %s  %-9s %-11s %5d requests %9s %5d pages %4d new %3d new versions %3d retries %3d failed  %s\n",
			r.Start.Local().Format("2006-01-02 15:04"), r.Kind, r.Status, r.Requests, byteSize(r.Bytes),
			r.Pages, r.Added, r.Versioned, r.Retries, r.Failed, r.End.Sub(r.Start).Round(time.Second))
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

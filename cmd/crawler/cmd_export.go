package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
)

type exportFlags struct {
	output string
	since  string
	until  string
}

func newExportCommand(opts *options) *cobra.Command {
	var f exportFlags
	cmd := &cobra.Command{
		Use:   "export [-o FILE] [--since DATE] [--until DATE]",
		Short: "Write the archive as JSONL, one article per line, by publication time",
		Long: `export writes the latest version of every archived article as JSON Lines, in
order of publication time, to stdout or to FILE. A FILE ending in .gz is
gzipped. The file is written to a temporary name and renamed when complete,
so a failed export never leaves a partial file behind.

DATE is 2024-01-29, "2024-01-29 15:20" or RFC 3339; dates without a zone are
Beijing time. --since is inclusive, --until exclusive.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExport(cmd.Context(), opts, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "write to `FILE` instead of stdout (FILE.gz is gzipped; - is stdout)")
	cmd.Flags().StringVar(&f.since, "since", "", "only articles published at or after `DATE`")
	cmd.Flags().StringVar(&f.until, "until", "", "only articles published before `DATE`")
	return cmd
}

func runExport(ctx context.Context, opts *options, f exportFlags, stdout io.Writer) error {
	var filter archive.Filter
	var err error
	if filter.Since, err = parseDateFlag("--since", f.since); err != nil {
		return err
	}
	if filter.Until, err = parseDateFlag("--until", f.until); err != nil {
		return err
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

	write := func(w io.Writer) (int, error) { return a.WriteJSONL(ctx, w, filter) }
	if f.output == "" || f.output == "-" {
		bw := bufio.NewWriterSize(stdout, 1<<16)
		if _, err := write(bw); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return bw.Flush()
	}
	n, err := writeFileAtomic(f.output, strings.HasSuffix(f.output, ".gz"), write)
	if err != nil {
		return fmt.Errorf("export to %s: %w", f.output, err)
	}
	fmt.Fprintf(opts.stderr, "exported %d articles to %s\n", n, f.output)
	return nil
}

// writeFileAtomic writes a file through a temporary file in the same
// directory, synced and renamed over path only when write succeeded, so
// readers see the old file or the whole new one, never a part.
func writeFileAtomic(path string, gz bool, write func(io.Writer) (int, error)) (n int, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	var w io.Writer = bw
	var zw *gzip.Writer
	if gz {
		zw = gzip.NewWriter(bw)
		w = zw
	}
	if n, err = write(w); err != nil {
		return n, err
	}
	if zw != nil {
		if err = zw.Close(); err != nil {
			return n, err
		}
	}
	if err = bw.Flush(); err != nil {
		return n, err
	}
	if err = tmp.Sync(); err != nil {
		return n, err
	}
	if err = tmp.Close(); err != nil {
		return n, err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return n, err
	}
	if d, derr := os.Open(filepath.Dir(path)); derr == nil {
		d.Sync()
		d.Close()
	}
	return n, nil
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

package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
)

// errVerifyFailed is returned by verify when it found problems, after
// listing them; the exit status is 1.
var errVerifyFailed = errors.New("the archive has problems")

type verifyFlags struct {
	max int
}

func newVerifyCommand(opts *options) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify [--max N]",
		Short: "Check the whole archive and list any problems",
		Long: `verify checks the whole archive: bbolt's own consistency check of the file,
that every record and version decodes, that content hashes match title and
body, that every version has its raw pages and they decompress, and that
every index entry (URLs, hashes, publication times, change times, titles
and days) points at a record that agrees with it, every record is in each
index, and a near-duplicate's duplicate_of names an earlier record.

It prints each problem on a line of its own (at most --max), then how many
it found, and exits with status 1 if there are any; a sound archive prints
one line and exits 0. It opens the archive read-only: it can run beside
export, but waits for a crawl (see --wait). To check a backup, pass
--archive BACKUP.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVerify(cmd.Context(), opts, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&f.max, "max", 100, "list at most `N` problems (the count is always complete); 0 lists all")
	return cmd
}

func runVerify(ctx context.Context, opts *options, f verifyFlags, out io.Writer) error {
	if f.max < 0 {
		return &usageError{msg: "verify: --max must not be negative"}
	}
	cfg, err := opts.load()
	if err != nil {
		return err
	}
	// Salvage: a damaged file is what verify is for; it reports what can
	// still be read instead of refusing to open it.
	a, err := openArchiveWith(cfg.Archive.Path, archive.Options{ReadOnly: true, Salvage: true, Timeout: cfg.Archive.LockTimeout.Std()})
	if err != nil {
		return err
	}
	defer a.Close()
	probs, err := a.Verify(ctx)
	for i, p := range probs {
		if f.max > 0 && i == f.max {
			fmt.Fprintf(out, "… and %d more (--max 0 lists all)\n", len(probs)-i)
			break
		}
		fmt.Fprintln(out, p)
	}
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		fmt.Fprintf(out, "%d problems found in %s\n", len(probs), a.Path())
		return fmt.Errorf("verify %s: %w: %d found; restore a backup (crawler backup) or re-crawl the records named", a.Path(), errVerifyFailed, len(probs))
	}
	n, err := a.Len()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: no problems found (%d articles)\n", a.Path(), n)
	return nil
}

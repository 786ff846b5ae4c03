package main

import (
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

type backupFlags struct {
	verify bool
}

func newBackupCommand(opts *options) *cobra.Command {
	var f backupFlags
	cmd := &cobra.Command{
		Use:   "backup FILE|DIR [--verify]",
		Short: "Write a consistent copy of the archive to FILE",
		Long: `backup copies the archive to FILE as of one moment (a bbolt read transaction),
so the copy is a complete, consistent archive. The copy is written to a
temporary file in FILE's directory, synced and renamed, so FILE is either
the old file or the whole new copy, never a part. If FILE is a directory (or
ends in /), the copy is named archive-YYYYMMDD-HHMMSS.db inside it.
With --verify the copy is then checked as crawler verify would.

backup opens the archive read-only: it runs beside export and other
readers, but not during a crawl, which holds the archive for writing; it
then waits archive.lock_timeout or --wait DURATION, then gives up with exit
status 3. To restore, stop the crawler and copy the backup over the
archive file.
`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBackup(cmd.Context(), opts, f, args[0])
		},
	}
	cmd.Flags().BoolVar(&f.verify, "verify", false, "check the copy once written")
	return cmd
}

func runBackup(ctx context.Context, opts *options, f backupFlags, dest string) error {
	cfg, err := opts.load()
	if err != nil {
		return err
	}
	if fi, err := os.Stat(dest); (err == nil && fi.IsDir()) || strings.HasSuffix(dest, string(os.PathSeparator)) {
		dest = filepath.Join(dest, "archive-"+time.Now().Format("20060102-150405")+".db")
	}
	if sameFile(dest, cfg.Archive.Path) {
		return &usageError{msg: fmt.Sprintf("backup: %s is the archive itself; name another file", dest)}
	}
	out, err := resolveOutput(dest)
	if err != nil {
		return err
	}
	if out.direct && f.verify {
		return &usageError{msg: fmt.Sprintf("backup: %s is not a regular file, so --verify cannot read the copy back; back up to a file", dest)}
	}
	if sameFile(out.path, cfg.Archive.Path) {
		return &usageError{msg: fmt.Sprintf("backup: %s is the archive itself; name another file", dest)}
	}
	a, err := openArchive(cfg.Archive.Path, true, cfg.Archive.LockTimeout.Std())
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := out.write(false, cfg.Archive.FileMode.Perm(), func(w io.Writer) (int, error) {
		n, err := a.Backup(ctx, w)
		return int(n), err
	})
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	opts.report(fmt.Sprintf("backed up %s to %s (%s)", a.Path(), dest, byteSize(int64(n))), "archive", a.Path(), "backup", dest, "bytes", n)
	if !f.verify {
		return nil
	}
	c, err := archive.Open(dest, archive.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("check backup %s: %w", dest, err)
	}
	defer c.Close()
	probs, err := c.Verify(ctx)
	if err != nil {
		return fmt.Errorf("check backup %s: %w", dest, err)
	}
	for _, p := range probs {
		opts.report(fmt.Sprint(p), "backup", dest)
	}
	if len(probs) > 0 {
		return fmt.Errorf("check backup %s: %w: %d found (the archive itself has them too; run crawler verify)", dest, errVerifyFailed, len(probs))
	}
	opts.report(dest+": no problems found", "backup", dest, "problems", 0)
	return nil
}

// sameFile reports whether a and b name the same file, existing or not.
func sameFile(a, b string) bool {
	if fa, err := os.Stat(a); err == nil {
		if fb, err := os.Stat(b); err == nil {
			return os.SameFile(fa, fb)
		}
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

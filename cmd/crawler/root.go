package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
)

// options are the flags shared by every command.
type options struct {
	configPath  string
	archivePath string
	logFormat   string
	verbose     bool
	profiles    profiles // --cpuprofile, --memprofile
	// fileMode is archive.file_mode, for the files commands create.
	fileMode os.FileMode
	quiet    bool
	wait     time.Duration // --wait; 0 keeps archive.lock_timeout
	stderr   io.Writer
	term     *termOut // stderr when it is a terminal; see progress.go
}

// newRootCommand returns the command tree and its options; the caller
// runs opts.profiles.stop once the command returns.
func newRootCommand(stderr io.Writer) (*cobra.Command, *options) {
	opts := &options{stderr: stderr}
	root := &cobra.Command{
		Use:   "crawler",
		Short: "Crawl 红星网 (www.hxw.gov.cn) into a local archive and export it",
		Long: `crawler archives the news of 红星网 (www.hxw.gov.cn): it walks the site
politely, extracts each article's title, source, publication time and body,
keeps every article once (with its raw pages) in an embedded bbolt archive,
and exports the archive as JSONL.

The site's names: 红星网 answers at www.hxw.gov.cn; www.hnredstar.gov.cn is
most likely its older name. config.yaml lists both under site.hosts, and the
crawler treats them as one site: a page under either name (http or https) is
fetched and archived once, under site.canonical (https://www.hxw.gov.cn);
redirects between the names are followed; each name's robots.txt governs the
requests to it; an archive made under the old name keeps its records, IDs
and URLs. Attachments on img.hxw.gov.cn (site.resource_hosts) are recorded
with their articles; that host is never crawled.

Run "crawl" from cron, a systemd timer or "crawler schedule"; "runs" shows
the history, "verify" checks the archive, "backup" copies it, and
"reextract" brings extractor improvements to what is already archived.

Settings come from config.yaml (see --config); flags override a few of them.
` + exitStatusHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{msg: err.Error() + " (see --help)"}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&opts.configPath, "config", "config.yaml", "configuration `FILE`")
	pf.StringVar(&opts.archivePath, "archive", "", "archive file `PATH` (overrides archive.path)")
	pf.StringVar(&opts.logFormat, "log-format", "text", "log format: text or json")
	pf.BoolVarP(&opts.verbose, "verbose", "v", false, "log every page")
	pf.BoolVarP(&opts.quiet, "quiet", "q", false, "log only warnings and errors")
	pf.StringVar(&opts.profiles.cpuPath, "cpuprofile", "", "write a CPU profile of the command to `FILE` (for go tool pprof)")
	pf.StringVar(&opts.profiles.memPath, "memprofile", "", "write a heap profile to `FILE` as the command ends (for go tool pprof)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error { return opts.profiles.start() }
	pf.DurationVar(&opts.wait, "wait", 0, "wait up to `DURATION` (e.g. 30s, 10m) for an archive another crawler process holds (default archive.lock_timeout)")

	root.AddCommand(
		newBackfillCommand(opts),
		newCrawlCommand(opts),
		newExportCommand(opts),
		newStatsCommand(opts),
		newExtractCommand(opts),
		newDemoCommand(opts),
		newScheduleCommand(opts),
		newRunsCommand(opts),
		newReextractCommand(opts),
		newVerifyCommand(opts),
		newBackupCommand(opts),
		newServeCommand(opts),
	)
	for _, c := range root.Commands() {
		c.Long += "\n" + exitStatusHelp
		c.SilenceErrors, c.SilenceUsage = true, true
		c.SetFlagErrorFunc(root.FlagErrorFunc())
		if c.Args != nil {
			check := c.Args
			c.Args = func(cmd *cobra.Command, args []string) error {
				if err := check(cmd, args); err != nil {
					return &usageError{msg: fmt.Sprintf("%s: %v (see crawler %s --help)", cmd.Name(), err, cmd.Name())}
				}
				return nil
			}
		}
	}
	return root, opts
}

// load reads the configuration and applies the flag overrides.
func (o *options) load() (Config, error) {
	cfg, err := loadConfigFile(o.configPath)
	if err != nil {
		return cfg, err
	}
	if o.archivePath != "" {
		cfg.Archive.Path = o.archivePath
	}
	if err := o.checkArchivePath(cfg); err != nil {
		return cfg, err
	}
	o.fileMode = cfg.Archive.FileMode.Perm()
	switch {
	case o.wait < 0:
		return cfg, &usageError{msg: fmt.Sprintf("--wait %v: must not be negative", o.wait)}
	case o.wait > 0:
		cfg.Archive.LockTimeout = Duration(o.wait)
	}
	return cfg, nil
}

// logger builds the logger the flags ask for; logs go to stderr.
func (o *options) logger() (*slog.Logger, error) {
	level := slog.LevelInfo
	switch {
	case o.verbose && o.quiet:
		return nil, &usageError{msg: "--verbose and --quiet contradict each other; pick one"}
	case o.verbose:
		level = slog.LevelDebug
	case o.quiet:
		level = slog.LevelWarn
	}
	ho := &slog.HandlerOptions{Level: level}
	switch o.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(o.logOutput(), ho)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(o.stderr, ho)), nil
	}
	return nil, &usageError{msg: fmt.Sprintf("--log-format %q: expected text or json", o.logFormat)}
}

// checkArchivePath refuses, before any work, an archive path under which
// no archive can exist or be created: its nearest existing ancestor is not
// a directory, or no directory can be made there. An existing archive is
// left to archive.Open.
func (o *options) checkArchivePath(cfg Config) error {
	path := cfg.Archive.Path
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	dir := filepath.Dir(path)
	for {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return o.archivePathError(cfg, fmt.Sprintf("%s is not a directory, so the archive %s cannot be created there", dir, path))
			}
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	probe, err := os.MkdirTemp(dir, ".crawler-probe-")
	if err != nil {
		return o.archivePathError(cfg, fmt.Sprintf("cannot create the archive %s: %v", path, errors.Unwrap(err)))
	}
	return os.Remove(probe)
}

func (o *options) archivePathError(cfg Config, msg string) error {
	if o.archivePath != "" {
		return &usageError{msg: "--archive " + o.archivePath + ": " + msg + "; choose a writable path"}
	}
	return &ConfigError{File: cfg.file, Line: cfg.archivePathLine, Key: "archive.path", Msg: msg + "; choose a writable path or pass --archive PATH"}
}

// openArchive opens the archive at path, explaining a held lock.
func openArchive(path string, readOnly bool, lockTimeout time.Duration) (*archive.Archive, error) {
	return openArchiveWith(path, archive.Options{ReadOnly: readOnly, Timeout: lockTimeout})
}

// createArchive opens the configured archive for writing, creating it with
// archive.file_mode if it does not exist.
func createArchive(c ArchiveConfig) (*archive.Archive, error) {
	return openArchiveWith(c.Path, archive.Options{Timeout: c.LockTimeout.Std(), FileMode: c.FileMode.Perm()})
}

func openArchiveWith(path string, ao archive.Options) (*archive.Archive, error) {
	readOnly := ao.ReadOnly
	a, err := archive.Open(path, ao)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && readOnly {
			return nil, fmt.Errorf("archive %s does not exist yet; run crawler backfill (or crawl) first, or pass --archive PATH", path)
		}
		if errors.Is(err, archive.ErrDamaged) {
			return nil, err // names the file and says what to do
		}
		return nil, fmt.Errorf("open archive: %w", err)
	}
	return a, nil
}

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
)

// options are the flags shared by every command.
type options struct {
	configPath  string
	configSet   bool // --config was given
	archivePath string
	logFormat   string
	verbose     bool
	profiles    profiles // --cpuprofile, --memprofile
	// fileMode is archive.file_mode, for the files commands create.
	fileMode os.FileMode
	quiet    bool
	wait     time.Duration // --wait; 0 keeps archive.lock_timeout
	// maxPages is --max-pages of the commands that crawl, which overrides
	// crawl.max_pages when maxPagesSet.
	maxPages    int
	maxPagesSet bool
	stderr      io.Writer
	term        *termOut // stderr when it is a terminal; see progress.go
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
and URLs. Attachments on img.hxw.gov.cn (site.resource_hosts) are fetched once
and stored with the articles and topic pages that link them ("crawler
attachments DIR" writes them out); that host is never crawled for links.

Run "crawl" from cron, a systemd timer or "crawler schedule"; "runs" shows
the history, "verify" checks the archive, "backup" copies it, and
"reextract" brings extractor improvements to what is already archived.

Settings come from config.yaml (see --config); flags override a few of them.
` + exitStatusHelp,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Without a command, the help; an unknown one is a usage error
		// (cobra's own is a plain error, exit status 1).
		Args:                       cobra.ArbitraryArgs,
		SuggestionsMinimumDistance: 2,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			msg := fmt.Sprintf("unknown command %q", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return &usageError{msg: msg + " (crawler --help lists the commands)"}
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		msg := err.Error()
		if strings.Contains(msg, "shorthand flag: 'n'") {
			msg += "; -n was dropped for clarity: write --limit (runs) or --dry-run (reextract)"
		}
		return &usageError{msg: msg + " (see --help)"}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&opts.configPath, "config", defaultConfigFile, "configuration `FILE`; without it, config.yaml if it exists, else the defaults")
	pf.StringVar(&opts.archivePath, "archive", "", "archive file `PATH` (overrides archive.path)")
	pf.StringVar(&opts.logFormat, "log-format", "text", "log format: text or json")
	pf.BoolVarP(&opts.verbose, "verbose", "v", false, "log every page")
	pf.BoolVarP(&opts.quiet, "quiet", "q", false, "log only warnings and errors")
	pf.StringVar(&opts.profiles.cpuPath, "cpuprofile", "", "write a CPU profile of the command to `FILE` (for go tool pprof)")
	pf.StringVar(&opts.profiles.memPath, "memprofile", "", "write a heap profile to `FILE` as the command ends (for go tool pprof)")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		opts.configSet = cmd.Flags().Changed("config")
		opts.maxPagesSet = cmd.Flags().Changed("max-pages")
		return opts.profiles.start()
	}
	pf.DurationVar(&opts.wait, "wait", 0, "wait up to `DURATION` (e.g. 30s, 10m) for an archive another crawler process holds (default archive.lock_timeout)")

	root.AddCommand(
		newBackfillCommand(opts),
		newCrawlCommand(opts),
		newExportCommand(opts),
		newAttachmentsCommand(opts),
		newStatsCommand(opts),
		newExtractCommand(opts),
		newDemoCommand(opts),
		newScheduleCommand(opts),
		newRunsCommand(opts),
		newReextractCommand(opts),
		newVerifyCommand(opts),
		newBackupCommand(opts),
		newServeCommand(opts),
		newSimsiteCommand(opts),
	)
	root.Version = version()
	root.Flags().Bool("version", false, "print the version, the commit and its date, and the Go version")
	root.SetVersionTemplate("{{.Version}}")
	for _, c := range root.Commands() {
		switch c.Name() {
		case "backfill", "crawl", "schedule":
			c.Flags().IntVar(&opts.maxPages, "max-pages", 0, "fetch at most `N` pages in a run (overrides crawl.max_pages; 0 means no limit)")
		}
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

// defaultConfigFile is read when --config is not given, if it exists.
const defaultConfigFile = "config.yaml"

// load reads the configuration, applies the flag overrides and checks
// that the archive can exist where it says.
func (o *options) load() (Config, error) {
	cfg, err := o.config()
	if err != nil {
		return cfg, err
	}
	if err := o.checkArchivePath(cfg); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// config reads the configuration and applies the flag overrides, for
// commands that may not touch the archive (extract). Without --config, a
// missing config.yaml means the defaults; a missing --config FILE is an
// error.
func (o *options) config() (Config, error) {
	cfg := defaultConfig()
	if _, err := os.Stat(o.configPath); o.configSet || !errors.Is(err, fs.ErrNotExist) {
		if cfg, err = loadConfigFile(o.configPath); err != nil {
			return cfg, err
		}
	} else if log, err := o.logger(); err == nil {
		log.Info("no " + o.configPath + " in the current directory; using the defaults (see --config)")
	}
	if o.archivePath != "" {
		cfg.Archive.Path = o.archivePath
	}
	o.fileMode = cfg.Archive.FileMode.Perm()
	switch {
	case o.maxPagesSet && o.maxPages < 0:
		return cfg, &usageError{msg: fmt.Sprintf("--max-pages %d: must not be negative (0 means no limit)", o.maxPages)}
	case o.maxPagesSet:
		cfg.Crawl.MaxPages = o.maxPages
	}
	switch {
	case o.wait < 0:
		return cfg, &usageError{msg: fmt.Sprintf("--wait %v: must not be negative", o.wait)}
	case o.wait > 0:
		cfg.Archive.LockTimeout = Duration(o.wait)
	}
	return cfg, nil
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
	if cfg.file == "" {
		return &usageError{msg: "archive.path " + cfg.Archive.Path + " (the default, with no " + defaultConfigFile + " here): " + msg + "; pass --archive PATH, or --config FILE setting archive.path"}
	}
	return &ConfigError{File: cfg.file, Line: cfg.archivePathLine, Key: "archive.path", Msg: msg + "; choose a writable path or pass --archive PATH"}
}

// openArchive opens the archive at path, explaining a held lock.
func openArchive(path string, readOnly bool, lockTimeout time.Duration) (*archive.Archive, error) {
	return openArchiveWith(path, archive.Options{ReadOnly: readOnly, Timeout: lockTimeout})
}

// readArchive loads the configuration and opens its archive read-only,
// for the commands that only read it.
func (o *options) readArchive() (*archive.Archive, error) {
	cfg, err := o.load()
	if err != nil {
		return nil, err
	}
	return openArchive(cfg.Archive.Path, true, cfg.Archive.LockTimeout.Std())
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

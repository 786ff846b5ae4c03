// Command crawler crawls 红星网 (www.hnredstar.gov.cn) into an embedded
// bbolt archive, and exports the archive as JSONL.
//
// Run "crawler --help" for the commands.
package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/crawl"
)

// Exit statuses, documented in the README and in every --help.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2 // bad flags, arguments or configuration
	exitLocked      = 3 // another crawler process holds the archive
	exitPagesFailed = 4 // the run finished, but some pages failed
	exitDrift       = 5 // the run finished, but a field vanished from many new articles
	exitBlocked     = 6 // a host answered with anti-bot challenges; its pages wait for the next run
)

const exitStatusHelp = `
EXIT STATUS
  0  success
  1  error
  2  usage or configuration error
  3  archive locked by another crawler process
  4  run finished, but some pages failed (they are retried by the next run)
  5  run finished, but extraction drift: a field is missing from many new
     articles compared with the archive's history (see "crawler runs")
  6  blocked by an anti-bot challenge: a host answered with challenge pages
     several times in a row; its pages are left for the next run`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args, writing data to stdout and logs and
// errors to stderr, and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd, opts := newRootCommand(stderr)
	cmd.SetArgs(args)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	err := cmd.ExecuteContext(ctx)
	if perr := opts.profiles.stop(); perr != nil {
		printError(stderr, args, opts, perr, exitError)
		if err == nil {
			return exitError
		}
	}
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	printError(stderr, args, opts, err, code)
	return code
}

func exitCode(err error) int {
	var cfgErr *ConfigError
	var usage *usageError
	switch {
	case errors.As(err, &cfgErr), errors.As(err, &usage):
		return exitUsage
	case errors.Is(err, archive.ErrLocked):
		return exitLocked
	case errors.Is(err, errPagesFailed):
		return exitPagesFailed
	case errors.Is(err, errDrift):
		return exitDrift
	case errors.Is(err, crawl.ErrBlocked):
		return exitBlocked
	}
	return exitError
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// Errors of runs that finished but need attention.
var (
	// errPagesFailed reports a run that finished with failed pages.
	errPagesFailed = errors.New("some pages failed; see the log above; the next run retries them")
	// errDrift reports a run whose articles lack a field far more often
	// than the archive's history: the site's markup has likely changed.
	errDrift = errors.New("fields missing from many new articles; see the warnings above, run crawler extract --explain on the example URLs and adjust config.yaml's extract selectors")
)

package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/hnredstar/crawler/crawl"
)

// clearLine moves to the start of the terminal line and erases it.
const clearLine = "\r\033[2K"

// termOut is stderr when it is a terminal. The progress bar draws on its
// last line; anything else written to the terminal (a log line, a summary
// on stdout) first erases the bar, which the next update draws again.
type termOut struct {
	mu    sync.Mutex
	w     io.Writer
	shown bool // the bar's line is on the screen
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminal returns the terminal stderr is, or nil when stderr is not a
// terminal (a file or pipe, as under cron or systemd).
func (o *options) terminal() *termOut {
	if o.term == nil && isTerminal(o.stderr) {
		o.term = &termOut{w: o.stderr}
	}
	return o.term
}

// logOutput is where logs go: stderr, through the bar-aware terminal when
// there is one.
func (o *options) logOutput() io.Writer {
	if t := o.terminal(); t != nil {
		return t.clearing(t.w)
	}
	return o.stderr
}

// clearing returns a writer to w (stdout or the terminal itself) that
// erases the bar first.
func (t *termOut) clearing(w io.Writer) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.erase()
		return w.Write(p)
	})
}

// erase removes the bar's line; t.mu is held.
func (t *termOut) erase() {
	if t.shown {
		io.WriteString(t.w, clearLine)
		t.shown = false
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// progress is a progress bar on the terminal, or nothing: every method is
// a no-op on a progress that is not shown, so callers need not check.
type progress struct {
	t   *termOut
	mu  sync.Mutex // serialises updates; the bar library renders inside them
	bar *progressbar.ProgressBar
}

// newProgress returns a progress bar counting toward total (-1: unknown)
// if stderr is a terminal and neither --quiet nor --log-format json was
// given; otherwise a progress that shows nothing.
func (o *options) newProgress(total int64, desc, unit string) *progress {
	t := o.terminal()
	if t == nil || o.quiet || o.logFormat != "text" {
		return &progress{}
	}
	p := &progress{t: t}
	p.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(writerFunc(func(b []byte) (int, error) {
			t.mu.Lock()
			defer t.mu.Unlock()
			t.shown = true
			return t.w.Write(b)
		})),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetSpinnerChangeInterval(0), // no goroutine: the bar draws only on updates
		progressbar.OptionUseANSICodes(true),
		progressbar.OptionSetPredictTime(total > 0),
		progressbar.OptionSetElapsedTime(true),
	)
	return p
}

// shown reports whether p draws anything.
func (p *progress) shown() bool { return p != nil && p.bar != nil }

// add counts n more units done.
func (p *progress) add(n int) {
	if !p.shown() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar.Add(n)
}

// set sets the count of units done and the description.
func (p *progress) set(n int64, desc string) {
	if !p.shown() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if desc != "" {
		p.bar.Describe(desc)
	}
	p.bar.Set64(n)
}

// crawl is a crawl.Options.Progress callback: pages fetched, with the
// article counts in the description.
func (p *progress) crawl(kind string) func(crawl.Result) {
	return func(r crawl.Result) {
		p.set(int64(r.Pages), fmt.Sprintf("%s: %d articles (%d new), %d failed;", kind, r.Articles, r.Added, len(r.Failures)))
	}
}

// done erases the bar for good.
func (p *progress) done() {
	if !p.shown() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bar.Exit()
	p.t.mu.Lock()
	p.t.erase()
	p.t.mu.Unlock()
}

// clearing returns out wrapped so that writing to it erases the bar first,
// for summaries printed to stdout on the same terminal.
func (p *progress) clearing(out io.Writer) io.Writer {
	if !p.shown() {
		return out
	}
	return p.t.clearing(out)
}

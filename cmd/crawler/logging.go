package main

import (
	"context"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"strings"
	"time"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/crawl"
)

// Logs and reports on stderr follow --log-format: with json every line is
// a JSON object, so a cron job's "2>&1" log stays machine-readable; with
// text, logs are slog text lines and reports (a run summary, "exported N
// articles", the error that ends the process) are plain sentences, the
// summary on stdout.

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
	switch o.logFormat {
	case "text":
		return slog.New(&logHandler{Handler: slog.NewTextHandler(o.logOutput(), nil), level: level}), nil
	case "json":
		return slog.New(&logHandler{Handler: slog.NewJSONHandler(o.stderr, nil), level: level, json: true}), nil
	}
	return nil, &usageError{msg: fmt.Sprintf("--log-format %q: expected text or json", o.logFormat)}
}

// logHandler is the handler of the loggers options.logger builds. It
// filters by level itself, so that reports that must appear whatever the
// level (see reportRun) can be handed to the handler beneath, in the
// logger's format.
type logHandler struct {
	slog.Handler // text or JSON, with no level of its own (Handle does not filter)
	level        slog.Level
	json         bool
}

func (h *logHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{Handler: h.Handler.WithAttrs(as), level: h.level, json: h.json}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{Handler: h.Handler.WithGroup(name), level: h.level, json: h.json}
}

// always logs a record at level Info whatever the logger's level.
func (h *logHandler) always(msg string, attrs ...slog.Attr) {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, msg, 0)
	r.AddAttrs(attrs...)
	_ = h.Handle(context.Background(), r)
}

// jsonLog returns log's handler when it writes JSON, else nil.
func jsonLog(log *slog.Logger) *logHandler {
	if log == nil {
		return nil
	}
	if h, ok := log.Handler().(*logHandler); ok && h.json {
		return h
	}
	return nil
}

// report writes a command's result to stderr, whatever --quiet says: the
// sentence msg in text mode, a JSON record with msg and attrs (key-value
// pairs, as for slog) with --log-format json.
func (o *options) report(msg string, attrs ...any) {
	if o.logFormat == "json" {
		slog.New(slog.NewJSONHandler(o.stderr, nil)).Info(msg, attrs...)
		return
	}
	fmt.Fprintln(o.logOutput(), msg)
}

// reportRun reports the end of a crawl: in text mode the one-line summary
// on out (stdout), with --log-format json a "run summary" record on the
// log's stderr, so that every line of a cron job's log is JSON.
func reportRun(out io.Writer, log *slog.Logger, run archive.Run, res crawl.Result, took time.Duration) {
	h := jsonLog(log)
	if h == nil {
		printRunSummary(out, run, res, took)
		return
	}
	attrs := []slog.Attr{
		slog.String("kind", run.Kind), slog.String("status", run.Status),
		slog.Int("pages", res.Pages), slog.Int("articles", res.Articles),
		slog.Int("new", res.Added), slog.Int("versions", res.Versioned), slog.Int("aliases", res.Aliased),
		slog.Int("unchanged", res.Unchanged), slog.Int("skipped_known", res.Skipped),
		slog.Int("not_modified", res.NotModified), slog.Int("dead_links", res.Dead),
		slog.Int("challenges", len(res.Challenges)), slog.Int("retries", res.Retries),
		slog.Int("failed", len(res.Failures)), slog.Int64("requests", res.Requests),
		slog.Int64("bytes", res.Bytes), slog.Float64("seconds", took.Round(time.Millisecond).Seconds()),
	}
	if res.Resumed > 0 {
		attrs = append(attrs, slog.Int("resumed_pending", res.Resumed))
	}
	h.always("run summary", attrs...)
}

// printError writes the error that ends the process to stderr: "crawler:
// err" in text mode, a JSON record with the exit status with
// --log-format json (asked for in args, which may not have been parsed).
func printError(stderr io.Writer, args []string, opts *options, err error, code int) {
	if opts.logFormat == "json" || logFormatArg(args) == "json" {
		slog.New(slog.NewJSONHandler(stderr, nil)).Error(err.Error(), "exit", code)
		return
	}
	fmt.Fprintln(stderr, "crawler:", err)
}

// logFormatArg returns the last --log-format value in args, or "".
func logFormatArg(args []string) string {
	v := ""
	for i, a := range args {
		switch {
		case a == "--":
			return v
		case a == "--log-format" && i+1 < len(args):
			v = args[i+1]
		case strings.HasPrefix(a, "--log-format="):
			v = strings.TrimPrefix(a, "--log-format=")
		}
	}
	return v
}

// newStdLogger adapts log for the standard library (an http.Server's
// ErrorLog), whose messages would otherwise reach stderr unformatted.
func newStdLogger(log *slog.Logger) *stdlog.Logger {
	return slog.NewLogLogger(log.Handler(), slog.LevelWarn)
}

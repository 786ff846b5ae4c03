package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/hnredstar/crawler/archive"
)

// lastExportKey is the archive state key under which export --updated-since
// last keeps the time its previous run started.
const lastExportKey = "export.last"

// parseFields reads --fields: comma-separated names from archive.Fields.
func parseFields(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var fields []string
	for _, f := range strings.Split(s, ",") {
		fields = append(fields, strings.TrimSpace(f))
	}
	if err := archive.CheckFields(fields); err != nil {
		return nil, &usageError{msg: "--fields: " + err.Error()}
	}
	return fields, nil
}

// parseUpdatedSince reads --updated-since: "last", or a date as for --since.
func parseUpdatedSince(v string) (t time.Time, last bool, err error) {
	if v == "last" {
		return time.Time{}, true, nil
	}
	t, err = parseDateFlag("--updated-since", v)
	if err != nil {
		return time.Time{}, false, &usageError{msg: err.Error() + `, or "last" for the records changed since the previous export --updated-since last`}
	}
	return t, false, nil
}

// lastExport returns the start of the previous export --updated-since
// last, or the zero time if there was none.
func lastExport(a *archive.Archive) (time.Time, error) {
	v, err := a.State(lastExportKey)
	if err != nil || v == nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, string(v))
	if err != nil {
		return time.Time{}, fmt.Errorf("archive state %s = %q: %w; delete it by exporting once without --updated-since last", lastExportKey, v, err)
	}
	return t, nil
}

// markExport records start as the time of the last export, once its
// output is complete.
func markExport(a *archive.Archive, start time.Time) error {
	return a.PutState(lastExportKey, []byte(start.UTC().Format(time.RFC3339Nano)))
}

// hintColumns logs the archive's columns when --column matched nothing,
// since a column must be named exactly.
func hintColumns(ctx context.Context, a *archive.Archive, cols []string, log *slog.Logger) {
	count := map[string]int{}
	var names []string
	a.ForEach(ctx, archive.Filter{}, func(r archive.Record) error {
		if count[r.Column] == 0 {
			names = append(names, r.Column)
		}
		count[r.Column]++
		return nil
	})
	var b strings.Builder
	for i, name := range names {
		if i == 30 {
			fmt.Fprintf(&b, " … and %d more", len(names)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q (%d)", name, count[name])
	}
	log.Warn("no article has the column asked for; columns must be named exactly", "column", cols, "columns", b.String())
}

// explainEmptyExport says why an export wrote nothing: the filters left
// every article out, or the archive holds none, and then what its last
// run did.
func explainEmptyExport(a *archive.Archive, log *slog.Logger) {
	total, err := a.Len()
	switch {
	case err != nil:
		return
	case total > 0:
		log.Warn("no article matches the options given", "archive", a.Path(), "articles", total)
		return
	}
	runs, err := a.Runs(1)
	if err != nil || len(runs) == 0 {
		log.Warn("the archive holds no articles: no crawl has run into it; run crawler backfill (or crawler demo for the simulated site)", "archive", a.Path())
		return
	}
	r := runs[0]
	log.Warn("the archive holds no articles; its last run archived none", "archive", a.Path(),
		"run", r.Kind, "started", r.Start.In(beijing).Format(time.DateTime), "status", r.Status, "error", r.Error)
}

// openExisting opens an archive that must already exist for writing, for
// commands that change an archive but must never create one (export
// --updated-since last, reextract): a mistyped path is an error, not a new
// empty archive.
func openExisting(path string, lockTimeout time.Duration) (*archive.Archive, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return openArchive(path, true, lockTimeout) // explains what to do
	}
	return openArchive(path, false, lockTimeout)
}

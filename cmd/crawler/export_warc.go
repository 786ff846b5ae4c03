package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/warc"
)

// checkExportFormat refuses --format values and flag combinations export
// cannot honour.
func checkExportFormat(f exportFlags) error {
	switch f.format {
	case "jsonl", "":
		return nil
	case "warc":
	default:
		return &usageError{msg: fmt.Sprintf("--format %q: expected jsonl or warc", f.format)}
	}
	if f.output == "" || f.output == "-" {
		return &usageError{msg: "--format warc writes a file: give -o FILE.warc.gz"}
	}
	if f.fields != "" {
		return &usageError{msg: "--fields applies to --format jsonl only; a WARC record holds every field"}
	}
	return nil
}

// exportWARC writes the articles filter selects as a WARC file at path,
// atomically; a name ending in .warc is left uncompressed, any other gets
// a gzip member per record.
func exportWARC(ctx context.Context, opts *options, a *archive.Archive, filter archive.Filter, path string, start time.Time, sinceLast bool) error {
	var st warc.Stats
	write := func(w io.Writer) (int, error) {
		bw := bufio.NewWriterSize(w, 1<<16)
		var err error
		st, err = warc.Write(ctx, bw, a, warc.Options{
			Filter:   filter,
			Filename: filepath.Base(path),
			Plain:    strings.HasSuffix(path, ".warc"),
			Info:     [][2]string{{"isPartOf", "hnredstar"}},
		})
		if err != nil {
			return st.Articles, err
		}
		return st.Articles, bw.Flush()
	}
	if _, err := writeFileAtomic(path, false, opts.fileMode, write); err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	opts.report(fmt.Sprintf("exported %d articles (%d versions) to %s: %d WARC records: %d responses, %d revisits, %d requests, %d metadata",
		st.Articles, st.Versions, path, st.Records, st.Responses, st.Revisits, st.Requests, st.Metadata),
		"articles", st.Articles, "versions", st.Versions, "file", path, "records", st.Records)
	if sinceLast {
		if err := markExport(a, start); err != nil {
			return fmt.Errorf("export: record the time of this export: %w", err)
		}
	}
	return nil
}

package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/warc"
)

// exportFormat returns the format to write, jsonl or warc: --format when
// given, otherwise the one -o's name implies, otherwise jsonl. It refuses
// unknown formats, a name that implies the other format, and flag
// combinations export cannot honour.
func exportFormat(f exportFlags) (string, error) {
	named := formatOfName(f.output)
	format := f.format
	switch format {
	case "":
		format = cmp.Or(named, "jsonl")
	case "jsonl", "warc":
		if named != "" && named != format {
			return "", &usageError{msg: fmt.Sprintf("--format %s, but -o %s names a %s file; drop --format or rename the file", format, f.output, strings.ToUpper(named))}
		}
	default:
		return "", &usageError{msg: fmt.Sprintf("--format %q: expected jsonl or warc", f.format)}
	}
	if format != "warc" {
		return format, nil
	}
	if f.output == "" || f.output == "-" {
		return "", &usageError{msg: "--format warc writes a file: give -o FILE.warc.gz"}
	}
	if f.fields != "" {
		return "", &usageError{msg: "--fields applies to --format jsonl only; a WARC record holds every field"}
	}
	return format, nil
}

// formatOfName returns the export format a file name implies by its
// extension (before any .gz): warc, jsonl, or "" for none.
func formatOfName(name string) string {
	base := strings.TrimSuffix(strings.ToLower(filepath.Base(name)), ".gz")
	switch filepath.Ext(base) {
	case ".warc":
		return "warc"
	case ".jsonl", ".ndjson", ".json":
		return "jsonl"
	}
	return ""
}

// exportWARC writes the articles filter selects as a WARC file at path,
// atomically; a name ending in .warc is left uncompressed, any other gets
// a gzip member per record.
func exportWARC(ctx context.Context, opts *options, a *archive.Archive, filter archive.Filter, out outputFile, start time.Time, sinceLast bool) error {
	path := out.path
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
	if _, err := out.write(false, opts.fileMode, write); err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	opts.report(fmt.Sprintf("exported %d articles (%d versions, %d attachments) to %s: %d WARC records: %d responses, %d revisits, %d requests, %d metadata",
		st.Articles, st.Versions, st.Files, path, st.Records, st.Responses, st.Revisits, st.Requests, st.Metadata),
		"articles", st.Articles, "versions", st.Versions, "attachments", st.Files, "file", path, "records", st.Records)
	if sinceLast {
		if err := markExport(a, start); err != nil {
			return fmt.Errorf("export: record the time of this export: %w", err)
		}
	}
	return nil
}

package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/crawl"
	"github.com/hnredstar/crawler/extract"
)

type extractFlags struct {
	url     string
	explain bool
}

func newExtractCommand(opts *options) *cobra.Command {
	var f extractFlags
	cmd := &cobra.Command{
		Use:   "extract URL|FILE|DIR...",
		Short: "Run the extractor on pages and print one JSON record per page",
		Long: `extract runs the article extractor on web pages and prints one JSON record
per line, each with an "input" field naming the page it came from. An input
is a URL (fetched once, politely, with the configured User-Agent), a saved
page (.html, .htm or .html.gz), or a directory (its saved pages, recursively).
Use --url to give the original address of a saved page, so relative links
resolve. With --explain each record says which layer and rule produced
each field: the quickest way to tune the selectors in config.yaml.
`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExtract(cmd.Context(), opts, f, args, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&f.url, "url", "", "original `URL` of a saved page (resolves relative links)")
	cmd.Flags().BoolVar(&f.explain, "explain", false, "say which layer and rule produced each field")
	return cmd
}

// extractRecord is one line of extract's output.
type extractRecord struct {
	Input       string            `json:"input"`
	URL         string            `json:"url"`
	Kind        string            `json:"kind"`
	Title       string            `json:"title"`
	Source      string            `json:"source"`
	Published   *string           `json:"published"`
	Body        string            `json:"body"`
	Column      string            `json:"column"`
	Images      []string          `json:"images"`
	Attachments []string          `json:"attachments"`
	Author      string            `json:"author,omitempty"`
	Editor      string            `json:"editor,omitempty"`
	Explain     map[string]string `json:"explain,omitempty"`
	Error       string            `json:"error,omitempty"`
}

func runExtract(ctx context.Context, opts *options, f extractFlags, inputs []string, out io.Writer) error {
	cfg, err := opts.load()
	if err != nil {
		return err
	}
	ext, err := newExtractor(cfg, opts.configPath)
	if err != nil {
		return err
	}
	co := crawlOptions(cfg, crawl.Backfill, ext, nil)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	failed := 0
	for _, in := range inputs {
		pages, err := expandInput(in)
		if err != nil {
			return err
		}
		for _, p := range pages {
			if err := ctx.Err(); err != nil {
				return err
			}
			rec := extractOne(ctx, ext, co, p, f)
			if rec.Error != "" {
				failed++
			}
			if !f.explain {
				rec.Explain = nil
			}
			if err := enc.Encode(rec); err != nil {
				return err
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of the pages could not be extracted (see their \"error\" fields)", failed)
	}
	return nil
}

// expandInput turns a URL, file or directory argument into page inputs.
func expandInput(in string) ([]string, error) {
	if isURL(in) {
		return []string{in}, nil
	}
	fi, err := os.Stat(in)
	if err != nil {
		return nil, &usageError{msg: fmt.Sprintf("extract: %s is neither an http(s) URL nor a readable file or directory", in)}
	}
	if !fi.IsDir() {
		return []string{in}, nil
	}
	var files []string
	err = filepath.WalkDir(in, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isPageFile(p) {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func isPageFile(p string) bool {
	p = strings.TrimSuffix(strings.ToLower(p), ".gz")
	return strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".htm") || strings.HasSuffix(p, ".shtml")
}

func extractOne(ctx context.Context, ext *extract.Extractor, co crawl.Options, input string, f extractFlags) extractRecord {
	rec := extractRecord{Input: input, Images: []string{}, Attachments: []string{}}
	body, contentType, pageURL, err := loadPage(ctx, co, input, f.url)
	rec.URL = pageURL
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	page, err := extract.Parse(body, contentType, pageURL)
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	rec.Kind = ext.Links(page).Kind.String()
	art, err := ext.Article(page)
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	rec.Title, rec.Source, rec.Body, rec.Column = art.Title, art.Source, art.Body, art.Column
	rec.Author, rec.Editor, rec.Explain = art.Author, art.Editor, art.Explain
	if !art.Published.IsZero() {
		s := art.Published.In(beijing).Format(time.RFC3339)
		rec.Published = &s
	}
	if art.Images != nil {
		rec.Images = art.Images
	}
	if art.Attachments != nil {
		rec.Attachments = art.Attachments
	}
	return rec
}

// loadPage reads a page from a URL or a saved file (gzipped or not).
func loadPage(ctx context.Context, co crawl.Options, input, origURL string) (body []byte, contentType, pageURL string, err error) {
	if isURL(input) {
		body, contentType, err = crawl.FetchPage(ctx, input, co)
		return body, contentType, input, err
	}
	body, err = os.ReadFile(input)
	if err != nil {
		return nil, "", "", err
	}
	if strings.HasSuffix(strings.ToLower(input), ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, "", "", fmt.Errorf("%s: not a gzip file: %w", input, err)
		}
		if body, err = io.ReadAll(io.LimitReader(zr, co.MaxBodyBytes+1)); err != nil {
			return nil, "", "", fmt.Errorf("%s: %w", input, err)
		}
		if int64(len(body)) > co.MaxBodyBytes {
			return nil, "", "", fmt.Errorf("%s: larger than crawl.max_body_bytes once decompressed", input)
		}
	}
	pageURL = origURL
	if pageURL == "" {
		abs, aerr := filepath.Abs(input)
		if aerr != nil {
			return nil, "", "", aerr
		}
		pageURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	} else if !isURL(pageURL) {
		return nil, "", "", errors.New("--url must be an absolute http(s) URL")
	}
	return body, "", pageURL, nil
}

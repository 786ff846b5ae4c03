package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/crawl"
	"github.com/hnredstar/crawler/simsite"
)

type demoFlags struct {
	articles int
	seed     int64
	show     int
}

func newDemoCommand(opts *options) *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Backfill a simulated copy of the site, offline, and show the result",
		Long: `demo starts a simulated copy of 红星网 on 127.0.0.1 (columns, paginated
lists, GBK pages, multi-page articles, duplicates and traps, all made up
from a seed), backfills it into a temporary archive (or --archive PATH),
and prints the archive's stats and its first records. Nothing leaves the
machine; config.yaml is not needed.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), opts, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&f.articles, "articles", 300, "number of articles on the simulated site")
	cmd.Flags().Int64Var(&f.seed, "seed", 1, "seed of the simulated site")
	cmd.Flags().IntVar(&f.show, "show", 3, "number of records to print")
	return cmd
}

func runDemo(ctx context.Context, opts *options, f demoFlags, out io.Writer) error {
	if f.articles < 1 {
		return &usageError{msg: "demo: --articles must be at least 1"}
	}
	log, err := opts.logger()
	if err != nil {
		return err
	}
	srv, err := simsite.Start(simsite.Options{Seed: f.seed, Articles: f.articles})
	if err != nil {
		return fmt.Errorf("start the simulated site: %w", err)
	}
	defer srv.Close()
	fmt.Fprintf(out, "simulated site with %d articles at %s\n", f.articles, srv.URL)

	path := opts.archivePath
	if path == "" {
		dir, err := os.MkdirTemp("", "crawler-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "archive.db")
	}
	a, err := openArchive(path, false, 0)
	if err != nil {
		return err
	}
	defer a.Close()

	cfg := defaultConfig()
	cfg.Site.StartURLs = []string{srv.URL + "/"}
	cfg.Site.AllowedDomains = []string{hostOf(srv.URL)}
	cfg.Crawl.Delay = 0
	cfg.Crawl.Parallelism = 4
	cfg.Crawl.AllowPrivateNetworks = true
	ext, err := newExtractor(cfg, "demo")
	if err != nil {
		return err
	}
	if err := crawlInto(ctx, a, crawlOptions(cfg, crawl.Backfill, ext, log), out); err != nil && err != errPagesFailed {
		return err
	}
	fmt.Fprintln(out)
	if err := printStats(a, out); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nfirst %d records (body shortened):\n", f.show)
	n := 0
	err = a.ForEach(ctx, archive.Filter{}, func(r archive.Record) error {
		if n >= f.show {
			return errEnough
		}
		n++
		r.Body = shorten(r.Body, 120)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
		_, err := out.Write(buf.Bytes())
		return err
	})
	if errors.Is(err, errEnough) {
		return nil
	}
	return err
}

// errEnough stops a ForEach early.
var errEnough = errors.New("enough records")

func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func shorten(s string, runes int) string {
	if utf8.RuneCountInString(s) <= runes {
		return s
	}
	r := []rune(s)
	return string(r[:runes]) + "…"
}

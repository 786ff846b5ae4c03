package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
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
	addr     string
	layout   string
}

// Where the demo keeps what it made, unless told otherwise: a fixed
// address gives the simulated site the same URLs each time, so a second
// demo into the same archive finds its articles unchanged rather than
// new copies under other URLs.
const (
	demoArchive = "data/demo.db"
	demoAddr    = "127.0.0.1:8379"
)

func newDemoCommand(opts *options) *cobra.Command {
	var f demoFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Backfill a simulated copy of the site, offline, and show the result",
		Long: `demo starts a simulated copy of 红星网 on 127.0.0.1 (columns, paginated
lists, GBK pages, multi-page articles, duplicates and traps, all made up
from a seed), backfills it into data/demo.db (or --archive PATH), and
prints the archive's stats, its first records and the commands to export
or browse them. Nothing leaves the machine; config.yaml is not needed.

The archive is kept. The site listens on ` + demoAddr + ` (--addr), so its URLs
are the same each time: a second demo into the same archive finds every
article unchanged, and a demo stopped with Ctrl-C resumes when run again.
If the port is taken, a free one is used and the records of that run are
new aliases of the earlier ones.

--layout rednet serves the site as the rednet CMS does at www.hxw.gov.cn
(/channel/ID.html lists, /content/… articles, /topic/N/index.html topics
with attachment tables); its URLs differ from the classic layout's, so give
it its own --archive.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), opts, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&f.articles, "articles", 300, "number of articles on the simulated site")
	cmd.Flags().Int64Var(&f.seed, "seed", 1, "seed of the simulated site")
	cmd.Flags().IntVar(&f.show, "show", 3, "number of records to print (0 for none)")
	cmd.Flags().StringVar(&f.addr, "addr", demoAddr, "`ADDR` the simulated site listens on")
	cmd.Flags().StringVar(&f.layout, "layout", simsite.LayoutClassic, "`LAYOUT` of the simulated site: classic or rednet")
	return cmd
}

func runDemo(ctx context.Context, opts *options, f demoFlags, out io.Writer) error {
	if f.articles < 1 {
		return &usageError{msg: "demo: --articles must be at least 1"}
	}
	if f.show < 0 {
		return &usageError{msg: "demo: --show must not be negative"}
	}
	if f.layout != simsite.LayoutClassic && f.layout != simsite.LayoutRednet {
		return &usageError{msg: fmt.Sprintf("demo: --layout %q: expected classic or rednet", f.layout)}
	}
	log, err := opts.logger()
	if err != nil {
		return err
	}
	siteOpts := simsite.Options{Seed: f.seed, Articles: f.articles, Layout: f.layout, Addr: f.addr}
	srv, err := simsite.Start(siteOpts)
	if err != nil && f.addr == demoAddr {
		log.Warn("the demo's usual port is taken; using a free one, so this run's records are new aliases of any earlier demo's", "addr", f.addr, "err", err)
		siteOpts.Addr = ""
		srv, err = simsite.Start(siteOpts)
	}
	if err != nil {
		return fmt.Errorf("start the simulated site: %w; choose another address with --addr", err)
	}
	defer srv.Close()
	fmt.Fprintf(out, "simulated site with %d articles at %s\n", f.articles, srv.URL)

	path := cmp.Or(opts.archivePath, demoArchive)
	a, err := createArchive(ArchiveConfig{Path: path})
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
	err = crawlInto(ctx, a, crawlOptions(cfg, crawl.Backfill, ext, log), out)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("demo stopped before the end; what it fetched is in %s; run the same demo command again to finish: %w", path, context.Canceled)
	}
	if err != nil && err != errPagesFailed && !errors.Is(err, errDrift) {
		return err
	}
	fmt.Fprintln(out)
	if err := printStats(ctx, a, out); err != nil {
		return err
	}
	defer fmt.Fprintf(out, "\nthe archive is kept in %[1]s; next:\n  crawler export --archive %[1]s -o articles.jsonl.gz\n  crawler serve --archive %[1]s\n", path)
	if f.show == 0 {
		return nil
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

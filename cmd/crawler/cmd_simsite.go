package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/simsite"
)

type simsiteFlags struct {
	addr         string
	articles     int
	seed         int64
	publishEvery time.Duration
	writeConfig  string
	layout       string
}

func newSimsiteCommand(opts *options) *cobra.Command {
	var f simsiteFlags
	cmd := &cobra.Command{
		Use:   "simsite [--addr 127.0.0.1:8081] [--articles N] [--seed S]",
		Short: "Serve the simulated site, to try backfill, crawl, schedule and serve on",
		Long: `simsite serves the simulated copy of 红星网 that the tests and "crawler demo"
use (columns, paginated lists, GBK pages, multi-page articles, duplicates,
traps and anti-bot pages, all made up from --seed) at --addr, until Ctrl-C
or SIGTERM. It prints a configuration that points the crawler at it; save
it (or let --write-config FILE do so) and run crawler backfill, crawl,
schedule or serve with --config FILE in another terminal. Nothing leaves
the machine.

With --publish-every DURATION a new article appears on top of its column
that often, so that crawl and schedule find something new.

With --layout rednet the site is served as the rednet CMS serves 红星网 at
www.hxw.gov.cn: /channel/ID.html column lists (pages /channel/ID_2.html …),
articles at /content/YYYY/MM/DD/ID.html and /content/N/NN/ID.html, and
/topic/N/index.html topics (专题) with their own lists and attachment tables.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSimsite(cmd.Context(), opts, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:8081", "listen on `HOST:PORT` (port 0 picks a free one)")
	cmd.Flags().IntVar(&f.articles, "articles", 300, "number of articles on the simulated site")
	cmd.Flags().Int64Var(&f.seed, "seed", 1, "seed of the simulated site")
	cmd.Flags().DurationVar(&f.publishEvery, "publish-every", 0, "publish a new article every `DURATION` (e.g. 30s); 0 never")
	cmd.Flags().StringVar(&f.writeConfig, "write-config", "", "also write the configuration to `FILE`")
	cmd.Flags().StringVar(&f.layout, "layout", simsite.LayoutClassic, "`LAYOUT` of the simulated site: classic or rednet")
	return cmd
}

func runSimsite(ctx context.Context, opts *options, f simsiteFlags, out io.Writer) error {
	host, _, err := net.SplitHostPort(f.addr)
	switch {
	case err != nil:
		return &usageError{msg: fmt.Sprintf("simsite: --addr %q: expected HOST:PORT, e.g. 127.0.0.1:8081", f.addr)}
	case f.articles < 1:
		return &usageError{msg: "simsite: --articles must be at least 1"}
	case f.publishEvery < 0:
		return &usageError{msg: "simsite: --publish-every must not be negative"}
	case f.layout != simsite.LayoutClassic && f.layout != simsite.LayoutRednet:
		return &usageError{msg: fmt.Sprintf("simsite: --layout %q: expected classic or rednet", f.layout)}
	}
	log, err := opts.logger()
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		log.Warn("serving the simulated site beyond this machine", "addr", f.addr)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("simsite: %w; pick another address with --addr 127.0.0.1:PORT", err)
	}
	site := simsite.New(simsite.Options{Seed: f.seed, Articles: f.articles, Layout: f.layout})
	srv := &http.Server{Handler: site.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: newStdLogger(log)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	base := "http://" + ln.Addr().String()
	cfg := simsiteConfig(base)
	file := f.writeConfig
	if file != "" {
		if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
			srv.Close()
			return fmt.Errorf("simsite: --write-config: %w", err)
		}
	}
	fmt.Fprintf(out, "simulated site with %d articles (seed %d, %s layout) at %s/ (Ctrl-C stops it)\n\n", f.articles, f.seed, f.layout, base)
	if file != "" {
		fmt.Fprintf(out, "Its configuration, written to %s:\n\n%s\n", file, cfg)
	} else {
		file = "simsite.yaml"
		fmt.Fprintf(out, "Save this configuration as %s (or use --write-config FILE):\n\n%s\n", file, cfg)
	}
	fmt.Fprintf(out, "then, in another terminal:\n\n")
	for _, c := range []string{"backfill", "crawl", "schedule", "serve"} {
		fmt.Fprintf(out, "  crawler %s --config %s\n", c, file)
	}
	fmt.Fprintln(out)

	var tick <-chan time.Time
	if f.publishEvery > 0 {
		t := time.NewTicker(f.publishEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case err := <-done:
			return fmt.Errorf("simsite: %w", err)
		case <-tick:
			site.Publish(1)
			log.Info("published a new article", "articles", site.Len())
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				return fmt.Errorf("simsite: stop: %w", err)
			}
			if err := <-done; !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("simsite: %w", err)
			}
			log.Info("simulated site stopped", "requests", site.Requests(), "impolite_requests", len(site.Violations()))
			return nil
		}
	}
}

// simsiteConfig is a config.yaml for crawling the simulated site at base:
// its host allowed (a loopback address, so allow_private_networks), no
// delay, its own archive next to the file, and a schedule of a minute.
func simsiteConfig(base string) string {
	return fmt.Sprintf(`site:
  start_urls: ["%s/"]
  allowed_domains: [%q]
crawl:
  delay: 0s
  parallelism: 4
  allow_private_networks: true
archive:
  path: data/simsite.db
schedule:
  cron: "@every 1m"
`, base, hostOf(base))
}

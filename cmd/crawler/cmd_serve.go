package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/serve"
)

type serveFlags struct {
	addr string
}

func newServeCommand(opts *options) *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080]",
		Short: "Browse and search the archive in a local web page",
		Long: `serve loads the archive into memory and serves a read-only web page over it
at --addr: the articles newest first, filtered by column and date, full-text
search of titles and bodies (Chinese included), each article with its
versions and other URLs, and a chart of articles per month. A JSON API is at
/api/articles (see the README).

The archive is open only while it loads, so crawls can run while serve does.
What they add shows after a reload: the Reload button on the page, or
kill -HUP PID. A reload that finds a crawler writing to the archive keeps
the articles loaded before.

serve listens on 127.0.0.1 (this machine only) unless --addr says otherwise,
and then answers only to localhost and loopback addresses.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), opts, f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen on `HOST:PORT` (port 0 picks a free one)")
	return cmd
}

func runServe(ctx context.Context, opts *options, f serveFlags, out io.Writer) error {
	host, _, err := net.SplitHostPort(f.addr)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("--addr %q: expected HOST:PORT, e.g. 127.0.0.1:8080", f.addr)}
	}
	cfg, err := opts.load()
	if err != nil {
		return err
	}
	log, err := opts.logger()
	if err != nil {
		return err
	}
	ip := net.ParseIP(host)
	loopback := host == "localhost" || ip != nil && ip.IsLoopback()
	if !loopback {
		log.Warn("serving beyond this machine: anyone who can reach the address can read the archive", "addr", f.addr)
	}
	path := cfg.Archive.Path
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("archive %s does not exist yet; run crawler backfill (or crawl, or demo --archive %s) first, or pass --archive PATH", path, path)
	}
	log.Info("loading the archive", "path", path)
	srv, err := serve.New(ctx, serve.Options{
		Path: path, LockTimeout: cfg.Archive.LockTimeout.Std(), Logger: log, LocalOnly: loopback,
	})
	if err != nil {
		return err
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := srv.Reload(ctx); err != nil {
					log.Error("reload failed; still serving what was loaded before", "err", err)
				}
			}
		}
	}()

	return serve.ListenAndServe(ctx, f.addr, srv.Handler(), func(a net.Addr) {
		fmt.Fprintf(out, "serving %d articles of %s at http://%s/ (Ctrl-C to stop)\n", srv.Articles(), path, a)
	})
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
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

serve listens first, then loads: an address it cannot listen on (a port in
use, say) stops it at once with exit status 1, and while the archive loads
(a minute for a large one) the page answers 503 with a note that it is
loading, and refreshes itself.

The archive is open only while it loads, so crawls can run while serve does.
What they add shows after a reload: the Reload button on the page, or
kill -HUP PID. A reload that finds a crawler writing to the archive keeps
the articles loaded before.

serve listens on 127.0.0.1 (this machine only) unless --addr says otherwise,
and then answers only to localhost and loopback addresses. --addr
0.0.0.0:8080 listens on all interfaces, for other machines to read.

The page is in Chinese; a browser that prefers English gets it in English,
and ?lang=en (or ?lang=zh) chooses, kept by the links of the page.
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
	path := cfg.Archive.Path
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("archive %s does not exist yet; run crawler backfill (or crawl, or demo --archive %s) first, or pass --archive PATH", path, path)
	}
	// Listen before loading, which can take a minute: a busy port is
	// reported at once, and the page answers "loading" meanwhile.
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return listenError(f.addr, err)
	}
	if !loopback {
		log.Warn("serving beyond this machine: anyone who can reach the address can read the archive", "addr", f.addr)
	}
	srv, err := serve.New(serve.Options{
		Path: path, LockTimeout: cfg.Archive.LockTimeout.Std(), Logger: log, LocalOnly: loopback,
	})
	if err != nil {
		ln.Close()
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- serve.Serve(sctx, ln, srv.Handler(), newStdLogger(log)) }()
	where := announce(ln.Addr())
	fmt.Fprintf(out, "listening %s; loading %s ...\n", where, path)

	log.Info("loading the archive", "path", path)
	if err := srv.Reload(ctx); err != nil {
		stop()
		<-done
		if ctx.Err() != nil {
			return nil // interrupted while loading
		}
		return err
	}
	fmt.Fprintf(out, "serving %d articles of %s %s (Ctrl-C to stop)\n", srv.Articles(), path, where)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-sctx.Done():
				return
			case <-hup:
				if err := srv.Reload(sctx); err != nil {
					log.Error("reload failed; still serving what was loaded before", "err", err)
				}
			}
		}
	}()
	return <-done
}

// listenError explains why serve cannot listen on addr, and what to do.
func listenError(addr string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("cannot listen on %s: the port is already in use (another crawler serve, or another program); stop that program, or pass --addr with another port (--addr 127.0.0.1:0 picks a free one)", addr)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("cannot listen on %s: not allowed (ports below 1024 need privileges); pass --addr with a port from 1024, e.g. 127.0.0.1:8080", addr)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return fmt.Errorf("cannot listen on %s: this machine has no such address; pass --addr with one of its addresses, 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces)", addr)
	}
	return fmt.Errorf("cannot listen on %s: %w; check --addr", addr, err)
}

// announce says where a listener at a can be reached, as a URL to open:
// for an unspecified address (0.0.0.0, ::) it says so and names
// 127.0.0.1 and, if known, the host name, since http://[::]:8080/ is not
// an address to browse to.
func announce(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "at " + a.String()
	}
	port := strconv.Itoa(tcp.Port)
	if !tcp.IP.IsUnspecified() {
		return "at http://" + net.JoinHostPort(tcp.IP.String(), port) + "/"
	}
	s := "on all interfaces, port " + port + ": open http://" + net.JoinHostPort("127.0.0.1", port) + "/ on this machine"
	if name, err := os.Hostname(); err == nil && name != "" && name != "localhost" {
		s += " or http://" + net.JoinHostPort(name, port) + "/ from others"
	}
	return s
}

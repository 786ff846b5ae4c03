package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hnredstar/crawler/simsite"
)

// serveMain is the child process that serves the simulated site. It prints
// "URL COLUMNS" on its first line, then answers commands on stdin, one a
// line: "publish K" (prints how many pages the new articles have, every
// page of every copy, and how many distinct attachment files they link),
// "requests" (prints the count served so far). It stops at the end of
// stdin. The commands go over the pipe, so they never count as requests.
func serveMain(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	n := fs.Int("n", 10000, "articles")
	seed := fs.Int64("seed", 1, "site seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := simsite.Start(simsite.Options{Seed: *seed, Articles: *n})
	if err != nil {
		return err
	}
	defer srv.Close()
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "%s %d\n", srv.URL, len(srv.Site.ColumnNames()))
	out.Flush()
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "publish":
			k, err := strconv.Atoi(f[1])
			if err != nil {
				return fmt.Errorf("publish: %w", err)
			}
			before := srv.Site.Len()
			srv.Publish(k)
			pages, files := 0, map[string]bool{}
			for id := before + 1; id <= srv.Site.Len(); id++ {
				a, _ := srv.Article(id)
				for _, p := range a.PageURLs {
					pages += len(p)
				}
				for _, f := range a.Attachments {
					files[f] = true
				}
			}
			fmt.Fprintln(out, pages, len(files))
		case len(f) == 1 && f[0] == "requests":
			fmt.Fprintln(out, srv.Requests())
		default:
			return fmt.Errorf("unknown command %q", sc.Text())
		}
		out.Flush()
	}
	return sc.Err()
}

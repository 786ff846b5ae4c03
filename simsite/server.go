package simsite

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server is a simulated site listening on 127.0.0.1, shaped like
// httptest.Server.
type Server struct {
	URL      string // base URL, http://127.0.0.1:PORT, without a trailing slash
	Site     *Site
	Listener net.Listener

	srv *http.Server
}

// Start builds a site with opts and serves it at opts.Addr (127.0.0.1 at a
// free port by default).
func Start(opts Options) (*Server, error) {
	if err := opts.Faults.validate(); err != nil {
		return nil, err
	}
	if err := validLayout(opts.Layout); err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	site := New(opts)
	site.ownHost = l.Addr().String()
	srv := &http.Server{Handler: site.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s := &Server{URL: "http://" + l.Addr().String(), Site: site, Listener: l, srv: srv}
	go func() { _ = srv.Serve(l) }()
	return s, nil
}

// NewServer is Start that panics on failure, like httptest.NewServer.
func NewServer(opts Options) *Server {
	s, err := Start(opts)
	if err != nil {
		panic("simsite: " + err.Error())
	}
	return s
}

// Close stops the server, waiting briefly for requests in flight. Stalled
// responses (FaultStall) end at once, closing their connections.
func (s *Server) Close() {
	s.Site.stopFaults()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		_ = s.srv.Close()
	}
}

// Truth returns the ground truth of every article, with absolute URLs on
// this server, in ID order.
func (s *Server) Truth() []Article { return s.Site.Truth(s.URL) }

// Article returns the ground truth of article id and reports whether it
// exists.
func (s *Server) Article(id int) (Article, bool) { return s.Site.Article(s.URL, id) }

// Publish publishes k new articles; see Site.Publish.
func (s *Server) Publish(k int) { s.Site.Publish(k) }

// Revise corrects k recent articles and returns their IDs; see Site.Revise.
func (s *Server) Revise(k int) []int { return s.Site.Revise(k) }

// Requests returns the number of requests served.
func (s *Server) Requests() int { return s.Site.Requests() }

// Violations returns the requests a polite, in-scope crawler must never
// make; see Site.Violations.
func (s *Server) Violations() []string { return s.Site.Violations() }

// Faults returns how many faults of each kind were injected; see
// Site.Faults.
func (s *Server) Faults() map[FaultKind]int { return s.Site.Faults() }

// ChallengeURLs returns the absolute URLs of the anti-bot challenge pages.
func (s *Server) ChallengeURLs() []string {
	paths := s.Site.ChallengePaths()
	for i, p := range paths {
		paths[i] = s.URL + p
	}
	return paths
}

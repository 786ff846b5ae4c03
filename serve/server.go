package serve

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure a Server.
type Options struct {
	// Path is the archive file.
	Path string
	// LockTimeout is how long a load waits for a crawler's lock on the
	// archive before failing with archive.ErrLocked; 0 means 1s.
	LockTimeout time.Duration
	// Logger receives a line per load and per failed request; nil is quiet.
	Logger *slog.Logger
	// PageSize is the number of articles per page of the list; default 20.
	PageSize int
	// LocalOnly refuses requests whose Host header is not a loopback name
	// or address, which defeats DNS rebinding when the server listens on
	// 127.0.0.1.
	LocalOnly bool
}

// ErrReloading is returned by Reload when a reload is already running.
var ErrReloading = errors.New("a reload is already running")

// Server serves a snapshot of an archive over HTTP. It is safe for
// concurrent use; Reload swaps the snapshot while requests go on.
type Server struct {
	opts      Options
	log       *slog.Logger
	snap      atomic.Pointer[snapshot]
	reloading sync.Mutex
	tmpl      *template.Template
	lastErr   atomic.Pointer[string] // message of the last failed reload
}

// New returns a server over the archive at opts.Path without reading it
// yet: until the first Reload has read it, every page answers 503 with a
// page saying the archive is loading (and the API with a JSON error), so
// a caller can listen first and load after. The archive is open only
// while it loads.
func New(opts Options) (*Server, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = 20
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tmpl, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	return &Server{opts: opts, log: log, tmpl: tmpl}, nil
}

// Reload reads the archive (again) and serves the new snapshot once it is
// built; the old one, if any, serves until then. It fails (keeping the old
// snapshot) when a crawler holds the archive's lock.
func (s *Server) Reload(ctx context.Context) error {
	if !s.reloading.TryLock() {
		return ErrReloading
	}
	defer s.reloading.Unlock()
	start := time.Now()
	snap, err := load(ctx, s.opts.Path, s.opts.LockTimeout)
	if err != nil {
		msg := err.Error()
		s.lastErr.Store(&msg)
		return err
	}
	s.lastErr.Store(nil)
	s.snap.Store(snap)
	s.log.Info("archive loaded", "path", s.opts.Path, "articles", len(snap.docs),
		"index_mib", snap.ix.size()>>20, "bodies_mib", snap.storeBytes>>20,
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Articles returns the number of articles the server holds: 0 before the
// first load.
func (s *Server) Articles() int {
	if snap := s.snap.Load(); snap != nil {
		return len(snap.docs)
	}
	return 0
}

// Handler returns the HTTP handler of the web interface and the API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.handleList)
	mux.HandleFunc("GET /article/{id}", s.handleArticle)
	mux.HandleFunc("GET /article/{id}/stored", s.handleStored)
	mux.HandleFunc("GET /api/articles", s.handleAPIList)
	mux.HandleFunc("GET /api/articles/{id}", s.handleAPIArticle)
	mux.HandleFunc("GET /api/months", s.handleAPIMonths)
	mux.HandleFunc("POST /reload", s.handleReload)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		l, _ := pageLang(r)
		if strings.HasPrefix(r.URL.Path, "/api/") {
			l = enLabels
		}
		s.notFound(w, r, l.ErrNoPage)
	})
	var h http.Handler = s.whileLoading(mux)
	h = http.NewCrossOriginProtection().Handler(h)
	h = securityHeaders(h)
	if s.opts.LocalOnly {
		h = localOnly(h)
	}
	return h
}

// csp allows our own style sheet and images from anywhere (articles show
// their images from the original site), and nothing else: no scripts.
const csp = "default-src 'none'; style-src 'self'; img-src 'self' http: https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// localOnly refuses requests addressed to a name other than localhost or a
// loopback address.
func localOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		host = strings.Trim(host, "[]")
		if ip := net.ParseIP(host); !(strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()) {
			http.Error(w, "this archive server answers only to localhost and loopback addresses", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// whileLoading answers every request but those for the style sheet with
// 503 until the first snapshot is loaded: a page that says so and
// refreshes itself, or a JSON error under /api/.
func (s *Server) whileLoading(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.snap.Load() != nil || strings.HasPrefix(r.URL.Path, "/static/") {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", "5")
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "the archive is still loading; try again in a few seconds"})
			return
		}
		s.render(w, http.StatusServiceUnavailable, "loading.html", s.info(nil, r))
	})
}

// Serve serves h on ln until ctx is done, then shuts down, letting
// requests in flight finish for up to five seconds. It closes ln.
// errorLog receives net/http's own errors (a failed TLS handshake, a
// panicking handler); nil means the standard logger.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, errorLog *log.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          errorLog,
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

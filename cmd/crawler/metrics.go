package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/crawl"
)

// metrics are what "crawler schedule" exports to Prometheus, in a registry
// of their own.
type metrics struct {
	reg         *prometheus.Registry
	pages       prometheus.Counter
	articles    *prometheus.CounterVec // by outcome
	errs        *prometheus.CounterVec // by kind
	runs        *prometheus.CounterVec // by status
	duration    prometheus.Histogram
	lastSuccess prometheus.Gauge
	lastRun     prometheus.Gauge
	nextRun     prometheus.Gauge
	running     prometheus.Gauge
	coverage    *prometheus.GaugeVec // by field
	suspect     *prometheus.GaugeVec // by field
	drift       *prometheus.GaugeVec // by field

	mu        sync.Mutex
	pagesSeen int // pages of the current run already counted
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		pages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "crawler_pages_fetched_total",
			Help: "Pages fetched (responses received) by scheduled runs.",
		}),
		articles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crawler_articles_archived_total",
			Help: "Articles handed to the archive by scheduled runs, by outcome: added, versioned, aliased, unchanged.",
		}, []string{"outcome"}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crawler_errors_total",
			Help: "Errors of scheduled runs, by kind: page (a page failed; retried next run), run (a run stopped with an error), busy (the archive was locked by another crawler process, so the run was skipped).",
		}, []string{"kind"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "crawler_runs_total",
			Help: "Scheduled runs, by status: ok, partial (some pages failed), drift (a field vanished from many new articles), error, interrupted, busy.",
		}, []string{"status"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "crawler_run_duration_seconds",
			Help:    "Duration of scheduled runs.",
			Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800},
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "crawler_last_success_timestamp_seconds",
			Help: "Unix time at which the last run that reached the end (status ok or partial; not drift) ended; 0 if none yet. Alert when it grows old.",
		}),
		lastRun: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "crawler_last_run_timestamp_seconds",
			Help: "Unix time at which the last scheduled run ended, whatever its status.",
		}),
		nextRun: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "crawler_next_run_timestamp_seconds",
			Help: "Unix time of the next scheduled run, jitter included.",
		}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "crawler_running",
			Help: "1 while a scheduled run is in progress, else 0.",
		}),
		coverage: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "crawler_field_coverage",
			Help: "Share (0 to 1) of the articles written by the last run that wrote any that have the field: title, source, published (to the minute), body (50 characters or more), column.",
		}, []string{"field"}),
		suspect: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "crawler_field_suspect",
			Help: "Share (0 to 1) of the articles written by the last run that wrote any whose field looks wrong: a source that is a sentence, a time in the future, a title that is the site's name.",
		}, []string{"field"}),
		drift: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "crawler_field_drift",
			Help: "1 if the field drifted in the last run (far fewer of its articles have it than in the history; the run's status is drift), else 0.",
		}, []string{"field"}),
	}
	m.reg.MustRegister(m.pages, m.articles, m.errs, m.runs, m.duration, m.lastSuccess, m.lastRun, m.nextRun, m.running,
		m.coverage, m.suspect, m.drift,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Export every label value from the start, so that rate() and alerts
	// see zeros rather than missing series.
	for _, o := range []string{"added", "versioned", "aliased", "unchanged"} {
		m.articles.WithLabelValues(o)
	}
	for _, k := range []string{"page", "run", "busy"} {
		m.errs.WithLabelValues(k)
	}
	for _, s := range []string{"ok", "partial", "drift", "error", "interrupted", "busy", "blocked"} {
		m.runs.WithLabelValues(s)
	}
	for _, f := range archive.CoverageFields {
		m.drift.WithLabelValues(f)
	}
	return m
}

// metricsAddr returns the address to listen on for schedule.metrics_addr:
// "" (off) stays "", a bare port or ":port" listens on 127.0.0.1.
func metricsAddr(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !strings.Contains(s, ":") {
		s = ":" + s
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port; write it like 127.0.0.1:9464 or :9464", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("%q: port %q is not a number from 0 to 65535", s, port)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// serve starts the metrics endpoint on addr (see metricsAddr) and returns
// the address it listens on; it stops when ctx is done.
func (m *metrics) serve(ctx context.Context, addr string, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("schedule.metrics_addr: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelError)}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "crawler schedule: metrics at /metrics")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: newStdLogger(log)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	return ln.Addr().String(), nil
}

// start marks a run as begun.
func (m *metrics) start() {
	m.mu.Lock()
	m.pagesSeen = 0
	m.mu.Unlock()
	m.running.Set(1)
}

// progress is a crawl.Options.Progress callback that counts pages as they
// are fetched.
func (m *metrics) progress(r crawl.Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.Pages > m.pagesSeen {
		m.pages.Add(float64(r.Pages - m.pagesSeen))
		m.pagesSeen = r.Pages
	}
}

// finish records a run that was recorded in the archive as run.
func (m *metrics) finish(run archive.Run) {
	m.progress(crawl.Result{Pages: run.Pages})
	m.running.Set(0)
	m.articles.WithLabelValues("added").Add(float64(run.Added))
	m.articles.WithLabelValues("versioned").Add(float64(run.Versioned))
	m.articles.WithLabelValues("aliased").Add(float64(run.Aliased))
	m.articles.WithLabelValues("unchanged").Add(float64(run.Unchanged))
	m.errs.WithLabelValues("page").Add(float64(run.Failed))
	m.runs.WithLabelValues(run.Status).Inc()
	if run.Status == "error" {
		m.errs.WithLabelValues("run").Inc()
	}
	m.duration.Observe(run.End.Sub(run.Start).Seconds())
	m.lastRun.Set(float64(run.End.UnixNano()) / 1e9)
	if runSucceeded(run) {
		m.lastSuccess.Set(float64(run.End.UnixNano()) / 1e9)
	}
	m.setCoverage(run)
}

// setCoverage sets the coverage gauges from run: those of the shares only
// when it wrote articles (a run that found nothing new leaves the last
// shares), the drift flags always.
func (m *metrics) setCoverage(run archive.Run) {
	drifted := map[string]bool{}
	for _, d := range run.Drift {
		drifted[d.Field] = true
	}
	for _, f := range archive.CoverageFields {
		v := 0.0
		if drifted[f] {
			v = 1
		}
		m.drift.WithLabelValues(f).Set(v)
	}
	c := run.Coverage
	if c == nil || c.Articles == 0 {
		return
	}
	for _, f := range archive.CoverageFields {
		m.coverage.WithLabelValues(f).Set(c.Share(f))
		m.suspect.WithLabelValues(f).Set(float64(c.Suspect[f]) / float64(c.Articles))
	}
}

// failed records a run that could not start or was not recorded: status
// "busy" for a locked archive, else "error".
func (m *metrics) failed(status string, at time.Time) {
	m.running.Set(0)
	m.runs.WithLabelValues(status).Inc()
	kind := "run"
	if status == "busy" {
		kind = "busy"
	}
	m.errs.WithLabelValues(kind).Inc()
	m.lastRun.Set(float64(at.UnixNano()) / 1e9)
}

// runSucceeded reports whether a run reached its end: ok, or partial
// (some pages failed and are retried by the next run). A drift run reached
// its end too, but needs someone to look: it is not a success, so that
// alerts on the last success fire.
func runSucceeded(r archive.Run) bool { return r.Status == "ok" || r.Status == "partial" }

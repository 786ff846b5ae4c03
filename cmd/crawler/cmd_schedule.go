package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/crawl"
)

func newScheduleCommand(opts *options) *cobra.Command {
	return &cobra.Command{
		Use:   "schedule",
		Short: "Stay running and crawl on the schedule in config.yaml (schedule.cron)",
		Long: `schedule stays in the foreground and runs "crawler crawl" whenever the cron
expression schedule.cron in config.yaml says (default "17 */6 * * *": at
17 minutes past every sixth hour, local time), each run delayed by a random
time up to schedule.jitter. Runs never overlap: a run that lasts past the
next scheduled time skips it (logged), and another crawler process holding
the archive makes a run wait archive.lock_timeout, then skip (logged as
busy). Between runs the archive is closed, so export, backup and verify can
open it.

Cron expressions have five fields (minute hour day-of-month month
day-of-week), or six with seconds first; @hourly, @daily and "@every 6h"
work too. Times are the machine's local time unless the expression starts
with CRON_TZ=Asia/Shanghai (or another zone name).

Each run is logged (start, summary, next run) and recorded in the archive
(see crawler runs). With schedule.metrics_addr set (e.g. ":9464", which
listens on 127.0.0.1), Prometheus metrics are served at /metrics: pages
fetched, articles archived, errors, run durations, the time of the last
successful run.

SIGTERM or Ctrl-C stops it cleanly: a run in progress stops after the pages
in flight, archives what was fetched, is recorded as interrupted, and the
command exits with status 0. Configuration is read at start; restart the
command to apply changes. For system cron or a systemd timer instead, see
deploy/ and the README.
`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSchedule(cmd.Context(), opts, cmd.OutOrStdout())
		},
	}
}

// cronParser reads schedule.cron: standard five fields, optional seconds
// first, and descriptors (@daily, @every 6h).
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// parseCron parses a schedule.cron expression; "" is accepted as unset.
func parseCron(spec string) (cron.Schedule, error) {
	if spec == "" {
		return nil, nil
	}
	s, err := cronParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is not a cron expression (%v); write it like \"17 */6 * * *\" or \"@every 6h\"", spec, err)
	}
	return s, nil
}

func runSchedule(ctx context.Context, opts *options, out io.Writer) error {
	cfg, err := opts.load()
	if err != nil {
		return err
	}
	log, err := opts.logger()
	if err != nil {
		return err
	}
	sched, err := parseCron(cfg.Schedule.Cron)
	if err != nil || sched == nil {
		msg := "not set; crawler schedule needs it, e.g. cron: \"17 */6 * * *\""
		if err != nil {
			msg = err.Error()
		}
		return &ConfigError{File: opts.configPath, Key: "schedule.cron", Msg: msg}
	}
	ext, err := newExtractor(cfg, opts.configPath)
	if err != nil {
		return err
	}
	addr, err := metricsAddr(cfg.Schedule.MetricsAddr)
	if err != nil {
		return &ConfigError{File: opts.configPath, Key: "schedule.metrics_addr", Msg: err.Error()}
	}
	m := newMetrics()
	if addr != "" {
		bound, err := m.serve(ctx, addr, log)
		if err != nil {
			return err
		}
		log.Info("metrics", "url", "http://"+bound+"/metrics")
	}
	if last, ok := lastSuccess(cfg, log); ok {
		m.lastSuccess.Set(float64(last.UnixNano()) / 1e9)
	}

	s := &scheduler{
		sched:  sched,
		jitter: cfg.Schedule.Jitter.Std(),
		log:    log,
		now:    time.Now,
		run: func(ctx context.Context) {
			scheduledRun(ctx, cfg, crawlOptions(cfg, crawl.Incremental, ext, log), m, out)
		},
		next: func(t time.Time) { m.nextRun.Set(float64(t.UnixNano()) / 1e9) },
	}
	log.Info("schedule started", "cron", cfg.Schedule.Cron, "jitter", s.jitter, "archive", cfg.Archive.Path)
	s.loop(ctx)
	log.Info("schedule stopped")
	return nil
}

// scheduler runs a job at the times of a cron schedule, one run at a time:
// the loop waits for the next time, runs the job to its end, and only then
// looks for the next time after now. Times that pass during a run are
// skipped, never queued.
type scheduler struct {
	sched  cron.Schedule
	jitter time.Duration
	log    *slog.Logger
	now    func() time.Time
	run    func(ctx context.Context)
	next   func(time.Time) // told each next run time, jitter included; may be nil
}

// loop runs until ctx is done.
func (s *scheduler) loop(ctx context.Context) {
	for {
		planned := s.sched.Next(s.now())
		if planned.IsZero() {
			s.log.Warn("the cron expression has no future times; nothing more to run")
			<-ctx.Done()
			return
		}
		at := planned
		if s.jitter > 0 {
			at = at.Add(rand.N(s.jitter))
		}
		if s.next != nil {
			s.next(at)
		}
		s.log.Info("next run", "at", at.Format(time.RFC3339))
		t := time.NewTimer(at.Sub(s.now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		s.run(ctx)
		if ctx.Err() != nil {
			return
		}
		if n := s.missed(planned); n > 0 {
			s.log.Warn("the run lasted past the next scheduled time; skipped", "runs_skipped", n)
		}
	}
}

// missed counts the schedule's times after planned that have passed.
func (s *scheduler) missed(planned time.Time) int {
	now := s.now()
	n := 0
	for t := s.sched.Next(planned); !t.IsZero() && !t.After(now) && n < 10000; t = s.sched.Next(t) {
		n++
	}
	return n
}

// scheduledRun opens the archive, crawls, closes it and updates the
// metrics. Errors are logged: the schedule goes on.
func scheduledRun(ctx context.Context, cfg Config, co crawl.Options, m *metrics, out io.Writer) {
	log := co.Logger
	start := time.Now()
	a, err := createArchive(cfg.Archive)
	if err != nil {
		if errors.Is(err, archive.ErrLocked) {
			log.Warn("run skipped: another crawler process holds the archive", "archive", cfg.Archive.Path, "waited", cfg.Archive.LockTimeout.Std())
			m.failed("busy", time.Now())
		} else {
			log.Error("run skipped: cannot open the archive", "err", err)
			m.failed("error", time.Now())
		}
		return
	}
	defer a.Close()
	m.start()
	throttled := throttledProgress(log, 5*time.Second)
	co.Progress = func(r crawl.Result) {
		m.progress(r)
		throttled(r)
	}
	runErr := crawlInto(ctx, a, co, out)

	runs, err := a.Runs(1)
	if err != nil || len(runs) == 0 || runs[0].Start.Before(start) {
		// The run could not be recorded (logged by crawlInto).
		m.failed("error", time.Now())
	} else {
		run := runs[0]
		m.finish(run)
		log.Info("run finished", "status", run.Status, "took", run.End.Sub(run.Start).Round(time.Millisecond),
			"pages", run.Pages, "new", run.Added, "versions", run.Versioned, "failed", run.Failed)
	}
	switch {
	case runErr == nil, errors.Is(runErr, errPagesFailed):
	case errors.Is(runErr, errDrift):
		log.Error("run finished with extraction drift; see the warnings above", "err", runErr)
	case ctx.Err() != nil:
		log.Info("run interrupted; what was fetched is archived", "err", runErr)
	default:
		log.Error("run failed", "err", runErr)
	}
}

// lastSuccess returns the end of the newest run in the archive's history
// that reached its end, so that a restarted schedule reports it.
func lastSuccess(cfg Config, log *slog.Logger) (time.Time, bool) {
	a, err := archive.Open(cfg.Archive.Path, archive.Options{ReadOnly: true, Timeout: cfg.Archive.LockTimeout.Std()})
	if err != nil {
		log.Debug("no run history read", "err", err)
		return time.Time{}, false
	}
	defer a.Close()
	runs, err := a.Runs(200)
	if err != nil {
		log.Debug("no run history read", "err", err)
		return time.Time{}, false
	}
	for _, r := range runs {
		if runSucceeded(r) {
			return r.End, true
		}
	}
	return time.Time{}, false
}

package crawl

import (
	"errors"
	"net/url"

	"github.com/hnredstar/crawler/archive"
)

// Failure is one page that could not be fetched or used. It stays in the
// frontier and is tried again by the next run.
type Failure struct {
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"`
	Err    string `json:"error"`
}

// Result counts what a run did.
type Result struct {
	Requests      int64 // HTTP requests made, robots.txt and redirects included
	Bytes         int64 // response bytes received
	Pages         int   // pages fetched
	Articles      int   // articles handed to the archive
	Added         int
	Versioned     int
	Aliased       int
	Unchanged     int
	NotModified   int      // conditional requests answered 304
	Retries       int      // transient failures retried, robots.txt included
	Skipped       int      // known URLs not fetched (incremental mode)
	Dead          int      // 404/410 links
	OutOfScope    int      // redirects outside the allowed domains, not followed
	RobotsBlocked int      // links robots.txt disallows, not fetched
	Resumed       int      // pending pages taken over from an interrupted run
	Files         int      // attachments (and images) fetched and stored
	FileBytes     int64    // their size
	FilesTooLarge int      // over Options.MaxAttachmentBytes, not stored
	FilesFailed   int      // files that could not be fetched or stored
	Challenges    []string // anti-bot challenge pages met; reported, never archived, left pending
	// Blocked are the hosts the run stopped fetching from after
	// Options.ChallengeLimit challenge pages in a row.
	Blocked  []BlockedHost
	Failures []Failure
	// Coverage counts the fields of the articles the run wrote (added or
	// versioned); see CoverageCounter.
	Coverage archive.Coverage
}

// fail records a page that could not be fetched or used, and logs it: the
// one log line of the failure, with the number of requests made when a
// fetch failed.
func (cr *crawler) fail(pageURL string, status int, err error) {
	attrs := []any{"url", redact(pageURL), "status", status, "err", err}
	if ae, ok := errors.AsType[*attemptsError](err); ok {
		attrs = append(attrs, "attempts", ae.attempts)
	}
	cr.log.Warn("page failed", attrs...)
	cr.count(func(r *Result) {
		r.Failures = append(r.Failures, Failure{URL: redact(pageURL), Status: status, Err: err.Error()})
	})
}

// redact hides credentials in a URL before it is logged or stored.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

func (cr *crawler) count(f func(*Result)) {
	cr.mu.Lock()
	f(&cr.res)
	cr.mu.Unlock()
}

func (cr *crawler) progress() {
	if cr.opts.Progress == nil {
		return
	}
	cr.mu.Lock()
	res := cr.res
	cr.mu.Unlock()
	res.Requests = cr.transport.requests.Load()
	res.Bytes = cr.transport.bytes.Load()
	cr.opts.Progress(res)
}

package crawl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/gocolly/colly/v2"
)

// FetchPage fetches one page with the crawler's transport, User-Agent,
// size limits and address guard, for one-off use such as "crawler extract
// URL". It does not consult robots.txt: the user asked for this page.
func FetchPage(ctx context.Context, rawURL string, opts Options) (body []byte, contentType string, err error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 10 << 20
	}
	opts.Parallelism = max(opts.Parallelism, 1)
	tr, err := newTransport(opts)
	if err != nil {
		return nil, "", err
	}
	client := &http.Client{Transport: tr}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", redact(rawURL), err)
	}
	req.Header.Set("User-Agent", opts.UserAgent)
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", redact(rawURL), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("fetch %s: HTTP %s", redact(rawURL), resp.Status)
	}
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", fmt.Errorf("fetch %s: %w", redact(rawURL), err)
	}
	return body, resp.Header.Get("Content-Type"), nil
}

// fetchEntry fetches an entry's page, conditionally when an earlier run
// saw validators for it.
func (cr *crawler) fetchEntry(e entry) (*colly.Response, error) {
	var hdr http.Header
	// Rechecking recent articles needs the lists' items, so lists are then
	// fetched whole.
	if cr.opts.Mode == Incremental && cr.opts.RecheckDays == 0 && (e.ETag != "" || e.LastModified != "") {
		hdr = http.Header{}
		if e.ETag != "" {
			hdr.Set("If-None-Match", e.ETag)
		}
		if e.LastModified != "" {
			hdr.Set("If-Modified-Since", e.LastModified)
		}
	}
	return cr.fetch(e.URL, hdr)
}

// fetchNamed fetches e like fetchEntry. A start page given under several
// of the site's names (Options.StartURLs) is tried under each in the
// configured order, whatever name an earlier run left it under, until one
// answers; e.URL becomes that name, and each name that failed is logged.
// If every name fails, the failures of all but the last are recorded, the
// last being the caller's to report as for any page.
func (cr *crawler) fetchNamed(e *entry) (*colly.Response, error) {
	var alts []string
	if key, err := cr.key(e.URL); err == nil && e.Via == viaStart {
		cr.mu.Lock()
		alts = cr.alts[key]
		cr.mu.Unlock()
	}
	if len(alts) > 1 {
		e.URL, alts = alts[0], alts[1:]
	} else {
		alts = nil
	}
	resp, err := cr.fetchEntry(*e)
	var failed []Failure
	for len(alts) > 0 && err != nil && cr.ctx.Err() == nil && (resp == nil || resp.StatusCode != http.StatusNotModified) {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		cr.log.Warn("start page failed under one of the site's names; trying the next", "url", redact(e.URL), "status", status, "err", err, "next", redact(alts[0]))
		failed = append(failed, Failure{URL: e.URL, Status: status, Err: err.Error()})
		e.URL, alts = alts[0], alts[1:]
		resp, err = cr.fetchEntry(*e)
	}
	if err != nil && cr.ctx.Err() == nil {
		for _, f := range failed {
			cr.fail(f.URL, f.Status, errors.New(f.Err))
		}
	}
	return resp, err
}

// fetch gets one page through the politeness limits, after robots.txt,
// retrying transient failures with exponential backoff and jitter. A
// response is returned with the error for statuses the caller may read
// (304, 404, challenge pages).
func (cr *crawler) fetch(rawURL string, hdr http.Header) (_ *colly.Response, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if ok, err := cr.robots.allowed(cr.ctx, u); err != nil {
		return nil, err
	} else if !ok {
		return nil, colly.ErrRobotsTxtBlocked
	}
	if key, kerr := cr.key(rawURL); kerr == nil {
		defer func() {
			cr.mu.Lock()
			if err != nil {
				// Nothing was fetched from the pages the redirects reached.
				for _, target := range cr.followed[key] {
					cr.seen.remove(target)
				}
			}
			delete(cr.followed, key)
			cr.mu.Unlock()
		}()
	}
	var wait time.Duration
	for attempt := 0; ; attempt++ {
		if err := sleepCtx(cr.ctx, wait); err != nil {
			return nil, err
		}
		sink := &fetchResult{}
		ctx := colly.NewContext()
		ctx.Put(ctxSink, sink)
		h := http.Header{}
		for k, v := range hdr {
			h[k] = v
		}
		h.Set("User-Agent", cr.opts.UserAgent)
		err := cr.coll.Request(http.MethodGet, rawURL, nil, ctx, h)
		if sink.err != nil {
			err = sink.err
		}
		resp := sink.resp
		if err == nil && resp != nil && int64(len(resp.Body)) > cr.opts.MaxBodyBytes {
			err = ErrTruncated
		}
		if err == nil && resp != nil {
			return resp, nil
		}
		if err == nil {
			err = errors.New("no response")
		}
		if !retryable(resp, err) || attempt >= cr.opts.MaxRetries || cr.ctx.Err() != nil || cr.isChallengeAnswer(resp) {
			return resp, &attemptsError{attempts: attempt + 1, err: err}
		}
		cr.retrying(rawURL, attempt+1, err)
		ra := time.Duration(0)
		if resp != nil && resp.Headers != nil {
			ra = parseRetryAfter(resp.Headers.Get("Retry-After"), cr.opts.Now())
		}
		wait = max(backoff(attempt+1), ra)
	}
}

// attemptsError is a fetch's final failure with the number of requests
// made for the page, retries included. It reads as the failure itself.
type attemptsError struct {
	attempts int
	err      error
}

func (e *attemptsError) Error() string { return e.err.Error() }
func (e *attemptsError) Unwrap() error { return e.err }

// isChallengeAnswer reports whether a failed response is an anti-bot
// challenge, which a retry would only meet again.
func (cr *crawler) isChallengeAnswer(r *colly.Response) bool {
	return r != nil && r.StatusCode >= 400 && cr.systemOf(r, cr.pageKind(r)) != ""
}

package crawl

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// newTransport builds the HTTP stack every request of a run goes through:
// the per-host politeness limiter, then the size-capped gzip decoder, then
// a plain transport whose dialer refuses non-public addresses and whose
// TLS completes incomplete chains (see tlsDialer). It fails only on an
// unusable crawl.ca_file.
func newTransport(opts Options) (*politeTransport, error) {
	d := &net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivateNetworks {
		blocked := opts.blockAddr
		if blocked == nil {
			blocked = isBlockedAddr
		}
		d.Control = dialGuard(blocked)
	}
	tlsd, err := newTLSDialer(opts, d.DialContext)
	if err != nil {
		return nil, err
	}
	base := &http.Transport{
		Proxy:       http.ProxyFromEnvironment,
		DialContext: d.DialContext,
		// Direct connections verify against the dialled host's name; the
		// config serves TLS through a proxy's CONNECT.
		DialTLSContext:        tlsd.DialTLSContext,
		TLSClientConfig:       tlsd.config(context.Background(), ""),
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   opts.Parallelism * 2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
		ForceAttemptHTTP2:     true,
		// Decompression is done by gzipTransport, which caps its output.
		DisableCompression: true,
	}
	return &politeTransport{
		base:        &gzipTransport{base: base, maxBytes: opts.MaxBodyBytes},
		timeout:     opts.Timeout,
		parallelism: opts.Parallelism,
		delay:       opts.Delay,
		hosts:       map[string]*hostState{},
	}, nil
}

// gzipTransport asks for gzip and decodes it itself, so that both the
// compressed and the decompressed size are capped: a decompression bomb
// ends as an error at maxBytes, never as a cut-short page.
type gzipTransport struct {
	base     http.RoundTripper
	maxBytes int64
}

func (t *gzipTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	maxBytes := t.maxBytes
	if n, ok := req.Context().Value(maxBytesKey{}).(int64); ok {
		maxBytes = n // a file's cap (attachments.go)
	}
	if req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") || req.Method == http.MethodHead {
		resp.Body = &cappedBody{ReadCloser: resp.Body, left: maxBytes}
		return resp, nil
	}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
	resp.Body = &gunzipBody{raw: resp.Body, compressed: &cappedBody{ReadCloser: resp.Body, left: maxBytes}, left: maxBytes}
	return resp, nil
}

// cappedBody fails with ErrTruncated once more than left bytes are read.
type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrTruncated
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, ErrTruncated
	}
	return n, err
}

// gunzipBody decodes a gzip stream lazily, capping the decoded size.
type gunzipBody struct {
	raw        io.Closer
	compressed io.Reader
	zr         *gzip.Reader
	left       int64
}

func (b *gunzipBody) Read(p []byte) (int, error) {
	if b.zr == nil {
		zr, err := gzip.NewReader(b.compressed)
		if err != nil {
			return 0, fmt.Errorf("gzip response: %w", err)
		}
		b.zr = zr
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.zr.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, ErrTruncated
	}
	return n, err
}

func (b *gunzipBody) Close() error { return b.raw.Close() }

// politeTransport spaces the requests to each host: at most parallelism
// at a time, starting at least the host's delay apart. The delay grows when
// the host answers 429, slows down, or answers 503, another 5xx or not at
// all twice in a row, and relaxes back to the configured one as it
// recovers; the Retry-After of such an answer pauses the whole host. A lone
// failure between successes (one page's transient 503) is no sign of a
// struggling host: only that page waits, when it is retried.
// Every request of a run passes here, robots.txt and redirects included,
// which also makes it the place to count requests and bytes.
//
// The request timeout starts once the request holds its slot, so time spent
// waiting out the politeness delay never counts against it; it covers the
// response and the reading of its body.
type politeTransport struct {
	base        http.RoundTripper
	timeout     time.Duration
	parallelism int
	delay       time.Duration

	// hostKey, when set, names the politeness state a request's host
	// shares: one for all the names of a site.
	hostKey func(scheme, host string) string

	mu    sync.Mutex
	hosts map[string]*hostState

	requests atomic.Int64
	bytes    atomic.Int64
}

type hostState struct {
	slots chan struct{}

	mu      sync.Mutex
	next    time.Time     // earliest start of the next request
	delay   time.Duration // current spacing
	pause   time.Time     // no request before this (Retry-After)
	failing int           // failed answers since the last success
}

// maxAdaptiveDelay caps how far a struggling host slows the crawl.
const maxAdaptiveDelay = 30 * time.Second

// setDelay raises the configured delay (a robots.txt Crawl-delay).
func (t *politeTransport) setDelay(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.delay = d
	for _, h := range t.hosts {
		h.mu.Lock()
		h.delay = max(h.delay, d)
		h.mu.Unlock()
	}
}

func (t *politeTransport) host(name string) *hostState {
	t.mu.Lock()
	defer t.mu.Unlock()
	h, ok := t.hosts[name]
	if !ok {
		h = &hostState{slots: make(chan struct{}, t.parallelism), delay: t.delay}
		t.hosts[name] = h
	}
	return h
}

func (t *politeTransport) baseDelay() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.delay
}

// turn waits for the turn of the host a request to scheme://host goes
// to (all the site's names share one), and takes one of its slots; the
// caller gives the slot back.
func (t *politeTransport) turn(ctx context.Context, scheme, host string) (*hostState, error) {
	name := strings.ToLower(host)
	if t.hostKey != nil {
		name = t.hostKey(scheme, name)
	}
	h := t.host(name)
	h.mu.Lock()
	start := latest(time.Now(), h.next, h.pause)
	h.next = start.Add(h.delay)
	h.mu.Unlock()
	if err := sleepCtx(ctx, time.Until(start)); err != nil {
		return nil, err
	}
	select {
	case h.slots <- struct{}{}:
		return h, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hold waits for the host's turn as a request would, takes one of its
// slots, and counts a request; release frees the slot. It lets a page
// loaded outside this transport (in a browser) keep to the same limits.
func (t *politeTransport) hold(ctx context.Context, scheme, host string) (release func(), err error) {
	h, err := t.turn(ctx, scheme, host)
	if err != nil {
		return nil, err
	}
	t.requests.Add(1)
	return func() {
		h.mu.Lock()
		h.next = latest(h.next, time.Now().Add(h.delay))
		h.mu.Unlock()
		<-h.slots
	}, nil
}

func (t *politeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	h, err := t.turn(ctx, req.URL.Scheme, req.URL.Host)
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, t.timeout)
	var once sync.Once
	release := func() {
		once.Do(func() {
			cancel()
			<-h.slots
		})
	}

	t.requests.Add(1)
	began := time.Now()
	resp, err := t.base.RoundTrip(req.WithContext(rctx))
	if err != nil && rctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		err = fmt.Errorf("no answer within crawl.timeout (%s): %w", t.timeout, err)
	}
	t.observe(h, resp, err, time.Since(began))
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &meteredBody{ReadCloser: resp.Body, release: release, bytes: &t.bytes}
	return resp, nil
}

// observe adapts the host's delay to how it answers.
func (t *politeTransport) observe(h *hostState, resp *http.Response, err error, took time.Duration) {
	base := t.baseDelay()
	h.mu.Lock()
	defer h.mu.Unlock()
	slower := func(factor float64, floor time.Duration) {
		h.delay = min(max(time.Duration(float64(h.delay)*factor), floor, base), maxAdaptiveDelay)
	}
	tooMany := err == nil && resp.StatusCode == http.StatusTooManyRequests
	failed := err != nil && !errors.Is(err, context.Canceled) || err == nil && resp.StatusCode >= 500
	switch {
	case failed || tooMany:
		h.failing++
	case err == nil:
		h.failing = 0
	}
	// A 429 speaks of this client's rate; any other failure counts only
	// when it is not alone.
	struggling := tooMany || failed && h.failing > 1
	switch {
	case err != nil && errors.Is(err, context.Canceled):
	case !struggling && failed:
		// A lone failure: the page's retry waits, the host goes on.
	case err != nil:
		slower(1.5, 250*time.Millisecond)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		slower(2, 500*time.Millisecond)
		if ra := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ra > 0 {
			h.pause = latest(h.pause, time.Now().Add(ra))
		}
	case resp.StatusCode >= 500:
		slower(1.5, 250*time.Millisecond)
	case took > 5*time.Second:
		// A server taking this long is busy: give it room.
		slower(1.25, took/4)
	default:
		relaxed := h.delay / 2
		if relaxed < base+10*time.Millisecond {
			relaxed = base
		}
		h.delay = relaxed
	}
}

// meteredBody counts the bytes read and frees the host slot on Close or
// at the end of the body.
type meteredBody struct {
	io.ReadCloser
	release func()
	bytes   *atomic.Int64
}

func (b *meteredBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.bytes.Add(int64(n))
	if err != nil {
		b.release()
	}
	return n, err
}

func (b *meteredBody) Close() error {
	b.release()
	return b.ReadCloser.Close()
}

// parseRetryAfter reads a Retry-After value (seconds or an HTTP date),
// capped at maxRetryAfter; 0 when absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// maxRetryAfter caps how long a Retry-After header can hold a host.
const maxRetryAfter = 2 * time.Minute

func latest(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

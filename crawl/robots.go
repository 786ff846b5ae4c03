package crawl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// maxRobotsBytes is how much of a robots.txt is read, as search engines do.
const maxRobotsBytes = 512 << 10

// robots fetches, caches and applies each host's robots.txt. A missing
// file (4xx) allows everything; a server error that persists through the
// retries disallows everything, as the robots.txt standard asks.
type robots struct {
	client  *http.Client
	agent   string
	retries int
	// retrying, when set, is told of each retry: the robots.txt URL, the
	// attempt about to be made (1 for the first retry) and the failure.
	retrying func(robotsURL string, attempt int, err error)

	mu    sync.Mutex
	hosts map[string]*robotsEntry
}

type robotsEntry struct {
	once  sync.Once
	group *robotstxt.Group
	err   error
}

func newRobots(client *http.Client, agent string, retries int, retrying func(robotsURL string, attempt int, err error)) *robots {
	return &robots{client: client, agent: agent, retries: retries, retrying: retrying, hosts: map[string]*robotsEntry{}}
}

// group returns the rules of u's host that apply to this crawler.
func (r *robots) group(ctx context.Context, u *url.URL) (*robotstxt.Group, error) {
	key := u.Scheme + "://" + u.Host
	r.mu.Lock()
	e, ok := r.hosts[key]
	if !ok {
		e = &robotsEntry{}
		r.hosts[key] = e
	}
	r.mu.Unlock()
	e.once.Do(func() {
		var data *robotstxt.RobotsData
		data, e.err = r.fetch(ctx, key+"/robots.txt")
		if e.err == nil {
			e.group = data.FindGroup(r.agent)
		}
	})
	return e.group, e.err
}

// allowed reports whether robots.txt lets the crawler fetch u.
func (r *robots) allowed(ctx context.Context, u *url.URL) (bool, error) {
	g, err := r.group(ctx, u)
	if err != nil {
		return false, err
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return g.Test(p), nil
}

// crawlDelay returns the Crawl-delay robots.txt asks of this crawler on
// u's host, or 0.
func (r *robots) crawlDelay(ctx context.Context, u *url.URL) (time.Duration, error) {
	g, err := r.group(ctx, u)
	if err != nil {
		return 0, err
	}
	return g.CrawlDelay, nil
}

func (r *robots) fetch(ctx context.Context, robotsURL string) (*robotstxt.RobotsData, error) {
	var lastErr error
	for attempt := 0; attempt <= r.retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(backoff(attempt)):
			}
		}
		status, body, err := r.get(ctx, robotsURL)
		if err == nil && status < 500 {
			data, perr := robotstxt.FromStatusAndBytes(status, body)
			if perr != nil {
				// An unparsable file is treated like a missing one.
				return robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
			}
			return data, nil
		}
		if err == nil {
			err = fmt.Errorf("HTTP %d", status)
			if attempt == r.retries {
				// robotstxt marks a 5xx as "disallow all", but FindGroup
				// ignores that mark and returns a group allowing
				// everything; rules that say so themselves do not.
				return robotstxt.FromString("User-agent: *\nDisallow: /\n")
			}
		}
		if !retryable(nil, err) || ctx.Err() != nil {
			return nil, fmt.Errorf("fetch %s: %w", robotsURL, err)
		}
		lastErr = err
		if attempt < r.retries && r.retrying != nil {
			r.retrying(robotsURL, attempt+1, err)
		}
	}
	return nil, fmt.Errorf("fetch %s: %w", robotsURL, lastErr)
}

func (r *robots) get(ctx context.Context, robotsURL string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, robotsURL, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", r.agent)
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRobotsBytes))
	return resp.StatusCode, body, err
}

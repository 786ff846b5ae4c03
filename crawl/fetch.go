package crawl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
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
	client := &http.Client{Transport: newTransport(opts)}
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

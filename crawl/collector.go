package crawl

import (
	"context"
	"net/http"
	"strings"

	"github.com/gocolly/colly/v2"
)

const ctxSink = "sink"

// newCollector sets up Colly as the run's fetcher: synchronous (the
// crawler runs its own bounded worker pool over a persisted frontier),
// every setting explicit so COLLY_* environment variables change nothing,
// and responses handed back through the request's context.
func newCollector(ctx context.Context, opts Options, rt http.RoundTripper, redirect func(*http.Request, []*http.Request) error) *colly.Collector {
	c := colly.NewCollector(colly.StdlibContext(ctx))
	c.UserAgent = opts.UserAgent
	c.MaxBodySize = int(opts.MaxBodyBytes) + 1 // one byte over the limit tells a hit
	c.IgnoreRobotsTxt = true                   // applied by the crawler, with Crawl-delay and on redirects
	c.AllowURLRevisit = true                   // the crawler keeps its own canonical seen-set
	c.DetectCharset = false                    // extract.Decode decides; raw bytes stay as served
	c.ParseHTTPErrorResponse = false
	c.Async = false
	c.CacheDir = ""
	c.MaxDepth = 0
	c.MaxRequests = 0
	c.AllowedDomains = append([]string(nil), opts.AllowedDomains...)
	c.URLFilters, c.DisallowedURLFilters, c.DisallowedDomains = nil, nil, nil
	c.WithTransport(rt)
	c.SetRequestTimeout(0) // the transport times each request once it holds its slot
	c.SetRedirectHandler(redirect)
	c.OnResponseHeaders(func(r *colly.Response) {
		// Colly would re-encode a body whose Content-Type names a charset;
		// hide the parameter so the archive keeps the bytes as served.
		if s, ok := r.Ctx.GetAny(ctxSink).(*fetchResult); ok {
			s.contentType = r.Headers.Get("Content-Type")
			if mt, _, found := strings.Cut(s.contentType, ";"); found {
				r.Headers.Set("Content-Type", strings.TrimSpace(mt))
			}
		}
	})
	restore := func(r *colly.Response) *fetchResult {
		s, _ := r.Ctx.GetAny(ctxSink).(*fetchResult)
		if s != nil && s.contentType != "" && r.Headers != nil {
			r.Headers.Set("Content-Type", s.contentType)
		}
		return s
	}
	c.OnResponse(func(r *colly.Response) {
		if s := restore(r); s != nil {
			s.resp = r
		}
	})
	c.OnError(func(r *colly.Response, err error) {
		if s := restore(r); s != nil {
			s.resp, s.err = r, err
		}
	})
	return c
}

type fetchResult struct {
	contentType string
	resp        *colly.Response
	err         error
}

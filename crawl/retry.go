package crawl

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gocolly/colly/v2"
)

// retryable reports whether a failure may pass: timeouts, resets,
// truncated bodies, 429 and 5xx.
func retryable(r *colly.Response, err error) bool {
	for _, final := range []error{ErrPrivateAddress, colly.ErrForbiddenDomain, colly.ErrRobotsTxtBlocked, errRedirectSeen, context.Canceled} {
		if errors.Is(err, final) {
			return false
		}
	}
	if errors.Is(err, ErrLegacyTLS) {
		return false
	}
	if _, bad := errors.AsType[*tls.CertificateVerificationError](err); bad {
		return false // a certificate does not mend itself between retries
	}
	if errors.Is(err, ErrTruncated) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	if r != nil && r.StatusCode != 0 {
		return r.StatusCode == http.StatusTooManyRequests || r.StatusCode >= 500
	}
	return err != nil
}

// backoff is exponential with jitter: about 0.5s, 1s, 2s … capped at 30s.
func backoff(attempt int) time.Duration {
	d := 250 * time.Millisecond << min(attempt, 7)
	d = min(d, 30*time.Second)
	return d/2 + rand.N(d/2+1)
}

// retrying counts a retry in Result.Retries and logs it: attempt is the
// attempt about to be made, 1 for the first retry. Every retry of a run
// passes here, robots.txt's included.
func (cr *crawler) retrying(rawURL string, attempt int, err error) {
	cr.count(func(r *Result) { r.Retries++ })
	cr.log.Debug("retrying", "url", redact(rawURL), "attempt", attempt, "err", err)
}

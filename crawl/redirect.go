package crawl

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gocolly/colly/v2"
)

// inScope refuses a redirect that leaves the allowed domains or http(s),
// or goes on for too long.
func (cr *crawler) inScope(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if !cr.scope.page(req.URL) {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), colly.ErrForbiddenDomain)
	}
	return nil
}

// checkRedirect applies scope and robots.txt to every redirect hop, and
// stops a redirect to a page this run already has. A redirect to the same
// page under another of the site's names, or the other scheme, is
// followed: it is the page being fetched.
func (cr *crawler) checkRedirect(req *http.Request, via []*http.Request) error {
	if err := cr.inScope(req, via); err != nil {
		return err
	}
	ok, err := cr.robots.allowed(req.Context(), req.URL)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), colly.ErrRobotsTxtBlocked)
	}
	key, err := cr.key(req.URL.String())
	if err != nil {
		return err
	}
	origin, _ := cr.key(via[0].URL.String())
	if key == origin {
		return nil
	}
	cr.mu.Lock()
	fresh := cr.seen.add(key)
	switch {
	case fresh:
		cr.followed[origin] = append(cr.followed[origin], key)
	case slices.Contains(cr.followed[origin], key):
		fresh = true // a retry following the redirect an earlier attempt did
	}
	cr.mu.Unlock()
	if !fresh || (cr.opts.Mode == Incremental && cr.isKnown(key)) {
		return errRedirectSeen
	}
	return nil
}

// errRedirectSeen stops a redirect to a page the run already has.
var errRedirectSeen = errors.New("redirect to a page already seen")

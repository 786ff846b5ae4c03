package canon

import (
	"errors"
	"fmt"
	"strings"
)

// Options describe a site served under several host names. The zero
// Options rewrite no host: the Canonicaliser then behaves like URL.
type Options struct {
	// Hosts are the names the site is served under, each a host with an
	// optional port ("www.hxw.gov.cn", "hnredstar.gov.cn", "127.0.0.1:8080");
	// a name without a port matches the scheme's default port only. A page
	// reached under any of them is the same page.
	Hosts []string
	// Canonical is the origin the site's URLs are rewritten to, scheme and
	// host ("https://www.hxw.gov.cn"); its host is one of the names even if
	// Hosts leaves it out. http and https URLs on the site's names both
	// take its scheme. Required when Hosts is set.
	Canonical string
}

// Canonicaliser canonicalises URLs like URL and, in addition, rewrites the
// URLs of a site served under several names (Options) to one name and
// scheme, so that a page has one identity whichever name it was reached
// under. It holds no mutable state and is safe for concurrent use; a nil
// *Canonicaliser behaves like URL.
type Canonicaliser struct {
	scheme, host string          // canonical origin
	names        []string        // every name, canonical host first
	site         map[string]bool // names, as canonical host[:port]
}

// New returns the Canonicaliser for opts. It returns an error naming the
// value for a malformed host or origin, or for Hosts without Canonical.
func New(opts Options) (*Canonicaliser, error) {
	if len(opts.Hosts) == 0 && opts.Canonical == "" {
		return nil, nil
	}
	if opts.Canonical == "" {
		return nil, errors.New("site names given without the canonical origin, e.g. https://www.hxw.gov.cn")
	}
	origin, err := URL(opts.Canonical)
	if err != nil {
		return nil, fmt.Errorf("canonical origin %q: %w", opts.Canonical, err)
	}
	scheme, rest, _ := strings.Cut(origin, "://")
	host, path, _ := strings.Cut(rest, "/")
	if path != "" {
		return nil, fmt.Errorf("canonical origin %q: has a path or query; give only scheme and host, e.g. https://www.hxw.gov.cn", opts.Canonical)
	}
	c := &Canonicaliser{scheme: scheme, host: host, names: []string{host}, site: map[string]bool{host: true}}
	for _, h := range opts.Hosts {
		if h == "" || strings.ContainsAny(h, "/?#@ ") {
			return nil, fmt.Errorf("site name %q: not a host name; write it like www.hxw.gov.cn or 127.0.0.1:8080", h)
		}
		// Read the name as the canonical scheme reads it: a name without a
		// port stands for the default port of either scheme.
		n, err := canonicalHost(scheme, h)
		if err != nil {
			return nil, fmt.Errorf("site name %q: %w", h, err)
		}
		if !c.site[n] {
			c.site[n] = true
			c.names = append(c.names, n)
		}
	}
	return c, nil
}

// URL returns the canonical form of raw (see the package function URL),
// with a URL on one of the site's names moved to the canonical scheme and
// host. It is idempotent.
func (c *Canonicaliser) URL(raw string) (string, error) {
	u, err := URL(raw)
	if err != nil || c == nil {
		return u, err
	}
	scheme, rest, _ := strings.Cut(u, "://")
	i := strings.IndexByte(rest, '/')
	host, tail := rest[:i], rest[i:]
	if !c.site[host] || (scheme == c.scheme && host == c.host) {
		return u, nil
	}
	return c.scheme + "://" + c.host + tail, nil
}

// SiteHost reports whether the URL raw is on one of the site's names.
func (c *Canonicaliser) SiteHost(raw string) bool {
	if c == nil {
		return false
	}
	u, err := URL(raw)
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(u, "://")
	host, _, _ := strings.Cut(rest, "/")
	return c.site[host]
}

// Forms returns every URL under which a page of the site may have been
// recorded: the canonical form of raw first, then the same path and query
// under each other name of the site, in the order of Options.Hosts, on the
// canonical scheme and then on the other. Records made before the site's
// names were configured are found under one of them. For a URL not on the
// site, or a nil Canonicaliser, it returns the canonical form alone.
func (c *Canonicaliser) Forms(raw string) ([]string, error) {
	u, err := c.URL(raw)
	if err != nil {
		return nil, err
	}
	if c == nil || !c.SiteHost(u) {
		return []string{u}, nil
	}
	_, rest, _ := strings.Cut(u, "://")
	tail := rest[strings.IndexByte(rest, '/'):]
	other := "http"
	if c.scheme == "http" {
		other = "https"
	}
	forms := make([]string, 0, 2*len(c.names))
	for _, scheme := range []string{c.scheme, other} {
		for _, n := range c.names {
			forms = append(forms, scheme+"://"+n+tail)
		}
	}
	return forms, nil
}

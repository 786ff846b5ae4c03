package crawl

import (
	"net/url"
	"strings"
)

// scope says which hosts a run crawls and which it only takes files from.
// The site's names (Options.Hosts and Options.Canonical) and
// Options.AllowedDomains are crawled: their pages are fetched and their
// links followed. Options.ResourceHosts serve images and attachments only:
// a link to a page on them is never followed, and a redirect to them
// leaves the crawl; an article's attachments on them are recorded, and
// whatever downloads them asks resource.
type scope struct {
	pages     map[string]bool // host names (no port), lowercased
	resources map[string]bool
}

func newScope(opts Options) scope {
	s := scope{pages: map[string]bool{}, resources: map[string]bool{}}
	for _, d := range opts.AllowedDomains {
		s.pages[hostname(d)] = true
	}
	for _, h := range opts.Hosts {
		s.pages[hostname(h)] = true
	}
	if opts.Canonical != "" {
		if u, err := url.Parse(opts.Canonical); err == nil {
			s.pages[strings.ToLower(u.Hostname())] = true
		}
	}
	for _, h := range opts.ResourceHosts {
		if n := hostname(h); !s.pages[n] {
			s.resources[n] = true
		}
	}
	return s
}

// hostname returns the lowercased host name of a host[:port].
func hostname(h string) string {
	if u, err := url.Parse("//" + h); err == nil && u.Hostname() != "" {
		return strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	}
	return strings.ToLower(h)
}

// hostnames returns the crawled host names, for Colly's AllowedDomains.
func (s scope) hostnames() []string {
	out := make([]string, 0, len(s.pages))
	for h := range s.pages {
		out = append(out, h)
	}
	return out
}

// page reports whether u is an http(s) URL on a crawled host.
func (s scope) page(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && s.pages[strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))]
}

// resource reports whether u may be fetched as an image or attachment of
// an article: an http(s) URL on a crawled host or a resource host.
func (s scope) resource(u *url.URL) bool {
	return s.page(u) || ((u.Scheme == "http" || u.Scheme == "https") && s.resources[strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))])
}

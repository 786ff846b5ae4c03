package canon

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// indexFiles are the directory index names dropped from the end of a path.
var indexFiles = []string{"index.html", "index.htm", "index.shtml", "default.html", "default.htm"}

// trackingParams are query keys (compared lowercased) that never select
// content: analytics and share tracking only. Keep this list conservative:
// removing a parameter that selects content merges distinct pages.
var trackingParams = map[string]bool{
	"spm":              true, // Alibaba / Youku analytics
	"spm_id_from":      true, // Bilibili analytics
	"fbclid":           true,
	"gclid":            true,
	"dclid":            true,
	"gbraid":           true,
	"wbraid":           true,
	"msclkid":          true,
	"yclid":            true,
	"_hsenc":           true, // HubSpot
	"_hsmi":            true,
	"mc_cid":           true, // Mailchimp
	"mc_eid":           true,
	"share_token":      true,
	"isappinstalled":   true, // WeChat share
	"scene":            true,
	"clicktime":        true,
	"enterid":          true,
	"sharer_sharetime": true,
	"sharer_shareid":   true,
	"jsessionid":       true, // session IDs, never content
	"phpsessid":        true,
}

// wechatFrom are the values of "from" that WeChat appends when an article is
// shared; any other value of "from" is kept.
var wechatFrom = map[string]bool{
	"singlemessage": true,
	"groupmessage":  true,
	"timeline":      true,
}

// URL returns the canonical form of raw, an absolute http or https URL.
// See the package documentation for the rules. It returns an error for
// relative URLs, other schemes, a missing or malformed host, or a bad port.
func URL(raw string) (string, error) {
	// Like browsers, ignore surrounding space and tabs or newlines anywhere
	// (hrefs wrapped across lines).
	s := strings.TrimSpace(raw)
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", fmt.Errorf("canonicalise %q: not an absolute URL", raw)
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("canonicalise %q: scheme %q is not http or https", raw, scheme)
	}
	if !strings.HasPrefix(rest, "//") {
		return "", fmt.Errorf("canonicalise %q: no host", raw)
	}
	rest = rest[2:]
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, rest := rest[:end], rest[end:]
	p, query, _ := strings.Cut(rest, "?")

	host, err := canonicalHost(scheme, authority)
	if err != nil {
		return "", fmt.Errorf("canonicalise %q: %w", raw, err)
	}

	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(host)
	b.WriteString(canonicalPath(p))
	if q := canonicalQuery(query); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	out := b.String()
	if _, err := url.Parse(out); err != nil {
		return "", fmt.Errorf("canonicalise %q: %w", raw, err)
	}
	return out, nil
}

// Host returns the canonical host (with its port, if not the default) of
// raw, or "" if raw is not an absolute http or https URL.
func Host(raw string) string {
	u, err := URL(raw)
	if err != nil {
		return ""
	}
	_, rest, _ := strings.Cut(u, "://")
	host, _, _ := strings.Cut(rest, "/")
	return host
}

// canonicalHost returns the lowercased host[:port] of authority with the
// userinfo and a default port removed.
func canonicalHost(scheme, authority string) (string, error) {
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	host, port := authority, ""
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", errors.New("unterminated IPv6 literal in host")
		}
		addr, err := netip.ParseAddr(host[1:end])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return "", fmt.Errorf("bad IPv6 literal %q", host[:end+1])
		}
		rest := host[end+1:]
		host = "[" + addr.String() + "]"
		if rest != "" {
			if rest[0] != ':' {
				return "", fmt.Errorf("junk %q after IPv6 literal", rest)
			}
			port = rest[1:]
		}
	} else {
		if i := strings.LastIndexByte(host, ':'); i >= 0 {
			host, port = host[:i], host[i+1:]
		}
		host = strings.TrimRight(strings.ToLower(host), ".")
		if host == "" {
			return "", errors.New("empty host")
		}
		if !validHost(host) {
			return "", fmt.Errorf("bad host %q", host)
		}
	}
	if port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || strings.TrimLeft(port, "0123456789") != "" {
			return "", fmt.Errorf("bad port %q", port)
		}
		if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
			return host, nil
		}
		return host + ":" + strconv.FormatUint(n, 10), nil
	}
	return host, nil
}

// validHost reports whether host (lowercased, not an IP literal) holds only
// characters a registered name or IPv4 address may hold; non-ASCII letters
// are allowed for internationalised names.
func validHost(host string) bool {
	if !utf8.ValidString(host) {
		return false
	}
	for _, r := range host {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
			if unicode.ToLower(r) != r {
				return false // a letter ToLower leaves upper (rare); keep URL idempotent
			}
		default:
			return false
		}
	}
	return true
}

// canonicalPath normalises the escaped path p: percent-encoding, dot
// segments, a trailing index file, and "" → "/".
func canonicalPath(p string) string {
	p = removeDotSegments(dropSessionIDs(normaliseEscapes(p, pathByte)))
	if p == "" {
		return "/"
	}
	dir := strings.LastIndexByte(p, '/')
	if slices.Contains(indexFiles, p[dir+1:]) {
		p = p[:dir+1]
	}
	return p
}

// dropSessionIDs removes Java servlet session IDs (";jsessionid=...", any
// case) from the end of path segments. p is ASCII (escapes normalised).
func dropSessionIDs(p string) string {
	const param = ";jsessionid="
	for {
		i := strings.Index(strings.ToLower(p), param)
		if i < 0 {
			return p
		}
		end := strings.IndexByte(p[i:], '/')
		if end < 0 {
			end = len(p) - i
		}
		p = p[:i] + p[i+end:]
	}
}

// removeDotSegments implements RFC 3986 §5.2.4 on an absolute path.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	in := strings.Split(p, "/")
	out := make([]string, 0, len(in))
	for i, seg := range in {
		last := i == len(in)-1
		switch seg {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	if len(out) == 1 && out[0] == "" {
		return "/"
	}
	return strings.Join(out, "/")
}

// canonicalQuery normalises the escaped query q: percent-encoding, tracking
// parameters removed, parameters sorted by key (stable), empties dropped.
func canonicalQuery(q string) string {
	if q == "" {
		return ""
	}
	type param struct {
		key, value string
		hasValue   bool
	}
	var params []param
	for part := range strings.SplitSeq(q, "&") {
		if part == "" {
			continue
		}
		k, v, hasValue := strings.Cut(part, "=")
		k = normaliseEscapes(k, queryByte)
		v = normaliseEscapes(v, queryByte)
		if tracking(k, v) {
			continue
		}
		params = append(params, param{k, v, hasValue})
	}
	if len(params) == 0 {
		return ""
	}
	slices.SortStableFunc(params, func(a, b param) int { return strings.Compare(a.key, b.key) })
	var b strings.Builder
	b.Grow(len(q))
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		if p.hasValue {
			b.WriteByte('=')
			b.WriteString(p.value)
		}
	}
	return b.String()
}

// tracking reports whether the query parameter key=value only tracks.
func tracking(key, value string) bool {
	k := strings.ToLower(key)
	switch {
	case strings.HasPrefix(k, "utm_"):
		return true
	case k == "from":
		return wechatFrom[strings.ToLower(value)]
	}
	return trackingParams[k]
}

// byteClass tells whether a byte may appear unescaped in a component.
type byteClass func(c byte) bool

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// pathByte reports whether c may appear literally in a path (RFC 3986 pchar
// or "/").
func pathByte(c byte) bool {
	if unreserved(c) {
		return true
	}
	return strings.IndexByte("!$&'()*+,;=:@/", c) >= 0
}

// queryByte reports whether c may appear literally in a query key or value.
func queryByte(c byte) bool {
	if unreserved(c) {
		return true
	}
	return strings.IndexByte("!$&'()*+,;=:@/?", c) >= 0
}

const upperhex = "0123456789ABCDEF"

// normaliseEscapes returns s with percent-escapes in uppercase hex,
// unreserved characters decoded, bytes not allowed by literal encoded, and
// a "%" that starts no escape encoded as "%25".
func normaliseEscapes(s string, literal byteClass) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '%' || !literal(c) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && ishex(s[i+1]) && ishex(s[i+2]):
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if unreserved(d) {
				b = append(b, d)
			} else {
				b = append(b, '%', upperhex[d>>4], upperhex[d&15])
			}
			i += 2
		case c != '%' && literal(c):
			b = append(b, c)
		default:
			b = append(b, '%', upperhex[c>>4], upperhex[c&15])
		}
	}
	return string(b)
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

package crawl

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/gocolly/colly/v2"

	"github.com/hnredstar/crawler/extract"
)

// ErrBlocked is wrapped by the error of a run that stopped fetching from
// a host because it answered with anti-bot challenges (see BlockedHost).
var ErrBlocked = errors.New("blocked by an anti-bot challenge")

// The anti-bot systems recognised, as reported.
const (
	sysRuishu     = "瑞数 (Riversecurity)"
	sysJiasule    = "加速乐 (Jiasule)"
	sysSafedog    = "安全狗 (Safedog)"
	sysYunsuo     = "云锁 (Yunsuo)"
	sysCloudflare = "Cloudflare"
	sysUnknown    = "an unidentified anti-bot system"
)

var (
	// ruishuScript is the $_ts object 瑞数 pages assign before loading
	// their obfuscated script.
	ruishuScript = regexp.MustCompile(`\$_ts\s*=`)
	// ruishuCookie names the cookies 瑞数 sets: a long random stem ending
	// in S or T, such as FSSBBIl1UgzbN7N80S.
	ruishuCookie = regexp.MustCompile(`^[A-Za-z0-9]{12,}[ST]$`)
)

// BlockedHost is a host the run stopped fetching from after
// Options.ChallengeLimit challenge pages in a row.
type BlockedHost struct {
	Host       string `json:"host"`
	System     string `json:"system"`     // the anti-bot system, as recognised
	Challenges int    `json:"challenges"` // challenge pages met in a row
	URL        string `json:"url"`        // the last of them
}

// BlockedError is the error of a run with blocked hosts.
type BlockedError struct{ Hosts []BlockedHost }

func (e *BlockedError) Error() string {
	var b strings.Builder
	for i, h := range e.Hosts {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s answers with %s challenge pages (%d in a row, last %s)", h.Host, h.System, h.Challenges, h.URL)
	}
	b.WriteString(": nothing from them was archived and their pages stay pending for the next run; if a browser can open the site, try crawl.browser: challenge")
	return b.String()
}

func (e *BlockedError) Unwrap() error { return ErrBlocked }

// hostChallenges is the challenge state of one host in a run.
type hostChallenges struct {
	streak  int    // challenge pages in a row
	served  int    // pages answered without a challenge
	system  string // of the last one
	lastURL string
	blocked bool
}

// challengeSystem names the anti-bot system a response comes from, or
// returns "" when it is no challenge. kind is the extractor's verdict on
// the page (extract.Other when not parsed). A challenge is recognised by
// the status and headers each system answers with, or, for a page served
// 200, only when it is no article or list: markers in an article are no
// challenge.
func challengeSystem(status int, hdr http.Header, body []byte, kind extract.Kind) string {
	cookies := setCookieNames(hdr)
	hasCookie := func(match func(string) bool) bool {
		for _, c := range cookies {
			if match(c) {
				return true
			}
		}
		return false
	}
	lower := bytes.ToLower(body)
	has := func(s string) bool { return bytes.Contains(lower, []byte(s)) }
	refused := status >= 400 || status == http.StatusAccepted
	plain := kind == extract.Challenge || kind == extract.Other && len(body) < 32<<10

	switch {
	case strings.EqualFold(hdr.Get("Cf-Mitigated"), "challenge"):
		return sysCloudflare
	case hdr.Get("Cf-Ray") != "" && (status == 403 || status == 503 || status == 429) &&
		(has("just a moment") || has("cf_chl_") || has("challenge-platform")):
		return sysCloudflare
	case (status == http.StatusPreconditionFailed || status == http.StatusAccepted || plain) && ruishuScript.Match(body),
		(status == http.StatusPreconditionFailed || status == http.StatusAccepted) && hasCookie(ruishuCookie.MatchString):
		return sysRuishu
	case (status == 521 || plain) && (has("__jsl_clearance") ||
		hasCookie(func(c string) bool { return strings.HasPrefix(c, "__jsl") })):
		return sysJiasule
	case (refused || plain) && (has("safedog") || strings.Contains(strings.ToLower(hdr.Get("Server")), "safedog") ||
		hasCookie(func(c string) bool { return strings.HasPrefix(strings.ToLower(c), "safedog") })):
		return sysSafedog
	case (refused || plain) && (has("yunsuo") ||
		hasCookie(func(c string) bool { return strings.HasPrefix(c, "yunsuo_session") })):
		return sysYunsuo
	case kind == extract.Challenge:
		return sysUnknown
	}
	return ""
}

// setCookieNames returns the names of the cookies a response sets.
func setCookieNames(hdr http.Header) []string {
	var names []string
	for _, line := range hdr.Values("Set-Cookie") {
		name, _, _ := strings.Cut(line, "=")
		names = append(names, strings.TrimSpace(name))
	}
	return names
}

// pageKind is the extractor's verdict on a response, extract.Other when
// it cannot say.
func (cr *crawler) pageKind(r *colly.Response) extract.Kind {
	if len(r.Body) == 0 || !isMarkup(r.Headers.Get("Content-Type")) && r.Headers.Get("Content-Type") != "" {
		return extract.Other
	}
	page, err := extract.Parse(r.Body, r.Headers.Get("Content-Type"), r.Request.URL.String())
	if err != nil {
		return extract.Other
	}
	return cr.ext.Links(page).Kind
}

// hostOf returns the lower-case host (with port) of rawURL.
func hostOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// isBlocked reports whether the run stopped fetching from host.
func (cr *crawler) isBlocked(host string) bool {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	h := cr.challenged[host]
	return h != nil && h.blocked
}

// challenge records a challenge page: it is never archived and stays
// pending; after Options.ChallengeLimit in a row the host is blocked.
func (cr *crawler) challenge(pageURL string, status int, system string) {
	host := hostOf(pageURL)
	cr.mu.Lock()
	h := cr.challenged[host]
	if h == nil {
		h = &hostChallenges{}
		cr.challenged[host] = h
	}
	h.streak++
	h.system, h.lastURL = system, redact(pageURL)
	block := !h.blocked && h.streak >= cr.opts.ChallengeLimit
	if block {
		h.blocked = true
		cr.res.Blocked = append(cr.res.Blocked, BlockedHost{Host: host, System: system, Challenges: h.streak, URL: h.lastURL})
	}
	cr.res.Challenges = append(cr.res.Challenges, redact(pageURL))
	cr.mu.Unlock()
	cr.log.Warn("anti-bot challenge page; not archived", "url", redact(pageURL), "status", status, "system", system)
	if block {
		cr.log.Error(fmt.Sprintf("%s answers with %s challenge pages; no more pages are fetched from it in this run", host, system),
			"host", host, "system", system, "in_a_row", h.streak)
	}
}

// answered notes a page the host served without a challenge.
func (cr *crawler) answered(pageURL string) {
	host := hostOf(pageURL)
	cr.mu.Lock()
	if h := cr.challenged[host]; h != nil && !h.blocked {
		h.streak = 0
		h.served++
	} else if h == nil {
		cr.challenged[host] = &hostChallenges{served: 1}
	}
	cr.mu.Unlock()
}

// blockSilent blocks, at the end of a run, the hosts that answered
// nothing but challenges, fewer than Options.ChallengeLimit of them (a
// site whose start page alone is challenged). cr.mu is held.
func (cr *crawler) blockSilent() {
	for host, h := range cr.challenged {
		if !h.blocked && h.streak > 0 && h.served == 0 {
			h.blocked = true
			cr.res.Blocked = append(cr.res.Blocked, BlockedHost{Host: host, System: h.system, Challenges: h.streak, URL: h.lastURL})
			cr.log.Error(fmt.Sprintf("%s answered only with %s challenge pages", host, h.system), "host", host, "system", h.system)
		}
	}
}

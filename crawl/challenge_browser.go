package crawl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/hnredstar/crawler/extract"
)

// chromiumNames are the names a Chromium binary goes by.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

// FindChromium returns the path of a Chromium binary on PATH, or an error
// saying how to install one.
func FindChromium() (string, error) {
	for _, name := range chromiumNames {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", errors.New("crawl.browser: challenge needs Chromium, and none is on PATH (" +
		strings.Join(chromiumNames, ", ") + "); install it (apt-get install chromium) or leave crawl.browser empty")
}

// browserSolves caps the browser loads per host and run: a challenge that
// comes back after two is not one a visitor's browser passes.
const browserSolves = 2

// browser loads challenged pages in headless Chromium, one at a time,
// and hands their cookies to the fetcher's jar.
type browser struct {
	path string
	jar  http.CookieJar

	mu       sync.Mutex
	solves   map[string]int       // by host
	solvedAt map[string]time.Time // by host: the last load that passed
}

func newBrowser(path string, jar http.CookieJar) *browser {
	return &browser{path: path, jar: jar, solves: map[string]int{}, solvedAt: map[string]time.Time{}}
}

// pass tries to get past the challenge that answered the fetch of pageURL
// begun at fetched: it reports whether fetching again may succeed, either
// because another worker's browser load passed since, or because this one
// did.
func (cr *crawler) pass(pageURL string, fetched time.Time, system string) bool {
	b := cr.browser
	host := hostOf(pageURL)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.solvedAt[host].After(fetched) {
		return true
	}
	if b.solves[host] >= browserSolves || cr.ctx.Err() != nil {
		return false
	}
	b.solves[host]++
	n, err := cr.loadInBrowser(pageURL)
	if err != nil {
		cr.log.Warn("could not load the challenge page in Chromium", "url", redact(pageURL), "system", system, "err", err)
		return false
	}
	cr.log.Info("loaded a challenge page in headless Chromium; its cookies go to the fetcher", "url", redact(pageURL), "system", system, "cookies", n)
	b.solvedAt[host] = time.Now()
	return true
}

// loadInBrowser opens pageURL in a fresh headless Chromium with the
// crawler's User-Agent, waits until the page is no challenge any more,
// and stores the browser's cookies for pageURL in the fetcher's jar. It
// keeps to the host's politeness limits, counts as one request, and may
// connect only to the page's host, at an address the guard accepts.
func (cr *crawler) loadInBrowser(pageURL string) (int, error) {
	u, err := url.Parse(pageURL)
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "crawler-chromium-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(cr.browser.path),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserAgent(cr.opts.UserAgent),
		chromedp.UserDataDir(dir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
	}
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root otherwise
	}
	rules, err := cr.resolverRules(u.Hostname())
	if err != nil {
		return 0, err
	}
	if rules != "" {
		opts = append(opts, chromedp.Flag("host-resolver-rules", rules))
	}

	release, err := cr.transport.hold(cr.ctx, u.Scheme, u.Host)
	if err != nil {
		return 0, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(cr.ctx, cr.opts.Timeout+15*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	if err := chromedp.Do(bctx, chromedp.Navigate(pageURL)); err != nil {
		return 0, fmt.Errorf("load %s in Chromium: %w", redact(pageURL), err)
	}
	// The challenge script sets its cookie and reloads: wait for a page
	// that is no challenge.
	for {
		html, err := chromedp.Run(bctx, chromedp.Evaluate[string]("document.documentElement.outerHTML"))
		if err == nil && !cr.challengeHTML(pageURL, html) {
			break
		}
		if err := sleepCtx(bctx, 250*time.Millisecond); err != nil {
			return 0, fmt.Errorf("the page %s stayed a challenge in Chromium: %w", redact(pageURL), err)
		}
	}
	cookies, err := chromedp.Run(bctx, func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{pageURL}})
		return res.Cookies, err
	})
	if err != nil {
		return 0, fmt.Errorf("read Chromium's cookies: %w", err)
	}
	hc := make([]*http.Cookie, 0, len(cookies))
	for _, c := range cookies {
		k := &http.Cookie{Name: c.Name, Value: c.Value, Path: c.Path, Secure: c.Secure, HttpOnly: c.HTTPOnly}
		if strings.HasPrefix(c.Domain, ".") {
			k.Domain = c.Domain // a domain cookie; otherwise host-only for u
		}
		if !c.Session && c.Expires > 0 {
			k.Expires = time.Unix(int64(c.Expires), 0)
		}
		hc = append(hc, k)
	}
	cr.browser.jar.SetCookies(u, hc)
	return len(hc), nil
}

// challengeHTML reports whether the page the browser shows is still a
// challenge.
func (cr *crawler) challengeHTML(pageURL, html string) bool {
	page, err := extract.Parse([]byte(html), "text/html; charset=utf-8", pageURL)
	if err != nil {
		return true
	}
	return challengeSystem(http.StatusOK, nil, []byte(html), cr.ext.Links(page).Kind) != ""
}

// resolverRules pins the browser to the page's host at an address the
// guard accepts ("" when private networks are allowed): Chromium
// resolves nothing else, so neither DNS nor the page's scripts can lead
// it elsewhere.
func (cr *crawler) resolverRules(host string) (string, error) {
	if cr.opts.AllowPrivateNetworks {
		return "", nil
	}
	blocked := cr.opts.blockAddr
	if blocked == nil {
		blocked = isBlockedAddr
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		addrs, err = net.DefaultResolver.LookupNetIP(cr.ctx, "ip", host)
		if err != nil {
			return "", err
		}
	}
	for _, a := range addrs {
		if blocked(a) {
			return "", fmt.Errorf("%w: %s", ErrPrivateAddress, a)
		}
	}
	if len(addrs) == 0 {
		return "", fmt.Errorf("no address for %s", host)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return "MAP * ~NOTFOUND", nil
	}
	return fmt.Sprintf("MAP %s %s, MAP * ~NOTFOUND", host, addrs[0].Unmap()), nil
}

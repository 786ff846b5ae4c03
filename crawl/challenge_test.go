package crawl

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hnredstar/crawler/extract"
)

func TestChallengeSystem(t *testing.T) {
	article := articleHTML("一篇文章", "")
	h := func(kv ...string) http.Header {
		hdr := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			hdr.Add(kv[i], kv[i+1])
		}
		return hdr
	}
	cases := []struct {
		name   string
		status int
		hdr    http.Header
		body   string
		kind   extract.Kind
		want   string
	}{
		{"瑞数 412", 412, h("Set-Cookie", "FSSBBIl1UgzbN7N80S=abc; Path=/"), `<script>$_ts=window['$_ts'];</script>`, extract.Other, sysRuishu},
		{"瑞数 202 cookie only", 202, h("Set-Cookie", "FSSBBIl1UgzbN7N80T=abc; Path=/"), `<html></html>`, extract.Other, sysRuishu},
		{"瑞数 202 that looks like an article", 202, nil, strings.Replace(article, "</body>", "<script>$_ts = {};</script></body>", 1), extract.ArticlePage, sysRuishu},
		{"加速乐 521", 521, h("Set-Cookie", "__jsluid_h=abc; path=/"), `<script>document.cookie=('__jsl_clearance=1')</script>`, extract.Challenge, sysJiasule},
		{"加速乐 521 cookie only", 521, h("Set-Cookie", "__jsluid_s=abc; path=/"), ``, extract.Other, sysJiasule},
		{"安全狗 block page", 403, nil, `<img src="http://404.safedog.cn/images/safedogsite/head.png">`, extract.Other, sysSafedog},
		{"安全狗 cookie", 200, h("Set-Cookie", "safedog-flow-item=abc"), `<script>document.cookie="x";location.reload()</script>`, extract.Challenge, sysSafedog},
		{"云锁 cookie", 200, h("Set-Cookie", "yunsuo_session_verify=abc"), `<script>location.reload()</script>`, extract.Other, sysYunsuo},
		{"Cloudflare mitigated", 403, h("Cf-Mitigated", "challenge", "Cf-Ray", "1"), `<html></html>`, extract.Other, sysCloudflare},
		{"Cloudflare just a moment", 503, h("Cf-Ray", "8a1b"), `<title>Just a moment...</title>`, extract.Other, sysCloudflare},
		{"unknown script challenge", 200, nil, `<script>document.cookie="a=1";location.reload()</script>`, extract.Challenge, sysUnknown},
		{"article mentioning safedog", 200, nil, strings.Replace(article, "</body>", "safedog yunsuo</body>", 1), extract.ArticlePage, ""},
		{"article with $_ts", 200, nil, strings.Replace(article, "</body>", "<script>$_ts=1</script></body>", 1), extract.ArticlePage, ""},
		{"412 session cookie", 412, h("Set-Cookie", "ASPSESSIONIDSCRBTQDS=x"), ``, extract.Other, sysRuishu},
		{"200 session cookie", 200, h("Set-Cookie", "ASPSESSIONIDSCRBTQDS=x"), `<p>hi</p>`, extract.Other, ""},
		{"Cloudflare-served 404", 404, h("Cf-Ray", "8a1b"), `not found`, extract.Other, ""},
		{"plain 503", 503, nil, `busy`, extract.Other, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := tc.hdr
			if hdr == nil {
				hdr = http.Header{}
			}
			if got := challengeSystem(tc.status, hdr, []byte(tc.body), tc.kind); got != tc.want {
				t.Errorf("challengeSystem = %q, want %q", got, tc.want)
			}
		})
	}
}

// jslChallenge answers as 加速乐 does: 521, a cookie, and a script that
// sets the clearance cookie and reloads.
func jslChallenge(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	w.Header().Add("Set-Cookie", "__jsluid_h=0123456789abcdef; path=/; HttpOnly")
	w.WriteHeader(521)
	w.Write([]byte(`<html><body><script>document.cookie="__jsl_clearance=1700000000.1|0|abc;max-age=3600;path=/";location.href=location.pathname+location.search</script></body></html>`))
}

// gate serves next until it has answered open requests (robots.txt
// aside), then, while closed, answers every request with a challenge;
// challenged counts those.
type gate struct {
	next       http.Handler
	open       int32
	served     atomic.Int32
	closed     atomic.Bool
	challenged atomic.Int32
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/robots.txt" {
		http.NotFound(w, r)
		return
	}
	if g.closed.Load() || g.served.Add(1) > g.open && g.open >= 0 {
		g.challenged.Add(1)
		jslChallenge(w)
		return
	}
	g.next.ServeHTTP(w, r)
}

// A host that starts answering with challenges halfway is left alone
// after a few, none of them is archived, and the run says which system it
// was; the next backfill, once the challenge is gone, resumes and
// completes the archive.
func TestChallengedHostLeftAloneThenResumed(t *testing.T) {
	const n = 20
	g := &gate{next: smallSite(n), open: 6} // the list and five articles
	site := httptest.NewServer(g)
	defer site.Close()
	a := openTestArchive(t)
	opts := localOptions(site.URL)
	opts.Parallelism = 1
	opts.MaxRetries = 2
	opts.ChallengeLimit = 3

	res, err := Run(context.Background(), a, opts)
	var be *BlockedError
	if !errors.Is(err, ErrBlocked) || !errors.As(err, &be) {
		t.Fatalf("run over a challenging host: %v, want ErrBlocked", err)
	}
	if len(res.Blocked) != 1 || res.Blocked[0].System != sysJiasule || !strings.Contains(err.Error(), "加速乐") {
		t.Fatalf("blocked %+v (%v), want the host named with 加速乐", res.Blocked, err)
	}
	if res.Added != 5 {
		t.Errorf("archived %d articles, want the 5 served before the challenges", res.Added)
	}
	// Each worker may have one page in flight when the host is blocked.
	if got, most := g.challenged.Load(), int32(opts.ChallengeLimit+opts.Parallelism*2); got > most {
		t.Errorf("the challenging host got %d requests after it began; want at most %d", got, most)
	}
	if res.Retries != 0 {
		t.Errorf("challenge pages were retried %d times", res.Retries)
	}
	if len(res.Challenges) < 3 {
		t.Errorf("%d challenges reported", len(res.Challenges))
	}

	g.open = -1 // the challenge is gone
	res, err = Run(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed == 0 {
		t.Error("the second backfill did not resume from the frontier")
	}
	if res.Added != n-5 {
		t.Errorf("the second run added %d articles, want the %d left", res.Added, n-5)
	}
	for i := 1; i <= n; i++ {
		u := site.URL + "/content/2024/01/" + twoDigits(i) + "/" + itoa(1000+i) + ".html"
		if ok, err := a.Has(u); err != nil || !ok {
			t.Errorf("%s not archived after the second run (%v)", u, err)
		}
	}
}

func twoDigits(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }

func itoa(i int) string {
	if i < 10 {
		return string(byte('0' + i))
	}
	return itoa(i/10) + string(byte('0'+i%10))
}

// scriptCookieSite answers with a 加速乐-like challenge until the request
// carries the cookie its script sets, then serves smallSite. uaSeen
// records the User-Agent of the requests that carried the cookie.
func scriptCookieSite(n int, uaSeen *atomic.Value) http.Handler {
	next := smallSite(n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		if c, err := r.Cookie("__jsl_clearance"); err != nil || !strings.HasPrefix(c.Value, "1700000000") {
			jslChallenge(w)
			return
		}
		uaSeen.Store(r.UserAgent())
		next.ServeHTTP(w, r)
	})
}

// Without crawl.browser the script challenge blocks the run, named; with
// it, one page is loaded in headless Chromium and the crawl goes on with
// its cookie.
func TestBrowserPassesScriptChallenge(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	const n = 4
	var ua atomic.Value
	site := httptest.NewServer(scriptCookieSite(n, &ua))
	defer site.Close()
	opts := localOptions(site.URL)
	opts.MaxRetries = 1

	res, err := Run(context.Background(), openTestArchive(t), opts)
	if !errors.Is(err, ErrBlocked) || res.Added != 0 || !strings.Contains(err.Error(), "加速乐") {
		t.Fatalf("without the browser: added %d, %v; want blocked by 加速乐", res.Added, err)
	}

	if _, err := FindChromium(); err != nil {
		t.Skip(err)
	}
	opts.BrowserChallenges = true
	res, err = Run(context.Background(), openTestArchive(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != n || len(res.Failures) > 0 {
		t.Fatalf("with the browser: added %d of %d, failures %+v", res.Added, n, res.Failures)
	}
	if got, _ := ua.Load().(string); got != opts.UserAgent {
		t.Errorf("pages were fetched as %q, want the crawler's User-Agent %q", got, opts.UserAgent)
	}
}

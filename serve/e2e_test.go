package serve

import (
	"bytes"
	"context"
	"image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/crawl"
	"github.com/hnredstar/crawler/simsite"
)

// chromiumPath finds Debian's chromium, or skips the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("chromium is not installed (apt-get install chromium); .ci/run installs it")
	return ""
}

// browser starts a headless Chromium with a fresh profile and returns a
// context to drive it with.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

// screenshotDir is where the test leaves its screenshots: a temporary
// directory, or $SERVE_SCREENSHOTS to keep them.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("SERVE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func saveScreenshot(t *testing.T, name string, b []byte) {
	t.Helper()
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	path := filepath.Join(screenshotDir(t), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestBrowser backfills the simulated site, serves the archive and uses
// the page in headless Chromium as a person would: search for words of a
// known article, open it from the results, check its fields.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("backfills the simulated site and drives Chromium")
	}
	ctx := browser(t)

	srv := simsite.NewServer(simsite.Options{Seed: 3, Articles: 40, Columns: 5, SlowDelay: -1})
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := archive.Open(path, archive.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := crawl.Run(context.Background(), a, crawl.Options{
		StartURLs: []string{srv.URL + "/"}, AllowedDomains: []string{"127.0.0.1"},
		Parallelism: 4, Timeout: 10 * time.Second, MaxRetries: 3, AllowPrivateNetworks: true, Mode: crawl.Backfill,
	})
	if err != nil || res.Added == 0 {
		t.Fatalf("backfill: %+v %v", res, err)
	}
	// A page of the site that carries markup in its title and body.
	evil := archive.Article{URL: srv.URL + "/c/2024/12/31/999999.html", Title: `注入测试<b id="evil-title">粗</b>`,
		Body: `正文<img src=x id="evil-img"><script>document.title="pwned"</script>`, Column: "要闻动态",
		Published: time.Date(2024, 12, 31, 12, 0, 0, 0, beijing), FetchedAt: time.Now()}
	if _, err := a.Put(context.Background(), evil); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := loadServer(t, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()

	// The known article: one with a source and a long word in its title.
	var art simsite.Article
	var word string
	for _, c := range srv.Truth() {
		if c.Source == "" {
			continue
		}
		for _, r := range runs(c.Title) {
			if len([]rune(r)) >= 6 && len([]rune(r)) > len([]rune(word)) {
				art, word = c, r
			}
		}
	}
	if word == "" {
		t.Fatal("no article with a long title word on the simulated site")
	}
	word = string([]rune(word)[:6])
	t.Logf("searching for %q to find %q", word, art.Title)

	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(sel chromedp.ID) string {
		t.Helper()
		return run(t, ctx, chromedp.Text(sel))
	}

	// Search from the list page, as a person types it. The pages are in
	// Chinese, whatever language the browser prefers, once ?lang=zh says
	// so; the links and the form keep the choice.
	home := ts.URL + "/?lang=zh"
	do(
		chromedp.Navigate(home),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), word),
		chromedp.Click(chromedp.ID("search")),
		chromedp.WaitVisible(chromedp.CSS("li.result")),
	)
	count := text("count")
	listTitles := run(t, ctx, chromedp.Text(chromedp.CSS("ol.results")))
	saveScreenshot(t, "search.png", run(t, ctx, chromedp.FullScreenshot(100)))
	if !strings.Contains(count, "符合“"+word+"”") || !strings.Contains(listTitles, art.Title) {
		t.Fatalf("results for %q (%s) do not list %q:\n%s", word, count, art.Title, listTitles)
	}

	// Open the article from the results.
	do(
		chromedp.Click(chromedp.Search(`//ol[@class="results"]//h2/a[normalize-space(.)="`+art.Title+`"]`)),
		chromedp.WaitVisible(chromedp.ID("title")),
	)
	title, source, published, column, body := text("title"), text("source"), text("published"), text("column"), text("body")
	original := run(t, ctx, chromedp.AttributeValue(chromedp.ID("original"), "href")).Value
	saveScreenshot(t, "article.png", run(t, ctx, chromedp.FullScreenshot(100)))

	if title != art.Title || source != art.Source || !slices.Contains(art.Columns, column) {
		t.Errorf("article shows title %q source %q column %q; want %q %q one of %v", title, source, column, art.Title, art.Source, art.Columns)
	}
	wantDate := art.Published.In(beijing).Format("2006-01-02")
	if !strings.HasPrefix(published, wantDate) {
		t.Errorf("published %q, want %s", published, wantDate)
	}
	firstPara := strings.SplitN(art.Body, "\n", 2)[0]
	if !strings.Contains(body, firstPara) {
		t.Errorf("body lacks the first paragraph %q", firstPara)
	}
	if !slices.Contains(art.URLs, original) {
		t.Errorf("link to the original %q, want one of %v", original, art.URLs)
	}

	// The page with markup: shown as text, nothing of it live.
	do(
		chromedp.Navigate(home+"&q=注入测试"),
		chromedp.WaitVisible(chromedp.CSS("li.result")),
		chromedp.Click(chromedp.CSS("li.result h2 a")),
		chromedp.WaitVisible(chromedp.ID("title")),
	)
	evilText := text("title")
	evilTags := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#evil-title, #evil-img, #body script").length`))
	pageTitle := run(t, ctx, chromedp.Title())
	if evilText != evil.Title || evilTags != 0 || strings.Contains(pageTitle, "pwned") {
		t.Errorf("markup came alive: title text %q, %d injected elements, page title %q", evilText, evilTags, pageTitle)
	}

	// The chart: one bar per month, each a link to that month's list.
	do(chromedp.Navigate(home))
	bars := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("figure.chart a.bar").length`))
	if bars < 12 {
		t.Errorf("the chart has %d month bars", bars)
	}
	do(chromedp.Click(chromedp.CSS("figure.chart a.bar")), chromedp.WaitVisible(chromedp.ID("count")))
	if loc := run(t, ctx, chromedp.Location()); !strings.Contains(loc, "since=") || !strings.Contains(loc, "until=") {
		t.Errorf("a bar led to %s", loc)
	}

	// The Reload button reads the archive again and comes back to the list.
	do(chromedp.Click(chromedp.CSS("form.reload button")))
	loc := run(t, ctx, chromedp.Location())
	for deadline := time.Now().Add(10 * time.Second); loc != home && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // the reload answers with a redirect to the list
		loc = run(t, ctx, chromedp.Location())
	}
	do(chromedp.WaitVisible(chromedp.ID("count")))
	if count := text("count"); loc != home || !strings.HasPrefix(count, "共 "+thousands(s.Articles())+" 篇文章") {
		t.Errorf("after reload: at %s, %q", loc, count)
	}
}

// run runs one action that gives a value, failing the test on error.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

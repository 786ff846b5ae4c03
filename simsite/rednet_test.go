package simsite

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// getPage fetches u, once more after a 503 (the site's transient pages).
func getPage(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err == nil && resp.StatusCode == http.StatusServiceUnavailable {
		resp.Body.Close()
		resp, err = http.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

var (
	rednetDated   = regexp.MustCompile(`^/content/20\d\d/[01]\d/[0-3]\d/\d+(_\d+)?\.html$`)
	rednetChannel = regexp.MustCompile(`^/content/\d{4}/\d\d/\d+(_\d+)?\.html$`)
	rednetPager   = regexp.MustCompile(`href="(/channel/\d+_\d+\.html|/topic/\d+/index_\d+\.html)"`)
	rednetItem    = regexp.MustCompile(`<li>(?:<span class="shijian">[^<]+</span><a href="(/content/[^"]+)"[^>]*>[^<]*</a>|<a href="(/content/[^"]+)"[^>]*>[^<]*</a><span class="shijian">[^<]+</span>)</li>`)
	rednetNav     = regexp.MustCompile(`href="(/channel/\d+\.html|/topic/\d+/index\.html)"[^>]*>([^<]+)</a>`)
)

// TestRednetLayout checks the rednet layout's properties on every page:
// article URLs in its two forms, each served; every column's and topic's
// list, followed through its pager, holding exactly the articles the
// ground truth gives that column (a topic's also some of other columns);
// topic attachments served; footer lines and the 阅读 count by script.
func TestRednetLayout(t *testing.T) {
	srv := NewServer(Options{Seed: 5, Articles: 500, Layout: LayoutRednet, SlowDelay: -1})
	defer srv.Close()
	truth := srv.Truth()

	forms := map[string]int{}
	byColumn := map[string][]string{}
	topicFiles := 0
	for _, a := range truth {
		for c, pages := range a.PageURLs {
			byColumn[a.Columns[c]] = append(byColumn[a.Columns[c]], a.URLs[c])
			for _, u := range pages {
				p := strings.TrimPrefix(u, srv.URL)
				switch {
				case rednetDated.MatchString(p):
					forms["dated"]++
				case rednetChannel.MatchString(p):
					forms["channel"]++
				default:
					t.Errorf("article %d: %s is neither /content/YYYY/MM/DD/ID.html nor /content/N/NN/ID.html", a.ID, p)
				}
			}
		}
		for _, f := range a.Attachments {
			if !strings.Contains(f, "/img/") {
				continue
			}
			topicFiles++
			status, body := getPage(t, f)
			pu, _ := url.Parse(f)
			want, _, _ := AttachmentBody(pu.Path)
			if status != http.StatusOK || !bytes.Equal([]byte(body), want) {
				t.Errorf("topic file %s: status %d, %d bytes, want the %d of AttachmentBody", f, status, len(body), len(want))
			}
		}
	}
	if forms["dated"] == 0 || forms["channel"] == 0 || topicFiles == 0 {
		t.Errorf("URL forms %v, %d topic files: want both forms and some files", forms, topicFiles)
	}

	_, home := getPage(t, srv.URL+"/")
	lists := rednetNav.FindAllStringSubmatch(home, -1)
	names := map[string]string{}
	for _, m := range lists {
		if names[m[1]] == "" { // the navigation's name, not 更多>>
			names[m[1]] = m[2]
		}
	}
	if want := srv.Site.ColumnNames(); len(names) != len(want) {
		t.Fatalf("home page links %d columns and topics, the site has %d: %v", len(names), len(want), names)
	}
	topics := 0
	for first, name := range names {
		if strings.HasPrefix(first, "/topic/") {
			topics++
		}
		listed := map[string]bool{}
		seen := map[string]bool{first: true}
		queue := []string{first}
		for len(queue) > 0 {
			p := queue[0]
			queue = queue[1:]
			status, page := getPage(t, srv.URL+p)
			if status != http.StatusOK {
				t.Fatalf("list page %s: status %d", p, status)
			}
			items := rednetItem.FindAllStringSubmatch(page, -1)
			if len(items) == 0 || strings.Count(page, `class="shijian"`) != len(items) {
				t.Errorf("list page %s: %d items, %d span.shijian dates", p, len(items), strings.Count(page, `class="shijian"`))
			}
			for _, it := range items {
				listed[srv.URL+it[1]+it[2]] = true
			}
			for _, m := range rednetPager.FindAllStringSubmatch(page, -1) {
				if !seen[m[1]] {
					seen[m[1]] = true
					queue = append(queue, m[1])
				}
			}
		}
		for _, u := range byColumn[name] {
			if !listed[u] {
				t.Errorf("%s (%s): article %s not on its list", name, first, u)
			}
			delete(listed, u)
		}
		if len(listed) > 0 && !strings.HasPrefix(first, "/topic/") {
			t.Errorf("%s: %d listed articles of other columns", name, len(listed))
		}
	}
	if topics == 0 {
		t.Error("no topic linked from the home page")
	}

	for _, p := range []string{"/", strings.TrimPrefix(truth[0].URLs[0], srv.URL), strings.TrimPrefix(truth[len(truth)-1].URLs[0], srv.URL), "/topic/118/index.html"} {
		_, page := getPage(t, srv.URL+p)
		for _, l := range strings.Split(page, "\n") {
			if strings.Contains(l, "湘ICP备") && !strings.Contains(l, "document.write(") {
				t.Errorf("%s: the 备案 line is not written by script: %s", p, l)
			}
		}
	}
	last := truth[len(truth)-1]
	_, page := getPage(t, last.URLs[0])
	m := regexp.MustCompile(`getJSON\("(/hits/\d+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `阅读：<span id="readnum_`) {
		t.Fatalf("article %s has no 阅读 count filled by script", last.URLs[0])
	}
	if status, body := getPage(t, srv.URL+m[1]); status != http.StatusOK || !strings.HasPrefix(body, `{"count":`) {
		t.Errorf("%s: %d %q", m[1], status, body)
	}
}

// TestLayoutDefault checks that the classic layout is the default and
// that an unknown layout is refused.
func TestLayoutDefault(t *testing.T) {
	a, b := New(Options{Seed: 3}), New(Options{Seed: 3, Layout: LayoutClassic})
	if !sameTruth(a.Truth("http://x"), b.Truth("http://x")) {
		t.Error("Layout \"classic\" is not the default site")
	}
	if _, err := Start(Options{Layout: "hanweb"}); err == nil {
		t.Error("Start accepted an unknown layout")
	}
}

func sameTruth(x, y []Article) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !slices.Equal(x[i].URLs, y[i].URLs) || x[i].Body != y[i].Body || !slices.Equal(x[i].Columns, y[i].Columns) {
			return false
		}
	}
	return true
}

// TestRednetListFiles checks ListFiles against the topic pages as served:
// every table row is in the ground truth under its page, some files are
// linked from no article, each is served with AttachmentBody's bytes, and
// FileHits counts the requests.
func TestRednetListFiles(t *testing.T) {
	srv := NewServer(Options{Seed: 5, Articles: 300, Layout: LayoutRednet, SlowDelay: -1})
	defer srv.Close()
	inArticles := map[string]bool{}
	for _, a := range srv.Truth() {
		for _, u := range a.Attachments {
			inArticles[u] = true
		}
	}
	files := srv.Site.ListFiles(srv.URL)
	byPage := map[string][]string{}
	own := 0
	for _, f := range files {
		byPage[f.Page] = append(byPage[f.Page], f.URL)
		if f.OnlyHere == inArticles[f.URL] {
			t.Errorf("%s on %s: OnlyHere %v, yet linked from an article: %v", f.URL, f.Page, f.OnlyHere, inArticles[f.URL])
		}
		if f.OnlyHere {
			own++
		}
	}
	if own == 0 || len(byPage) < 3 {
		t.Fatalf("%d files on %d pages, %d linked from no article: want some of each", len(files), len(byPage), own)
	}
	row := regexp.MustCompile(`<tr><td>\d+</td><td>[^<]*</td><td><a href="([^"]+)"`)
	for page, want := range byPage {
		_, html := getPage(t, page)
		var got []string
		for _, m := range row.FindAllStringSubmatch(html, -1) {
			got = append(got, srv.URL+m[1])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: table links\n%v\nground truth\n%v", page, got, want)
		}
	}
	f := files[0]
	pu, _ := url.Parse(f.URL)
	if n := srv.Site.FileHits(pu.Path); n != 0 {
		t.Errorf("FileHits before any request: %d", n)
	}
	status, body := getPage(t, f.URL)
	want, _, _ := AttachmentBody(pu.Path)
	if status != http.StatusOK || body != string(want) {
		t.Errorf("%s: status %d, %d bytes, want the %d of AttachmentBody", f.URL, status, len(body), len(want))
	}
	if n := srv.Site.FileHits(pu.Path); n != 1 {
		t.Errorf("FileHits after one request: %d", n)
	}
}

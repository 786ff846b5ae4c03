package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

const gbkSample = `<html><head><title>关于开展干部教育培训工作的通知</title></head><body><p>为深入贯彻落实全国干部教育培训规划，进一步提升干部队伍素质能力，经研究，决定开展年度干部教育培训工作。现将有关事项通知如下。</p></body></html>`

func encode(t *testing.T, s string, big5 bool) []byte {
	t.Helper()
	enc := simplifiedchinese.GBK.NewEncoder()
	if big5 {
		enc = traditionalchinese.Big5.NewEncoder()
	}
	b, err := enc.Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecode(t *testing.T) {
	gbk := encode(t, gbkSample, false)
	trad := `<html><head><title>關於開展幹部教育培訓工作的通知</title></head><body><p>為深入貫徹落實全國幹部教育培訓規劃，進一步提升幹部隊伍素質能力，經研究，決定開展年度幹部教育培訓工作。現將有關事項通知如下。</p></body></html>`
	big5 := encode(t, trad, true)
	metaGBK := append([]byte(`<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`), gbk...)
	lateMeta := append(append([]byte("<html><head><!-- "+strings.Repeat("x", 1500)+" -->"), []byte(`<meta charset="gbk">`)...), gbk...)
	utf8Meta := []byte(`<meta http-equiv="Content-Type" content="text/html; charset=GB2312">` + gbkSample)
	bom := append([]byte("\xef\xbb\xbf"), gbkSample...)
	cases := []struct {
		name, ct string
		body     []byte
		wantEnc  string
		wantText string
	}{
		{"utf8 undeclared", "", []byte(gbkSample), "utf-8", gbkSample},
		{"gbk header", "text/html; charset=GBK", gbk, "gb18030", gbkSample},
		{"gb2312 header", "text/html;charset=gb2312", gbk, "gb18030", gbkSample},
		{"gb2312 meta", "text/html", metaGBK, "gb18030", gbkSample},
		{"gbk meta after 1024 bytes", "", lateMeta, "gb18030", gbkSample},
		{"gbk undeclared", "", gbk, "gb18030", gbkSample},
		{"big5 undeclared", "", big5, "big5", trad},
		{"saved page: utf-8 bytes, gb2312 meta", "", utf8Meta, "utf-8", gbkSample},
		{"latin-1 header, gbk meta", "text/html; charset=ISO-8859-1", metaGBK, "gb18030", gbkSample},
		{"utf-8 header, gbk bytes", "text/html; charset=utf-8", gbk, "gb18030", gbkSample},
		{"utf-8 bom", "", bom, "utf-8", gbkSample},
		{"empty", "", nil, "utf-8", ""},
		{"ascii latin-1 header", "text/html; charset=iso-8859-1", []byte("<p>plain</p>"), "windows-1252", "<p>plain</p>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, enc, err := Decode(tc.body, tc.ct)
			if err != nil {
				t.Fatal(err)
			}
			if enc != tc.wantEnc {
				t.Errorf("encoding = %q, want %q", enc, tc.wantEnc)
			}
			if !strings.Contains(string(out), tc.wantText) {
				t.Errorf("decoded text lacks the original:\n%s", out)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	loc := defaultLocation()
	at := func(s string) time.Time {
		t.Helper()
		layout := "2006-01-02 15:04"
		if len(s) > len(layout) {
			layout += ":05"
		}
		v, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		in   string
		want string // "" for no date
		prec precision
	}{
		{"2024-01-29 15:20", "2024-01-29 15:20", precMinute},
		{"2024-01-29 15:20:33", "2024-01-29 15:20:33", precSecond},
		{"2024年01月29日 15:20:07", "2024-01-29 15:20:07", precSecond},
		{"2024-01-29 15:20:75", "2024-01-29 15:20", precMinute},
		{"2024年01月29日 15:20", "2024-01-29 15:20", precMinute},
		{"2024年1月29日", "2024-01-29 00:00", precDay},
		{"2024/1/29", "2024-01-29 00:00", precDay},
		{"2024.01.29", "2024-01-29 00:00", precDay},
		{"时间: 2024-01-29 15:20", "2024-01-29 15:20", precMinute},
		{"發佈時間：2024年1月29日 15時20分", "2024-01-29 15:20", precMinute},
		{"2024年1月29日 星期一 15:20", "2024-01-29 15:20", precMinute},
		{"2024年1月29日 下午3:20", "2024-01-29 15:20", precMinute},
		{"2024-01-29T15:20:33+08:00", "2024-01-29 15:20:33", precSecond},
		{"2024-01-29T07:20:00Z", "2024-01-29 15:20:00", precSecond},
		{"２０２４－０１－２９　１５：２０", "2024-01-29 15:20", precMinute},
		{"二〇二四年一月二十九日", "2024-01-29 00:00", precDay},
		{"2024-01-29 25:61", "2024-01-29 00:00", precDay},
		{"2024-13-01", "", precNone},
		{"2024-02-30", "", precNone},
		{"电话：13820240129", "", precNone},
		{"1-10月，全县固定资产投资", "", precNone},
		{"", "", precNone},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, p := parseDate(tc.in, loc)
			if p != tc.prec {
				t.Fatalf("precision = %v, want %v (%v)", p, tc.prec, got)
			}
			if tc.want == "" {
				return
			}
			if want := at(tc.want); !got.Equal(want) || got.Location() != loc {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
	if _, ok := ParseDate("2024-01-29", nil); !ok {
		t.Error("ParseDate with a nil location failed")
	}
}

func TestURLDate(t *testing.T) {
	loc := defaultLocation()
	cases := []struct {
		url  string
		want string
		prec precision
	}{
		{"http://x.cn/c/2024/01/29/123456.html", "2024-01-29", precDay},
		{"http://x.cn/col/ganbu/202401/t20240129_123456.html", "2024-01-29", precDay},
		{"http://x.cn/art/2024/1/9/art_105_123.html", "2024-01-09", precDay},
		{"http://x.cn/news/202401/123456.shtml", "2024-01-01", precMonth},
		{"http://x.cn/c/col105/index_3.html", "", precNone},
		{"http://20240129.x.cn/a.html", "", precNone},
	}
	for _, tc := range cases {
		got, p := urlDate(tc.url, loc)
		if p != tc.prec || (tc.want != "" && got.Format("2006-01-02") != tc.want) {
			t.Errorf("urlDate(%s) = %v %v, want %s %v", tc.url, got, p, tc.want, tc.prec)
		}
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		opts Options
		want string
	}{
		{Options{Body: "div["}, `extract.body: invalid selector "div[": `},
		{Options{Title: "h1", Published: "span::"}, `extract.published: invalid selector "span::": `},
		{Options{ArticleURL: []string{`/c/\d+`, `(`}}, `extract.article_url[1]: invalid regular expression "(": `},
		{Options{ListURL: []string{`[`}}, `extract.list_url[0]: invalid regular expression "[": `},
	}
	for _, tc := range cases {
		_, err := New(tc.opts)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error starting %q", tc.opts, err, tc.want)
		}
	}
	if _, err := New(Options{Body: "div.content, #zoom", ArticleURL: []string{`/t\d{8}_\d+\.html$`}}); err != nil {
		t.Errorf("valid options: %v", err)
	}
}

// TestOptions checks that configured selectors and URL patterns win over
// the heuristics and say so in Explain.
func TestOptions(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "seed-simplified.html"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(body, "text/html; charset=utf-8", site+"/c/2024/01/29/123456.html")
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Options{
		Title:     "div.location a:last-child", // deliberately not the headline
		Source:    ".info span:first-child",
		Published: ".info span:nth-child(2)",
		Body:      "div.related",
		Column:    ".nav li:nth-child(3) a",
		ListURL:   []string{`/c/\d{4}/`},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := e.Article(p)
	if a.Title != "市县动态" || a.Explain["title"] != "selector div.location a:last-child" {
		t.Errorf("title = %q (%s)", a.Title, a.Explain["title"])
	}
	if a.Source != "红星云" || !strings.HasPrefix(a.Explain["source"], "selector") {
		t.Errorf("source = %q (%s)", a.Source, a.Explain["source"])
	}
	if a.Published.Format("2006-01-02 15:04") != "2024-01-29 15:20" || !strings.HasPrefix(a.Explain["published"], "selector") {
		t.Errorf("published = %v (%s)", a.Published, a.Explain["published"])
	}
	if a.Column != "干部工作" {
		t.Errorf("column = %q", a.Column)
	}
	if !strings.Contains(a.Body, "娄底市干部工作动态第20期") || strings.Contains(a.Body, "娄底实践") {
		t.Errorf("body from the selector: %q", a.Body)
	}
	if k := e.Links(p).Kind; k != List {
		t.Errorf("kind = %v, want list from the list_url pattern", k)
	}
	if _, err := e.Article(p); !errors.Is(err, ErrNoArticle) {
		t.Errorf("Article on a page the hints call a list: %v", err)
	}
}

func TestStitch(t *testing.T) {
	p1 := Article{Title: "T", Source: "S", Body: "a\nb", Images: []string{"i1", "i2"}, Attachments: []string{"f1"}, Explain: map[string]string{"title": "h1"}}
	p2 := Article{Title: "other", Body: "c", Images: []string{"i2", "i3"}, Attachments: []string{"f1", "f2"}}
	p3 := Article{Body: ""}
	got := Stitch(p1, p2, p3)
	if got.Title != "T" || got.Source != "S" || got.Body != "a\nb\nc" {
		t.Errorf("Stitch = %+v", got)
	}
	if !slices.Equal(got.Images, []string{"i1", "i2", "i3"}) || !slices.Equal(got.Attachments, []string{"f1", "f2"}) {
		t.Errorf("images %v attachments %v", got.Images, got.Attachments)
	}
	if got.Explain["title"] != "h1" || p1.Explain["stitch"] != "" {
		t.Errorf("explain %v, first page's map changed: %v", got.Explain, p1.Explain)
	}
	if z := Stitch(); z.Body != "" || z.Title != "" {
		t.Errorf("Stitch() = %+v", z)
	}
}

func TestKind(t *testing.T) {
	for _, k := range []Kind{Other, List, ArticlePage, Challenge} {
		b, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		var back Kind
		if err := json.Unmarshal(b, &back); err != nil || back != k {
			t.Errorf("%v round-trips as %s to %v (%v)", k, b, back, err)
		}
	}
	if ArticlePage.String() != "article" || Kind(9).String() != "kind(9)" {
		t.Errorf("String: %q %q", ArticlePage.String(), Kind(9).String())
	}
}

func TestLinksOther(t *testing.T) {
	page := `<html><head><base href="/sub/"></head><body>
<a href="a.html#top">a</a> <a href="a.html">a again</a> <a href="javascript:void(0)">js</a>
<a href="mailto:x@y.cn">mail</a> <a href="tel:123">tel</a> <a href="data:text/html,x">data</a>
<a href="#frag">frag</a> <a href="ftp://x.cn/f">ftp</a> <a href="//cdn.x.cn/p.html">proto-relative</a>
<a href="https://other.cn/">other site</a> <area href="/map.html"> <iframe src="/frame.html"></iframe>
<a href=" /spaced.html ">spaced</a></body></html>`
	p, err := Parse([]byte(page), "", "http://www.x.cn/dir/page.html")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := New(Options{})
	got := e.Links(p).Other
	want := []string{"http://www.x.cn/sub/a.html", "http://cdn.x.cn/p.html", "https://other.cn/", "http://www.x.cn/map.html", "http://www.x.cn/frame.html", "http://www.x.cn/spaced.html"}
	if !slices.Equal(got, want) {
		t.Errorf("Other =\n%v\nwant\n%v", got, want)
	}
}

func TestPinyin(t *testing.T) {
	cases := []struct{ in, want string }{
		{"<p>外派競學(xué)為干部提能發(fā)展提質(zhì)</p>", "外派競學為干部提能發展提質"},
		{"<p>鹿砦(zhài)是一种障碍物</p>", "鹿砦(zhài)是一种障碍物"}, // a single gloss is the author's
		{"<p>國內生產總值(GDP)增長(zhǎng)了，學(xué)習(xí)</p>", "國內生產總值(GDP)增長了，學習"},
	}
	for _, tc := range cases {
		p, err := Parse([]byte(tc.in), "", "http://x.cn/")
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Doc.Find("p").Text(); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"　　中文\n段落  text\u00a0\u00a0here\u200b ", "中文段落 text here"},
		{"English\nwords", "English words"},
		{"“引号”\n他说", "“引号”他说"},
		{"5 篇", "5 篇"},
	}
	for _, tc := range cases {
		if got := normalize(tc.in); got != tc.want {
			t.Errorf("normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSpamLine(t *testing.T) {
	yes := []string{
		"红河县| 德惠市| 柘城县| 潼关县| 镇坪县| 哈尔滨市| 龙山县|",
		"安吉县 谷城县 黔西 龙山县 沭阳县 临汾市 新郑市",
	}
	no := []string{
		"长沙市、株洲市、湘潭市、衡阳市、邵阳市等地相继出台政策。",
		"会议由市委组织部主办 | 市人社局承办",
	}
	for _, s := range yes {
		if !spamLine(s) {
			t.Errorf("spamLine(%q) = false", s)
		}
	}
	for _, s := range no {
		if spamLine(s) {
			t.Errorf("spamLine(%q) = true", s)
		}
	}
}

// FuzzArticle feeds arbitrary bytes to Parse, Links and Article: they must
// never panic. The seeds are whole pages (the test data, the cn-news pages
// and a few scrapinghub pages), so minimising a new input takes long; run
// with -fuzzminimizetime=2s.
func FuzzArticle(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b, "")
		}
	}
	for _, name := range corpusSeeds() {
		f.Add(readGz(f, name), "")
	}
	f.Add([]byte(`<datastore><record><![CDATA[<li><a href="/a.html">x</a></li>]]></record></datastore>`), "text/xml")
	f.Add([]byte(`<script>createPageHTML(99999999999, 0, "index", "html")</script>`), "text/html; charset=gbk")
	f.Add([]byte("\xff\xfe<\x00p\x00>\x00"), "")
	e, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		p, err := Parse(body, ct, "http://www.hnredstar.gov.cn/c/2024/01/29/123456.html")
		if err != nil {
			return
		}
		l := e.Links(p)
		a, err := e.Article(p)
		if err == nil && a.Body == "" && len(a.Images) == 0 && len(a.Attachments) == 0 {
			t.Errorf("article without content and without error")
		}
		if bytes.Contains([]byte(a.Body), []byte("\n\n")) {
			t.Errorf("empty paragraph in body %q", a.Body)
		}
		_ = l
	})
}

// FuzzParseDate checks that date parsing never panics and only returns
// plausible dates in the requested zone.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-01-29 15:20", "2024年1月29日", "二〇二四年一月二十九日", "2024-01-29T15:20:33+08:00", "２０２４．１．２９", "2024/1/29 下午12:05"} {
		f.Add(s)
	}
	// The dated lines of the real pages.
	for _, name := range corpusSeeds() {
		p, err := Parse(readGz(f, name), "", "http://news.example.cn/a.html")
		if err != nil {
			continue
		}
		n := 0
		for _, s := range p.analysis().segs {
			if s.n <= 80 && dateRe.MatchString(s.text) && n < 4 {
				f.Add(s.gap)
				n++
			}
		}
	}
	loc := defaultLocation()
	f.Fuzz(func(t *testing.T, s string) {
		got, p := parseDate(s, loc)
		if p == precNone {
			if !got.IsZero() {
				t.Errorf("no date but %v", got)
			}
			return
		}
		if got.Location() != loc || got.Year() < 1990 || got.Year() > 2100 || (p != precSecond && got.Second() != 0) || got.Nanosecond() != 0 {
			t.Errorf("parseDate(%q) = %v", s, got)
		}
	})
}

// corpusSeeds lists the pages of the corpora that seed the fuzz tests: all
// cn-news pages and the first ten scrapinghub pages, when present.
func corpusSeeds() []string {
	cn, _ := filepath.Glob(filepath.Join(cnNewsDir, "*.html.gz"))
	sh, _ := filepath.Glob(filepath.Join(scrapinghubDir, "html", "*.html.gz"))
	return append(cn, sh[:min(len(sh), 10)]...)
}

// BenchmarkArticle parses a real Chinese news page and extracts its
// article and links.
func BenchmarkArticle(b *testing.B) {
	name := filepath.Join(cnNewsDir, "shanxi-1.html.gz")
	if _, err := os.Stat(name); err != nil {
		b.Skipf("no corpus: %v", err)
	}
	body := readGz(b, name)
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := Parse(body, "", "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_123456.shtml")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Article(p); err != nil {
			b.Fatal(err)
		}
		e.Links(p)
	}
}

// TestZeroExtractor checks that a nil Extractor works with pure heuristics
// and that one page serves concurrent callers.
func TestZeroExtractor(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "seed-simplified.html"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(body, "", site+"/c/2024/01/29/123456.html")
	if err != nil {
		t.Fatal(err)
	}
	var zero *Extractor
	a, err := zero.Article(p)
	if err != nil || a.Title != "娄底市：外派竞学为干部提能发展提质" {
		t.Errorf("nil extractor: %q, %v", a.Title, err)
	}
	e, _ := New(Options{})
	done := make(chan Article)
	for range 4 {
		go func() {
			a, _ := e.Article(p)
			e.Links(p)
			done <- a
		}()
	}
	for range 4 {
		if got := <-done; got.Body != a.Body {
			t.Errorf("concurrent callers got different bodies")
		}
	}
}

// A summary box before the text is dropped when labelled, or when it is a
// shorter lead the first paragraph repeats; a paragraph printed twice is
// the text's own.
func TestRepeatsNext(t *testing.T) {
	first := "近日，娄底市委组织部选派32名年轻干部赴长沙跟班学习，为期三个月。"
	for _, tc := range []struct {
		p, next string
		want    bool
	}{
		{"【导语】" + first, first + "据介绍。", true},
		{"摘要：" + first, first, true},
		{first, first + "据介绍，全市已累计选派干部586人次。", true},
		{first, first, false},
		{"短句", "短句之后的正文", false},
	} {
		if got := repeatsNext(tc.p, tc.next); got != tc.want {
			t.Errorf("repeatsNext(%q, %q) = %v, want %v", tc.p, tc.next, got, tc.want)
		}
	}
}

func TestLinksFiles(t *testing.T) {
	var items strings.Builder
	for i := range 10 {
		fmt.Fprintf(&items, `<li><a href="/content/2024/01/%02d/1234%02d.html">关于公布第%d批考试录用公务员名单的公告</a><span class="shijian">2024-01-%02d</span></li>`+"\n", i+1, i, i+1, i+1)
	}
	page := `<html><head><title>湖南省考试录用公务员专题-红星网</title></head><body>
<div class="header"><ul class="nav"><a href="/">首页</a><a href="/help/guide.pdf">网站使用指南</a></ul></div>
<div class="topic_main"><h1>湖南省考试录用公务员专题</h1>
<ul class="list-all">` + items.String() + `</ul>
<div class="topic_box"><table class="fj_table"><tr><th>序号</th><th>文件名称</th><th>下载</th></tr>
<tr><td>1</td><td>职位表</td><td><a href="https://img.x.cn/2024/01-29/5f0c.xlsx">下载</a></td></tr>
<tr><td>2</td><td>报名须知</td><td><a href="/files/notice.pdf">报名须知.pdf</a></td></tr>
<tr><td>3</td><td>职位表</td><td><a href="https://img.x.cn/2024/01-29/5f0c.xlsx">下载</a></td></tr>
<tr><td>4</td><td>下载页</td><td><a href="/download.jsp?file=form.docx">报名表</a></td></tr>
</table></div></div>
<div class="footer"><p><a href="/about.html">关于我们</a> <a href="/files/privacy.pdf">隐私政策</a></p><p>主办单位：中共湖南省委组织部</p></div>
</body></html>`
	p, err := Parse([]byte(page), "", "http://www.x.cn/topic/118/index.html")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := New(Options{})
	l := e.Links(p)
	if l.Kind != List {
		t.Fatalf("kind = %v, want list", l.Kind)
	}
	want := []string{"https://img.x.cn/2024/01-29/5f0c.xlsx", "http://www.x.cn/files/notice.pdf", "http://www.x.cn/download.jsp?file=form.docx"}
	if !slices.Equal(l.Files, want) {
		t.Errorf("Files =\n%v\nwant\n%v", l.Files, want)
	}
	for _, u := range l.Other {
		if slices.Contains(want, u) {
			t.Errorf("file %s is in Other too", u)
		}
	}
	if len(l.Articles) != 10 {
		t.Errorf("%d articles, want 10", len(l.Articles))
	}

	// A topic of two items is too short to be a list; its files count.
	short := strings.Replace(page, items.String(), `<li><a href="/content/2024/01/01/123400.html">关于公布考试录用公务员名单的公告</a></li>`, 1)
	if p, err = Parse([]byte(short), "", "http://www.x.cn/topic/118/index.html"); err != nil {
		t.Fatal(err)
	}
	if l = e.Links(p); l.Kind == ArticlePage || !slices.Equal(l.Files, want) {
		t.Errorf("short topic page: kind %v, Files %v", l.Kind, l.Files)
	}
}

// A page control after an unlabelled date is not the source's name.
func TestNameAfterDate(t *testing.T) {
	for gap, want := range map[string]string{
		"2019-09-26 10:56  证券时报网":    "证券时报网",
		"2021-02-18 20:06【打印】【关闭】":   "",
		"2021-02-18 20:06 [打印] [关闭]": "",
		"2021-02-18 20:06 打印 关闭":     "",
		"2021-02-18 20:06 分享":        "",
	} {
		if got := nameAfterDate(gap); got != want {
			t.Errorf("nameAfterDate(%q) = %q, want %q", gap, got, want)
		}
	}
}

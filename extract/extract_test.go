package extract

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json")

// golden is what a testdata page's golden file records.
type golden struct {
	URL      string   `json:"url"`
	Encoding string   `json:"encoding"`
	Links    Links    `json:"links"`
	Article  *Article `json:"article,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// pageCase is one testdata page with the facts a golden must not lose.
type pageCase struct {
	name        string // testdata/<name>.html
	url         string
	contentType string
	opts        Options

	kind      Kind
	title     string
	source    string
	published string // "2006-01-02 15:04" in Asia/Shanghai, "" for none
	column    string
	encoding  string
	noArticle bool     // Article must fail with ErrNoArticle
	bodyHas   []string // substrings the body must contain
	bodyLacks []string // substrings the body must not contain
	firstPara string   // the body's first paragraph
	lastPara  string   // the body's last paragraph
	nArticles int      // list pages: number of item links
	pages     []string // Pagination or ArticlePages, in full, when set
	nPages    int      // number of Pagination/ArticlePages entries, when pages is nil
}

const site = "http://www.hnredstar.gov.cn"

// junk is text that must never reach a body.
var junk = []string{"红河县", "德惠市", "主办单位", "技术支持", "ICP", "位来访者", "欢迎您访问", "分享到", "打印本页", "关闭窗口", "相关新闻", "责任编辑", "文章来源", "主辦單位", "技術支持", "來訪者"}

var pageCases = []pageCase{
	{
		name: "seed-simplified", url: site + "/c/2024/01/29/123456.html",
		kind: ArticlePage, title: "娄底市：外派竞学为干部提能发展提质", source: "红星云", published: "2024-01-29 15:20", column: "市县动态",
		bodyHas:   []string{"瞄准重点领域精准选派\n近日", "聚焦提能增智全情投入", "围绕产业“三引”活学活用", "在学习中解放思想、开阔视野、提升能力，在实践中拓宽领域"},
		bodyLacks: junk,
		firstPara: "2023年，娄底市委分批选派县处级优秀年轻干部到杭州市委党校主体班沉浸式竞学，在学习中解放思想、开阔视野、提升能力，在实践中拓宽领域、搭建渠道、促成合作，推动更多浙江经验转化为“娄底实践”。",
		lastPara:  "“三引”效果不仅体现在培训期间，还延伸到了工作实践。2023年5月下旬，浙江铭扬文旅建设集团专门到娄底经开区，就高登河、西阳河沿岸整体开发进行调研，达成了初步合作意向。据了解，前两批竞学小组学成归来后，通过感情联络、阶段互访，招来了一批客商、引来了一批人才、对接了一批项目，推动娄杭之间实现更大力度、更宽领域、更高水平的交流合作。",
	},
	{
		name: "seed-traditional", url: site + "/c/2024/01/29/123456.html",
		kind: ArticlePage, title: "婁底市:外派競學為干部提能發展提質", source: "紅星云", published: "2024-01-29 15:20",
		bodyHas:   []string{"瞄準重點領域精準選派", "聚焦提能增智全情投入", "沉浸式競學,在學習中"},
		bodyLacks: append(append([]string{}, junk...), "(xué)", "(fā)"),
		lastPara:  "“三引”效果不僅體現在培訓期間,還延伸到了工作實踐。2023年5月下旬,浙江銘揚文旅建設集團專門到婁底經開區,就高登河、西陽河沿岸整體開發進行調研,達成了初步合作意向。據了解,前兩批競學小組學成歸來后,通過感情聯絡、階段互訪,招來了一批客商、引來了一批人才、對接了一批項目,推動婁杭之間實現更大力度、更寬領域、更高水平的交流合作。",
	},
	{
		name: "gbk-header", url: site + "/c/col106/202401/t20240129_200001.html", contentType: "text/html; charset=GBK",
		kind: ArticlePage, encoding: "gb18030", title: "关于开展2024年度干部教育培训工作的通知", source: "中共湖南省委组织部", published: "2024-01-29 15:20", column: "公示公告",
		bodyHas: []string{"一、培训对象\n全省县处级", "附件：1.2024年度干部教育培训计划.docx"}, bodyLacks: append(append([]string{}, junk...), "浏览次数", "[打印]"),
		firstPara: "各市州委组织部，省直各单位组织人事部门：", lastPara: "2024年1月29日",
	},
	{
		name: "gbk-meta", url: site + "/c/col106/202401/t20240129_200001.html", contentType: "text/html",
		kind: ArticlePage, encoding: "gb18030", title: "关于开展2024年度干部教育培训工作的通知", source: "中共湖南省委组织部", published: "2024-01-29 15:20",
		bodyLacks: junk,
	},
	{
		name: "gbk-sniff", url: site + "/c/col106/202401/t20240129_200001.html",
		kind: ArticlePage, encoding: "gb18030", title: "关于开展2024年度干部教育培训工作的通知", source: "中共湖南省委组织部", published: "2024-01-29 15:20",
		bodyLacks: junk,
	},
	{
		name: "meta-tags", url: site + "/c/col102/202401/t20240129_123457.html",
		kind: ArticlePage, title: "湖南出台意见激励干部担当作为", source: "湖南日报", published: "2024-01-29 15:20", column: "干部工作",
		bodyLacks: append(append([]string{}, junk...), "相关链接", "我省召开干部工作会议", "字号"),
		firstPara: "近日，省委办公厅印发《关于进一步激励干部担当作为的若干措施》，从选拔任用、考核评价、容错纠错、关心关爱等方面提出18条具体举措。",
	},
	{
		name: "line-fullwidth", url: site + "/c/2024/01/29/200002.html",
		kind: ArticlePage, title: "株洲市召开全市组织工作会议", source: "株洲日报", published: "2024-01-29 00:00", column: "市县动态",
		bodyLacks: append(append([]string{}, junk...), "浏览次数"),
	},
	{
		name: "line-traditional", url: site + "/c/2024/01/29/200002.html",
		kind: ArticlePage, title: "株洲市召開全市組織工作會議", source: "紅網", published: "2024-01-29 08:05", column: "市縣動態",
		bodyLacks: append(append([]string{}, junk...), "責任編輯", "字號"),
	},
	{
		name: "line-dots", url: site + "/c/2024/01/29/200002.html",
		kind: ArticlePage, title: "株洲市召开全市组织工作会议", source: "新华社", published: "2024-01-29 00:00",
		bodyLacks: append(append([]string{}, junk...), "王五", "QQ空间"),
	},
	{
		name: "date-url-only", url: site + "/c/2024/01/28/200003.html",
		kind: ArticlePage, title: "株洲市召开全市组织工作会议", published: "2024-01-28 00:00",
		bodyLacks: junk,
	},
	{
		name: "list-numbered", url: site + "/c/col105/index.html",
		kind: List, column: "市县动态", noArticle: true, nArticles: 20,
		pages: pageRange(site+"/c/col105/index_%d.html", 1, 9),
	},
	{
		name: "list-nextlast", url: site + "/c/col105/index_3.html",
		kind: List, column: "市县动态", noArticle: true, nArticles: 15,
		pages: append(append([]string{site + "/c/col105/index.html"}, pageRange(site+"/c/col105/index_%d.html", 1, 2)...), pageRange(site+"/c/col105/index_%d.html", 4, 9)...),
	},
	{
		name: "list-createpage", url: site + "/c/col105/index.html",
		kind: List, column: "市县动态", noArticle: true, nArticles: 20,
		pages: pageRange(site+"/c/col105/index_%d.html", 1, 6),
	},
	{
		name: "list-query", url: site + "/list.jsp?columnId=105&pageNo=1",
		kind: List, column: "市县动态", noArticle: true, nArticles: 20,
		pages: pageRange(site+"/list.jsp?columnId=105&pageNo=%d", 2, 12),
	},
	{
		name: "list-hanweb-shell", url: site + "/col/col105/index.html",
		kind: List, column: "市县动态", noArticle: true, nArticles: 15,
		pages: []string{
			site + "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15&appid=1&webid=1&path=/&columnid=105&unitid=4567&webname=%E7%BA%A2%E6%98%9F%E7%BD%91&permissiontype=0",
			site + "/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15&appid=1&webid=1&path=/&columnid=105&unitid=4567&webname=%E7%BA%A2%E6%98%9F%E7%BD%91&permissiontype=0",
			site + "/module/web/jpage/dataproxy.jsp?startrecord=91&endrecord=100&perpage=15&appid=1&webid=1&path=/&columnid=105&unitid=4567&webname=%E7%BA%A2%E6%98%9F%E7%BD%91&permissiontype=0",
		},
	},
	{
		name: "list-hanweb-proxy", url: site + "/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15&columnid=105&unitid=4567",
		kind: List, noArticle: true, nArticles: 15,
		pages: []string{
			site + "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15&columnid=105&unitid=4567",
			site + "/module/web/jpage/dataproxy.jsp?startrecord=91&endrecord=100&perpage=15&columnid=105&unitid=4567",
		},
	},
	{
		name: "article-trs-multipage", url: site + "/c/col102/202401/t20240129_123456.html",
		kind: ArticlePage, title: "我省持续深化干部人事制度改革", source: "红星网", published: "2024-01-29 15:20", column: "干部工作",
		bodyHas: []string{"一、坚持好干部标准，树立鲜明用人导向"}, bodyLacks: junk,
		pages: []string{site + "/c/col102/202401/t20240129_123456_1.html", site + "/c/col102/202401/t20240129_123456_2.html"},
	},
	{
		name: "article-numbered", url: site + "/c/2024/01/29/123456.html",
		kind: ArticlePage, title: "我省持续深化干部人事制度改革", source: "红星网", published: "2024-01-29 15:20",
		bodyLacks: append(append([]string{}, junk...), "下一页"),
		pages:     []string{site + "/c/2024/01/29/123456_2.html", site + "/c/2024/01/29/123456_3.html"},
	},
	{
		name: "article-classes", url: site + "/c/2024/01/29/123459.html",
		kind: ArticlePage, title: "株洲市召开全市组织工作会议", source: "株洲日报", published: "2024-01-29 09:30",
		bodyLacks: append(append([]string{}, junk...), "刘洋", "上一篇", "李华"),
	},
	{
		name: "list-table", url: site + "/xxgk/gsgg/list_2.htm",
		kind: List, column: "公示公告", noArticle: true, nArticles: 18,
		pages: []string{site + "/xxgk/gsgg/list.htm", site + "/xxgk/gsgg/list_3.htm", site + "/xxgk/gsgg/list_4.htm", site + "/xxgk/gsgg/list_5.htm"},
	},
	{
		name: "list-inline", url: site + "/c/rcgz/index.shtml",
		kind: List, noArticle: true, nArticles: 16,
		pages: pageRange(site+"/c/rcgz/index_%d.shtml", 1, 4),
	},
	{
		name: "article-plain-title", url: site + "/c/2024/01/29/123460.html",
		kind: ArticlePage, title: "株洲市召开全市组织工作会议 部署2024年重点任务", source: "株洲组工", published: "2024-01-29 10:05:12",
		bodyLacks: append(append([]string{}, junk...), "点击"),
		lastPara:  "会议要求，新的一年要突出抓好干部教育培训、优化干部成长路径，持续推动基层治理提质增效，以组织工作高质量发展服务现代化新湖南建设。",
	},
	{name: "challenge", url: site + "/c/2024/01/29/123456.html", kind: Challenge, noArticle: true},
	{name: "challenge-reload", url: site + "/", kind: Challenge, noArticle: true},
	{
		name: "base-href", url: site + "/c/2024/01/29/123458.html",
		kind: ArticlePage, title: "株洲市召开全市组织工作会议", source: "株洲日报", published: "2024-01-29 09:30",
		bodyLacks: append(append([]string{}, junk...), "下一篇"),
	},
}

func TestPages(t *testing.T) {
	loc := defaultLocation()
	for _, tc := range pageCases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.name+".html"))
			if err != nil {
				t.Fatal(err)
			}
			e, err := New(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(body, tc.contentType, tc.url)
			if err != nil {
				t.Fatal(err)
			}
			g := golden{URL: tc.url, Encoding: p.Encoding, Links: e.Links(p)}
			art, aerr := e.Article(p)
			if aerr != nil {
				g.Error = aerr.Error()
			} else {
				g.Article = &art
			}
			checkGolden(t, tc.name, g)

			l := g.Links
			if l.Kind != tc.kind {
				t.Errorf("kind = %v, want %v (%s)", l.Kind, tc.kind, art.Explain["kind"])
			}
			if tc.encoding != "" && p.Encoding != tc.encoding {
				t.Errorf("encoding = %q, want %q", p.Encoding, tc.encoding)
			}
			if tc.noArticle {
				if !errors.Is(aerr, ErrNoArticle) {
					t.Errorf("Article error = %v, want ErrNoArticle", aerr)
				}
			} else if aerr != nil {
				t.Errorf("Article: %v", aerr)
			}
			if tc.title != "" && art.Title != tc.title {
				t.Errorf("title = %q, want %q (%s)", art.Title, tc.title, art.Explain["title"])
			}
			if tc.source != "" && art.Source != tc.source {
				t.Errorf("source = %q, want %q (%s)", art.Source, tc.source, art.Explain["source"])
			}
			if tc.published != "" {
				layout := "2006-01-02 15:04"
				if len(tc.published) > len(layout) {
					layout += ":05"
				}
				want, err := time.ParseInLocation(layout, tc.published, loc)
				if err != nil {
					t.Fatal(err)
				}
				if !art.Published.Equal(want) {
					t.Errorf("published = %v, want %v (%s)", art.Published, want, art.Explain["published"])
				}
			}
			if tc.column != "" && art.Column != tc.column && l.Column != tc.column {
				t.Errorf("column = %q (links %q), want %q", art.Column, l.Column, tc.column)
			}
			for _, s := range tc.bodyHas {
				if !strings.Contains(art.Body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			for _, s := range tc.bodyLacks {
				if strings.Contains(art.Body, s) {
					t.Errorf("body contains %q", s)
				}
			}
			paras := strings.Split(art.Body, "\n")
			if tc.firstPara != "" && paras[0] != tc.firstPara {
				t.Errorf("first paragraph = %q, want %q", paras[0], tc.firstPara)
			}
			if tc.lastPara != "" && paras[len(paras)-1] != tc.lastPara {
				t.Errorf("last paragraph = %q, want %q", paras[len(paras)-1], tc.lastPara)
			}
			if tc.nArticles > 0 && len(l.Articles) != tc.nArticles {
				t.Errorf("%d article links, want %d", len(l.Articles), tc.nArticles)
			}
			got := l.Pagination
			if tc.kind == ArticlePage {
				got = l.ArticlePages
			}
			if tc.pages != nil && strings.Join(got, "\n") != strings.Join(tc.pages, "\n") {
				t.Errorf("pages =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.pages, "\n"))
			}
			if tc.nPages > 0 && len(got) != tc.nPages {
				t.Errorf("%d pages, want %d: %v", len(got), tc.nPages, got)
			}
		})
	}
}

// pageRange formats URLs from a pattern with one %d, for from..to.
func pageRange(pattern string, from, to int) []string {
	var out []string
	for n := from; n <= to; n++ {
		out = append(out, fmt.Sprintf(pattern, n))
	}
	return out
}

// checkGolden compares g with testdata/<name>.golden.json, or rewrites
// the file under -update.
func checkGolden(t *testing.T, name string, g golden) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(g); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./extract -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s differs from the golden (run go test ./extract -update and review the diff):\n%s", path, firstDiff(string(want), buf.String()))
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n- " + x + "\n+ " + y
		}
	}
	return ""
}

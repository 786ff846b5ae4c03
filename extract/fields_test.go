package extract

import (
	"html"
	"testing"
	"time"
)

// TestParseDateSpellings covers the date spellings of Chinese government
// and news pages.
func TestParseDateSpellings(t *testing.T) {
	loc := defaultLocation()
	cases := []struct {
		in, want string // want "2006-01-02 15:04", or "" for no date
	}{
		{"2024-01-29 15:20", "2024-01-29 15:20"},
		{"2024-1-9 9:05", "2024-01-09 09:05"},
		{"2024-01-29 15:20:33", "2024-01-29 15:20"},
		{"2024-01-29 15:20:33.0", "2024-01-29 15:20"},
		{"2024/01/29 15:20", "2024-01-29 15:20"},
		{"2024/1/29", "2024-01-29 00:00"},
		{"2024.1.29 15:20", "2024-01-29 15:20"},
		{"2024年01月29日 15:20", "2024-01-29 15:20"},
		{"2024年1月29日15:20", "2024-01-29 15:20"},
		{"2024年01月29日15时20分", "2024-01-29 15:20"},
		{"2024年1月29日 15時20分33秒", "2024-01-29 15:20"},
		{"2024年1月29日 15点20分", "2024-01-29 15:20"},
		{"2024 年 1 月 29 日", "2024-01-29 00:00"},
		{"2024年1月29号", "2024-01-29 00:00"},
		{"发布时间：2024-01-29", "2024-01-29 00:00"},
		{"发布时间:2024-01-29 15:20", "2024-01-29 15:20"},
		{"發佈時間：2024年1月29日", "2024-01-29 00:00"},
		{"時間：2024-01-29　15:20", "2024-01-29 15:20"},
		{html.UnescapeString("发布日期：2024-01-29&nbsp;15:20"), "2024-01-29 15:20"},
		{"日期：2024-01-29 星期一", "2024-01-29 00:00"},
		{"2024年1月29日 星期一 15:20", "2024-01-29 15:20"},
		{"2024年1月29日 周一 15:20", "2024-01-29 15:20"},
		{"2024-01-29 下午3:20", "2024-01-29 15:20"},
		{"2024-01-29 上午12:05", "2024-01-29 00:05"},
		{"2024-01-29 3:20 PM", "2024-01-29 15:20"},
		{"2024-01-29 12:05 am", "2024-01-29 00:05"},
		{"2024-01-29T15:20", "2024-01-29 15:20"},
		{"2024-01-29T15:20:33+08:00", "2024-01-29 15:20"},
		{"2024-01-29T07:20:33Z", "2024-01-29 15:20"},
		{"2024-01-29T02:20:00-05:00", "2024-01-29 15:20"},
		{"２０２４年０１月２９日　１５：２０", "2024-01-29 15:20"},
		{"２０２４－１－２９", "2024-01-29 00:00"},
		{"二〇二四年一月二十九日", "2024-01-29 00:00"},
		{"二〇二三年十二月三十一日", "2023-12-31 00:00"},
		{"2024-01-29 来源：新华网", "2024-01-29 00:00"},
		{"来源：新华网 2024-01-29 15:20", "2024-01-29 15:20"},
		{"[2024-01-29]", "2024-01-29 00:00"},
		{"（2024年1月29日）", "2024-01-29 00:00"},
		{"2024-01-29 25:61", "2024-01-29 00:00"},
		{"2024-02-29", "2024-02-29 00:00"},
		{"2023-02-29", ""},
		{"2024-13-01", ""},
		{"1989-06-01", ""},
		{"电话：13820240129", ""},
		{"编号：202401291520", ""},
		{"1-10月，全县固定资产投资", ""},
		{"01-29 15:20", ""},
		{"浏览次数：2024", ""},
		{"", ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, p := parseDate(tc.in, loc)
			if tc.want == "" {
				if p != precNone {
					t.Errorf("got %v, want no date", got)
				}
				return
			}
			if p == precNone || got.Format("2006-01-02 15:04") != tc.want || got.Location() != loc {
				t.Errorf("got %v (%v), want %s in %v", got, p, tc.want, loc)
			}
		})
	}
}

// TestMetaLineSpellings reads source, time, author and editor from the
// visible lines of many sites.
func TestMetaLineSpellings(t *testing.T) {
	loc := defaultLocation()
	cases := []struct {
		line           string
		source, date   string // date "2006-01-02 15:04" or ""
		author, editor string
	}{
		{"文章来源：红星云  发布时间：2024-01-29 15:20", "红星云", "2024-01-29 15:20", "", ""},
		{"来源：新华网", "新华网", "", "", ""},
		{"来源:新华网 时间:2024-01-29", "新华网", "2024-01-29 00:00", "", ""},
		{"來源：紅星雲  發佈時間：2024年1月29日 15:20", "紅星雲", "2024-01-29 15:20", "", ""},
		{"信息来源：中共湖南省委组织部", "中共湖南省委组织部", "", "", ""},
		{"稿件来源：湖南日报", "湖南日报", "", "", ""},
		{"来源于：东区办事处", "东区办事处", "", "", ""},
		{"发布机构：湖南省人民政府办公厅", "湖南省人民政府办公厅", "", "", ""},
		{"来　源：红星云", "红星云", "", "", ""},
		{"来 源 ： 红星云", "红星云", "", "", ""},
		{"来源：\u00a0红星云\u00a0\u00a0时间：2024-01-29", "红星云", "2024-01-29 00:00", "", ""},
		{"来源：红星云\u3000\u3000发布时间：2024年01月29日", "红星云", "2024-01-29 00:00", "", ""},
		{"来源：红星云 | 作者：张三 | 编辑：李四", "红星云", "", "张三", "李四"},
		{"发布时间：2024-01-29 15:20  来源：湖南日报", "湖南日报", "2024-01-29 15:20", "", ""},
		{"2024-01-29 15:20  来源：新华社", "新华社", "2024-01-29 15:20", "", ""},
		{"【来源：人民网】", "人民网", "", "", ""},
		{"[来源：人民网]", "人民网", "", "", ""},
		{"来源：人民网-文化频道", "人民网-文化频道", "", "", ""},
		{"來源：中央社 | 發佈時間：2024年1月29日", "中央社", "2024-01-29 00:00", "", ""},
		{"出处：光明日报", "光明日报", "", "", ""},
		{"作者：张三  责任编辑：李四", "", "", "张三", "李四"},
		{"作者:张三 编辑:李四", "", "", "张三", "李四"},
		{"责编：王五", "", "", "", "王五"},
		{"【责任编辑：王五】", "", "", "", "王五"},
		{"（责任编辑：王五）", "", "", "", "王五"},
		{"責任編輯：王五", "", "", "", "王五"},
		{"文/张三", "", "", "张三", ""},
		{"记者 张三", "", "", "张三", ""},
		{"时间：2024-01-29 15:20  浏览次数：123", "", "2024-01-29 15:20", "", ""},
		{"发布日期：2024-01-29 字号：大 中 小", "", "2024-01-29 00:00", "", ""},
		{"日期：2024年1月29日  来源：本站  浏览：56", "本站", "2024-01-29 00:00", "", ""},
		{"活动时间：2024-01-29", "", "", "", ""},
		{"资金来源：财政拨款", "", "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			ml := parseMetaLine(gapText(tc.line), loc)
			date := ""
			if ml.prec != precNone {
				date = ml.date.Format("2006-01-02 15:04")
			}
			if ml.source != tc.source || date != tc.date || ml.author != tc.author || ml.editor != tc.editor {
				t.Errorf("got source %q, date %q, author %q, editor %q; want %q, %q, %q, %q",
					ml.source, date, ml.author, ml.editor, tc.source, tc.date, tc.author, tc.editor)
			}
		})
	}
}

// TestCleanTitle drops site-name suffixes from document titles.
func TestCleanTitle(t *testing.T) {
	cases := []struct{ in, want string }{
		{"娄底市：外派竞学为干部提能发展提质 - 红星网", "娄底市：外派竞学为干部提能发展提质"},
		{"娄底市：外派竞学为干部提能发展提质_红星网", "娄底市：外派竞学为干部提能发展提质"},
		{"娄底市：外派竞学为干部提能发展提质 | 红星网", "娄底市：外派竞学为干部提能发展提质"},
		{"娄底市：外派竞学为干部提能发展提质｜红星网", "娄底市：外派竞学为干部提能发展提质"},
		{"娄底市：外派竞学为干部提能发展提质——红星网", "娄底市：外派竞学为干部提能发展提质"},
		{"娄底市：外派竞学为干部提能发展提质 — 红星网", "娄底市：外派竞学为干部提能发展提质"},
		{"娄底市：外派竞学为干部提能发展提质_市县动态_红星网", "娄底市：外派竞学为干部提能发展提质"},
		{"关于开展2024年度干部教育培训工作的通知--中共湖南省委组织部", "关于开展2024年度干部教育培训工作的通知"},
		{"  娄底市：外派竞学  -  红星网 ", "娄底市：外派竞学"},
		{"红星网", "红星网"},
		{"新闻 - 红星网", "红星网"},
		{"Esper says US providing Vietnam with coast guard ship - Houston Chronicle", "Esper says US providing Vietnam with coast guard ship"},
	}
	for _, tc := range cases {
		if got := cleanTitle(tc.in); got != tc.want {
			t.Errorf("cleanTitle(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestTitleOnPages finds headlines written in the ways article pages
// write them.
func TestTitleOnPages(t *testing.T) {
	const body = `<p>近日，娄底市委分批选派县处级优秀年轻干部到杭州市委党校主体班沉浸式竞学，在学习中解放思想、开阔视野、提升能力，在实践中拓宽领域、搭建渠道、促成合作，推动更多浙江经验转化为“娄底实践”。</p><p>竞学期间，学员们走进企业、园区和乡村，围绕产业发展、招商引资、基层治理等主题开展调研，形成了一批有价值的调研成果和工作建议。</p>`
	cases := []struct{ name, page, want string }{
		{"h1", `<title>娄底市外派竞学 - 红星网</title><h1>娄底市外派竞学</h1><div>来源：红星云 时间：2024-01-29</div>` + body, "娄底市外派竞学"},
		{"meta ArticleTitle", `<meta name="ArticleTitle" content="娄底市外派竞学"><title>红星网</title><h1>红星网</h1>` + body, "娄底市外派竞学"},
		{"class title", `<title>娄底市外派竞学_红星网</title><div class="title">娄底市外派竞学</div><p>来源：红星云</p>` + body, "娄底市外派竞学"},
		{"title broken by br", `<title>娄底市：外派竞学为干部提能发展提质 - 红星网</title><h2>娄底市：外派竞学<br>为干部提能发展提质</h2>` + body, "娄底市：外派竞学为干部提能发展提质"},
		{"line before the source line", `<title>红星网</title><div><b>娄底市外派竞学见成效</b></div><div>来源：红星云 发布时间：2024-01-29</div>` + body, "娄底市外派竞学见成效"},
		{"og:title", `<meta property="og:title" content="娄底市外派竞学"><title>红星网</title>` + body, "娄底市外派竞学"},
		{"traditional", `<title>婁底市外派競學 - 紅星網</title><h1>婁底市外派競學</h1>` + body, "婁底市外派競學"},
	}
	e, _ := New(Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse([]byte(tc.page), "text/html; charset=utf-8", site+"/c/2024/01/29/1.html")
			if err != nil {
				t.Fatal(err)
			}
			a, _ := e.Article(p)
			if a.Title != tc.want {
				t.Errorf("title %q (%s), want %q", a.Title, a.Explain["title"], tc.want)
			}
		})
	}
}

// TestWordSet checks the literal matcher against word boundaries.
func TestWordSet(t *testing.T) {
	ws := newWordSet(`share|\bnav|\bad\b|foot`)
	for s, want := range map[string]bool{
		"social-share": true, "navbar": true, "subnav": false, "top-nav": true, "ad": true, "ad-slot": true,
		"head": false, "load": false, "footer": true, "": false, "main content": false,
	} {
		if got := ws.match(s); got != want {
			t.Errorf("match(%q) = %v, want %v", s, got, want)
		}
	}
	_ = time.Second
}

// TestLabelsAreWide guards an assumption of the segmenter: every label is
// written in East Asian wide characters, so lines without any need no
// label search.
func TestLabelsAreWide(t *testing.T) {
	for _, ws := range labelWords {
		for _, w := range ws {
			for _, r := range w {
				if !isWide(r) {
					t.Errorf("label %q has %q, not a wide character", w, r)
				}
			}
		}
	}
}

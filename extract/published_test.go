package extract

import (
	"fmt"
	"testing"
	"time"
)

// TestPublishedRules checks which time is the publication time: the one
// printed beside the headline; meta tags only when the page prints none, or
// refining a printed day or minute they agree with.
func TestPublishedRules(t *testing.T) {
	const page = `<html><head><title>株洲市召开全市组织工作会议 - 红星网</title>%s</head><body>
<div class="nav"><a href="/">首页</a> <a href="/c/zgxx/index.html">组工信息</a></div>
<h1>株洲市召开全市组织工作会议</h1>
<div class="info">%s</div>
<div class="content"><p>1月29日，株洲市召开全市组织工作会议，总结2023年全市组织工作，部署2024年重点任务。会议强调，要坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实新时代党的组织路线。</p>
<p>会议要求，各级组织部门要聚焦中心大局，持续深化模范机关建设，推动组织工作高质量发展，为谱写中国式现代化株洲篇章提供坚强组织保证。</p></div>
</body></html>`
	cases := []struct {
		name, meta, line, want, rule string
	}{
		{"printed minute, later update in meta", `<meta property="article:published_time" content="2024-02-03T09:12:45+08:00">`,
			"来源：株洲组工 时间：2024-01-29 15:20", "2024-01-29 15:20:00", "line 时间："},
		{"printed day, later update in meta", `<meta property="article:published_time" content="2024-02-03T09:12:45+08:00">`,
			"来源：株洲组工 发布日期：2024-01-29", "2024-01-29 00:00:00", "line 发布日期："},
		{"printed day, PubDate gives the minute", `<meta name="PubDate" content="2024-01-29 15:20">`,
			"发布日期：2024-01-29", "2024-01-29 15:20:00", "meta PubDate"},
		{"printed minute, meta adds seconds", `<meta name="PubDate" content="2024-01-29 15:20"><meta property="article:published_time" content="2024-01-29T15:20:37+08:00">`,
			"时间：2024年01月29日 15:20", "2024-01-29 15:20:37", "line 时间： (seconds from meta article:published_time)"},
		{"printed minute, meta another minute", `<meta name="PubDate" content="2024-01-29 08:00">`,
			"时间：2024-01-29 15:20", "2024-01-29 15:20:00", "line 时间："},
		{"printed seconds", ``, "发布时间：2024-01-29 15:20:08", "2024-01-29 15:20:08", "line 发布时间："},
		{"nothing printed", `<meta name="PubDate" content="2024-01-29 15:20">`, "来源：株洲组工", "2024-01-29 15:20:00", "meta PubDate"},
		{"publication then update", ``, "发布时间：2024-01-29 15:20 更新时间：2024-02-03 09:12", "2024-01-29 15:20:00", "line 发布时间："},
		{"update then publication", ``, "更新时间：2024-02-03 09:12 发布时间：2024-01-29 15:20", "2024-01-29 15:20:00", "line 发布时间："},
		{"unlabelled date then update", ``, "2024-01-29 15:20 修改时间：2024-02-03 09:12 来源：株洲组工", "2024-01-29 15:20:00", "line (unlabeled date near title)"},
		{"update in its own element", `<meta property="article:published_time" content="2024-02-03T09:12:00+08:00">`,
			"<span>发布时间：2024/1/29 15:20</span><span>更新时间：2024/2/3 09:12</span>", "2024-01-29 15:20:00", "line 发布时间："},
	}
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse([]byte(fmt.Sprintf(page, tc.meta, tc.line)), "text/html; charset=utf-8", "http://www.hnredstar.gov.cn/c/zgxx/a.html")
			if err != nil {
				t.Fatal(err)
			}
			a, _ := e.Article(p)
			if got := a.Published.Format(time.DateTime); got != tc.want || a.Explain["published"] != tc.rule {
				t.Errorf("published %s (%s), want %s (%s)", got, a.Explain["published"], tc.want, tc.rule)
			}
		})
	}
}

package simsite

import (
	"strconv"
	"strings"
	"time"
)

// The templates of revampDay: each differs from the old ones in ways real
// Chinese government CMSs differ, so that an extractor tuned on the old
// templates meets markup it was not written for.

// subtitle returns a subtitle (副标题) for the article: a dash line naming
// the place and the topic, as government sites print under a headline.
func (a *artPage) subtitle() string {
	r := newRNG(a.s.seed, tagSubtitle, uint64(a.p.id))
	return "——" + a.p.tc.place + pick(&r, topicFocus[a.p.tc.topic]) + pick(&r, []string{"工作纪实", "工作综述", "经验做法", "工作侧记"})
}

// detail: the rednet platform's detail template (the markup family of
// rednet.cn): h1.detail_title, a div.content_info of spans with an unlabelled
// span.pubdate or div.time date, a 阅读 count filled in by script,
// section.detail_article_content#articlecontent, footer lines written by
// script.
func (a *artPage) detail(b *strings.Builder) {
	p, c := a.p, a.col
	a.head(b, "<!DOCTYPE html>\n<html lang=\"zh\">", p.title+"-红星网")
	w(b, `<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="description" content="`, esc(p.desc), `">
<link rel="stylesheet" href="/css/common.css"><link rel="stylesheet" href="/css/detail.css">
<script src="/js/jquery.min.js"></script>
`, commonHeadJS, "</head>\n<body>\n")
	a.s.writeTop(b, c.idx, false)
	doc := strconv.Itoa(a.s.docID(p.id, a.copy))
	w(b, `<div class="w1200 clearfix"><div class="detail_left fl">`+"\n")
	a.s.writeCrumb(b, "detail_crumb m_b_25", "位置：", " &gt; ", "/", c, a.s.colHref(c), "")
	w(b, `<h1 class="detail_title">`, esc(p.title), "</h1>\n")
	dateEl := `<span class="pubdate p_l_25">` + a.date(p.dateFmt) + `</span>`
	if p.id%2 == 1 {
		dateEl = `<div class="time">` + a.date(p.dateFmt) + `</div>`
	}
	w(b, `<div class="content_info clearfix m_b_25">`)
	if p.id%2 == 1 {
		w(b, dateEl)
	}
	if p.source != "" {
		w(b, "\n", `<span class="p_l_25">`, p.srcLabel, p.colon, esc(p.source), `</span>`)
	}
	if p.author != "" {
		w(b, "\n", `<span class="p_l_25">作者`, p.colon, esc(p.author), `</span>`)
	}
	if p.id%2 == 0 {
		w(b, "\n", dateEl)
	}
	w(b, "\n", `<span class="p_l_25">阅读：<span id="readnum_`, doc, `"></span></span>
</div>
<section class="detail_article_content" id="articlecontent">
`)
	a.bodyItems(b,
		func(t string) string { return `<p style="text-indent:2em;">` + t + "</p>\n" },
		func(h string) string { return `<p style="text-indent:2em;"><strong>` + h + "</strong></p>\n" },
		func(src, _, _ string) string {
			return `<p style="text-align:center;"><img src="` + src + `" width="600"></p>` + "\n"
		},
		func(href, pre, link string) string {
			return `<p>` + pre + `<a href="` + href + `" target="_blank">` + link + "</a></p>\n"
		})
	w(b, "</section>\n")
	if len(a.pages) > 1 {
		a.numberedPager(b, "page_box m_b_25", true)
	}
	w(b, a.editorLine(`<div class="m_b_25 editor">`, "</div>\n"))
	w(b, `<div class="detail_share">分享到：<a class="wx" href="javascript:;"></a><a class="wb" href="javascript:;"></a></div>
<script>$.getJSON("/hits/`, doc, `",function(d){$("#readnum_`, doc, `").text(d.count)});</script>
</div>
`)
	a.related(b, `<div class="detail_right fr"><div class="hot_title">`, "热点推荐", "</div>\n<ul class=\"hot_list\">\n")
	w(b, "</div>\n")
	count := strconv.FormatUint(10000000+hashString(a.s.seed, a.path)%9000000, 10)
	w(b, `<div class="footer"><div class="w1200">
<p><a href="/about.html">关于我们</a> | <a href="/sitemap.html">网站地图</a> | <a href="/private/notice.html">内部通知</a></p>
<p>主办单位：中共湖南省委组织部&nbsp;&nbsp;技术支持：湖南红网新媒体集团</p>
<p><script>document.write('ICP备案号：<a href="https://beian.miit.gov.cn/" target="_blank">湘ICP备17016663号-1</a>');</script></p>
<p><script>document.write("欢迎您访问红星网&nbsp;&nbsp;您是第 <span>`, count, `</span> 位来访者");</script></p>
</div></div>
`)
	a.s.writeSpam(b, a.path)
	w(b, "</body>\n</html>\n")
}

// gov: a TRS government-portal template: the title in an h2 with a
// subtitle in an h3 below it, labels in <i> elements on separate lines,
// 发布时间 followed by a later 更新时间 (also in article:published_time), a
// 摘要 box repeating the first sentence, paragraphs as <div>s with
// full-width indents, createPageHTML pager.
func (a *artPage) gov(b *strings.Builder) {
	p, c := a.p, a.col
	a.head(b, "<!DOCTYPE html>\n<html>", p.title+"_"+c.name+"_红星网")
	updated := a.t.Add(time.Duration(26+p.id%300)*time.Hour + time.Duration(p.id%47)*time.Minute)
	w(b, `<meta name="SiteName" content="红星网">
<meta name="ColumnName" content="`, c.name, `">
<meta name="ArticleTitle" content="`, esc(p.title), `">
<meta name="PubDate" content="`, a.t.Format("2006-01-02 15:04"), `">
<meta name="ContentSource" content="`, esc(p.source), `">
<meta property="article:published_time" content="`, updated.Format("2006-01-02T15:04:05+08:00"), `">
<meta property="article:modified_time" content="`, updated.Format("2006-01-02T15:04:05+08:00"), `">
<link rel="stylesheet" href="../../../css/detail.css">
`, commonHeadJS, createPageJS, "</head>\n<body>\n")
	a.s.writeTop(b, c.idx, false)
	w(b, `<div class="detail-wrap w1200">`+"\n")
	a.s.writeCrumb(b, "detail-crumb", "当前位置：", " &gt; ", relPath(a.dir, "/"), c, relPath(a.dir, a.s.colHref(c)), "")
	w(b, `<div class="detail-article">
<!-- Title -->
<div class="detail-article-title">
    <h2>`, esc(p.title), `</h2>

    <h3>`, esc(a.subtitle()), `</h3>
</div>
<ul class="detail-article-infos">
  <li class="article-infos-source left">
`)
	layout := p.dateFmt
	if layout == fmtDaySlash || layout == fmtDayCN {
		layout = fmtDayDash
	}
	w(b, `    <span><i>发布时间：</i>`, a.date(layout), "</span>\n")
	w(b, `    <span><i>更新时间：</i>`, updated.Format(dateLayouts[layout]), "</span>\n")
	if p.source != "" {
		w(b, "    <span><i>来源：</i>\n        ", esc(p.source), "\n    </span>\n")
	}
	if p.author != "" {
		w(b, "    <span><i>作者：</i>", esc(p.author), "</span>\n")
	}
	w(b, `  </li>
  <li class="article-infos-func right"><span class="article-printer">打印</span>
    <span class="article-zoom"><i>字体：</i><a href="javascript:doZoom(18);">放大</a> <a href="javascript:doZoom(16);">正常</a> <a href="javascript:doZoom(14);">缩小</a></span>
    <span class="article-share"><i></i>分享</span></li>
</ul>
`)
	if a.pg == 0 {
		if first := a.firstSentence(); first != "" {
			w(b, `<div class="article-summary"><b>【摘要】</b>`, esc(first), "</div>\n")
		}
	}
	w(b, `<div class="article-body"><div class="TRS_Editor">`+"\n")
	a.bodyItems(b,
		func(t string) string { return `<div><span style="font-size: 12pt;">　　` + t + "</span></div>\n" },
		func(h string) string { return `<div>　　<b>` + h + "</b></div>\n" },
		func(src, _, _ string) string {
			return `<div style="text-align: center;"><img src="` + src + `" style="border-width: 0px;" alt=""></div>` + "\n"
		},
		func(href, pre, link string) string {
			return `<div>　　` + pre + `<a href="` + href + `">` + link + "</a></div>\n"
		})
	w(b, "</div></div>\n")
	w(b, `<div class="page" id="page"><script type="text/javascript">createPageHTML(`, strconv.Itoa(len(a.pages)), ", ", strconv.Itoa(a.pg), `, "`, a.s.trsBase(p.id, p.meta, a.copy), `", "html");</script></div>`+"\n")
	w(b, a.editorLine(`<div class="article-editor">`, "</div>\n"))
	a.related(b, `<div class="article-related"><h4>`, "相关阅读", "</h4>\n<ul>\n")
	w(b, "</div>\n</div>\n")
	a.s.writeFooter(b, a.path, false)
	a.s.writeSpam(b, a.path)
	w(b, "</body>\n</html>\n")
}

// firstSentence returns the first sentence of the article's first text
// paragraph.
func (a *artPage) firstSentence() string {
	for _, it := range a.p.items {
		if it.kind == itemText && len(it.sents) > 0 {
			return it.sents[0]
		}
	}
	return ""
}

// vsb: a VSB (webber) template, common on provincial institutions' sites:
// nested layout tables, the title in a td's span, a "来源: X | 发布时间: … |
// 浏览次数:" line with a script-filled count, div#vsb_content
// div.v_news_content with MsoNormal paragraphs, a numbered pager.
func (a *artPage) vsb(b *strings.Builder) {
	p, c := a.p, a.col
	a.head(b, "<HTML>", p.title+"-红星网")
	doc := strconv.Itoa(a.s.docID(p.id, a.copy))
	w(b, `<META Name="keywords" Content="`, a.keywords(), `">
<LINK href="/style/style.css" type="text/css" rel="stylesheet">
<script language="javascript" src="/system/resource/js/dynclicks.js"></script>
`, commonHeadJS, "</head>\n<BODY>\n")
	a.s.writeTop(b, c.idx, true)
	w(b, `<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td width="220" valign="top" class="left-nav"><div class="lanmu">`, c.name, `</div></td>
<td valign="top"><table width="96%" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td class="dqwz">当前位置: <a href="/">首页</a> &gt;&gt; <a href="`, a.s.colHref(c), `">`, c.name, `</a> &gt;&gt; 正文</td></tr>
<tr><td height="6"><hr align="left" width="40%" size="2" color="#FF0000"></td></tr>
<tr><td height="50" align="center"><span class="titlestyle`, strconv.Itoa(c.unitID%10000), `">
`, esc(p.title), `
</span></td></tr>
<tr><td align="center"><table width="98%" border="0" cellspacing="0" cellpadding="5"><tr><td height="20" align="center" bgcolor="#CCCCCC">
`)
	label, colon := p.srcLabel, ": "
	if p.colon == "：" {
		colon = "："
	}
	if p.source != "" {
		w(b, label, colon, esc(p.source), "\n     | ")
	}
	if p.author != "" {
		w(b, "作者", colon, esc(p.author), " | ")
	}
	w(b, "发布时间", colon, a.date(p.dateFmt), ` | 浏览次数: <script>_showDynClicks("wbnews", `, doc, `, `, strconv.Itoa(c.unitID%10000), `)</script><span id="dynclicks_wbnews_`, doc, `"></span>
</td></tr></table></td></tr>
<tr><td valign="top"><form name="_newscontent_fromname"><div id="vsb_content"><div class="v_news_content">
`)
	a.bodyItems(b,
		func(t string) string {
			return `<p class="MsoNormal" style="text-indent:32px;line-height:150%"><span style="font-size:16px;font-family:仿宋">` + t + "</span></p>\n"
		},
		func(h string) string {
			return `<p class="MsoNormal" style="text-indent:32px;line-height:150%"><strong><span style="font-size:16px">` + h + "</span></strong></p>\n"
		},
		func(src, _, _ string) string {
			return `<p style="text-align:center"><img src="` + src + `" vwidth="600" vsbhref="vurl" vurl="` + src + `" orisrc="` + src + `" class="img_vsb_content"></p>` + "\n"
		},
		func(href, pre, link string) string {
			return `<p class="MsoNormal">` + pre + `<a href="` + href + `">` + link + "</a></p>\n"
		})
	w(b, `</div></div><div id="div_vote_id"></div></form></td></tr>
`)
	if len(a.pages) > 1 {
		w(b, "<tr><td align=\"center\">")
		a.numberedPager(b, "pagination", true)
		w(b, "</td></tr>\n")
	}
	w(b, a.editorLine(`<tr><td align="right" class="zrbj">`, "</td></tr>\n"))
	w(b, `<tr><td align="right">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</td></tr>
</table></td></tr></table>
`)
	a.s.writeFooter(b, a.path, true)
	a.s.writeSpam(b, a.path)
	w(b, "</BODY>\n</HTML>\n")
}

package simsite

import (
	"strconv"
	"strings"
	"time"
)

// artPage is one page of one copy of an article being rendered.
type artPage struct {
	s     *Site
	rc    *reqCtx
	p     *plan
	col   *column
	copy  int
	skin  skin
	pg    int
	path  string // this page's path
	dir   string
	pages []string // paths of all pages of this copy
	t     time.Time
}

func (s *Site) renderArticle(b *strings.Builder, rc *reqCtx, p *plan, copy, pg int) {
	ap := &artPage{s: s, rc: rc, p: p, col: s.cols[p.meta.colOf(copy)], copy: copy, skin: s.skinOf(p.meta, copy), pg: pg, t: minuteTime(p.meta.minute)}
	for i := 0; i < int(p.meta.pages); i++ {
		ap.pages = append(ap.pages, s.articlePath(p.id, p.meta, copy, i))
	}
	ap.path = ap.pages[pg]
	ap.dir = dirOf(ap.path)
	switch ap.skin {
	case skinRednet:
		ap.rednet(b)
	case skinModern:
		ap.modern(b)
	case skinTRS:
		ap.trs(b)
	case skinLegacy:
		ap.legacy(b)
	case skinHanweb:
		ap.hanweb(b)
	case skinDetail:
		ap.detail(b)
	case skinGov:
		ap.gov(b)
	case skinVSB:
		ap.vsb(b)
	}
}

func (a *artPage) date(layout int) string { return a.t.Format(dateLayouts[layout]) }

// ref returns the reference to a root-relative asset path as this skin
// writes it: ./name for files next to the page, ../ paths on the legacy
// skin, root-relative elsewhere.
func (a *artPage) ref(asset string) string {
	if strings.HasPrefix(asset, a.dir) {
		return "./" + asset[len(a.dir):]
	}
	if a.skin == skinLegacy {
		return relPath(a.dir, asset)
	}
	return asset
}

func fileName(path string) string { return path[strings.LastIndexByte(path, '/')+1:] }

// infoLine writes the source/time line in the article's own spelling.
func (a *artPage) infoLine(b *strings.Builder, timeLabel string, layout int) {
	p := a.p
	src := ""
	if p.source != "" {
		src = p.srcLabel + p.colon + esc(p.source)
	}
	tm := timeLabel + p.colon + a.date(layout)
	if timeLabel == "" {
		tm = a.date(layout)
	}
	if p.srcFirst && src != "" {
		w(b, src, p.sep, tm)
	} else if src != "" {
		w(b, tm, p.sep, src)
	} else {
		w(b, tm)
	}
	if p.author != "" {
		w(b, p.sep, "作者", p.colon, esc(p.author))
	}
}

func (a *artPage) head(b *strings.Builder, doctype, title string) {
	w(b, doctype, "\n<head>\n", charsetMeta(a.p.decl), "<title>", esc(title), "</title>\n")
}

func (a *artPage) keywords() string {
	return strings.Join([]string{"红星网", topicFocus[a.p.tc.topic][0], a.p.tc.place}, ",")
}

// related writes 3–6 links to older articles; a few are dead, redirected or
// absolute (to this host or to localhost:PORT).
func (a *artPage) related(b *strings.Builder, open, heading, close string) {
	s, p := a.s, a.p
	if p.id <= 1 {
		return
	}
	r := newRNG(s.seed, tagRelated, uint64(p.id))
	w(b, open, heading, close)
	n := min(r.between(3, 6), p.id-1)
	lo := max(1, p.id-300)
	seen := map[int]bool{}
	for len(seen) < n {
		oid := lo + r.intn(p.id-lo)
		if seen[oid] {
			continue
		}
		seen[oid] = true
		om, _ := s.meta(oid)
		title, _ := s.titleOf(oid, om)
		href := s.articlePath(oid, om, 0, 0)
		switch x := r.intn(100); {
		case x < 6:
			href = "/c/2018/05/03/" + strconv.Itoa(s.docBase-1-oid) + ".html"
		case x < 12:
			href = s.oldPath(oid, om)
		case x < 16:
			href = a.rc.localhost(href)
		case x < 20:
			href = a.rc.own(href)
		}
		w(b, `<li><a href="`, esc(href), `" target="_blank" title="`, esc(title), `">`, esc(title), "</a></li>\n")
	}
	w(b, "</ul>\n</div>\n")
}

// oldPath is the pre-migration URL of an article; it answers 301.
func (s *Site) oldPath(id int, m artMeta) string {
	return "/news/" + minuteTime(m.minute).Format("200601") + "/" + strconv.Itoa(s.docID(id, 0)) + ".shtml"
}

func (a *artPage) numberedPager(b *strings.Builder, class string, prevNext bool) {
	w(b, `<div class="`, class, `">`)
	last := len(a.pages) - 1
	if prevNext && a.pg > 0 {
		w(b, `<a href="`, fileName(a.pages[a.pg-1]), `" class="prev">上一页</a> `)
	}
	for i, pp := range a.pages {
		if i == a.pg {
			if len(a.pages) == 1 {
				w(b, "<span>1</span>")
			} else {
				w(b, `<span class="current">`, strconv.Itoa(i+1), "</span> ")
			}
			continue
		}
		w(b, `<a href="`, fileName(pp), `">`, strconv.Itoa(i+1), "</a> ")
	}
	if prevNext && a.pg < last {
		w(b, `<a href="`, fileName(a.pages[a.pg+1]), `" class="next">下一页</a>`)
	}
	w(b, "</div>\n")
}

func (a *artPage) editorLine(open, close string) string {
	if a.p.editor == "" {
		return ""
	}
	return open + a.p.edLabel + "：" + esc(a.p.editor) + close
}

func (a *artPage) bodyItems(b *strings.Builder, text, heading func(string) string, image, attach func(href, pre, link string) string) {
	items := a.p.pageItems(a.pg)
	for i, it := range items {
		switch it.kind {
		case itemAttachRow:
			if i == 0 || items[i-1].kind != itemAttachRow {
				w(b, `<table class="fj_table" border="1" cellspacing="0" cellpadding="4" width="100%">`+"\n")
			}
			if it.asset == "" {
				w(b, "<tr><th>", esc(it.head), "</th><th>", esc(it.link), "</th></tr>\n")
			} else {
				w(b, `<tr><td align="center">`, esc(it.head), `</td><td><a href="`, a.ref(it.asset), `" target="_blank">`, esc(it.link), "</a></td></tr>\n")
			}
			if i == len(items)-1 || items[i+1].kind != itemAttachRow {
				w(b, "</table>\n")
			}
		case itemText:
			w(b, text(esc(it.text())))
		case itemHeading:
			w(b, heading(esc(it.head)))
		case itemImage:
			w(b, image(a.ref(it.asset), "", ""))
		case itemAttach:
			w(b, attach(a.ref(it.asset), esc(it.head), esc(it.link)))
		}
	}
}

// rednet: the rednet platform's template (as in the seed page): h1, the
// "文章来源: … 时间: …" line, div.article-content, the editor line inside the
// body container, a numbered pager (a lone "1" on one-page articles).
func (a *artPage) rednet(b *strings.Builder) {
	p, c := a.p, a.col
	a.head(b, "<!DOCTYPE html>\n<html>", p.title+" - 红星网")
	w(b, `<meta name="keywords" content="`, a.keywords(), `">
<meta name="description" content="`, esc(p.desc), `">
<meta property="og:type" content="article">
<meta property="og:title" content="`, esc(p.title), `">
<meta property="og:description" content="`, esc(p.desc), `">
<meta property="og:site_name" content="红星网">
<link rel="stylesheet" href="/css/article.css">
<script src="/js/jquery.min.js"></script>
`, commonHeadJS, "</head>\n<body>\n")
	a.s.writeTop(b, c.idx, false)
	w(b, `<div class="w1200 main">`+"\n")
	sep := []string{" &gt; ", " > ", "＞"}[p.id%3]
	a.s.writeCrumb(b, "crumb", "当前位置：", sep, "/", c, a.s.colHref(c), "正文")
	w(b, `<div class="article">
<div class="article-title"><h1>`, esc(p.title), `</h1></div>
<div class="article-info">`)
	a.infoLine(b, p.timeLabel, p.dateFmt)
	w(b, `&nbsp;&nbsp;<span class="fontsize">字号：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a></span></div>
<div class="article-content" id="content">
`)
	a.bodyItems(b,
		func(t string) string { return "<p>　　" + t + "</p>\n" },
		func(h string) string { return "<p><strong>" + h + "</strong></p>\n" },
		func(src, _, _ string) string {
			return `<p style="text-align: center;"><img src="` + src + `" border="0" alt=""></p>` + "\n"
		},
		func(href, pre, link string) string {
			return "<p>" + pre + `<a href="` + href + `">` + link + "</a></p>\n"
		})
	w(b, a.editorLine(`<p class="editor">（`, "）</p>\n"))
	w(b, "</div>\n")
	a.numberedPager(b, "page", len(a.pages) > 1)
	w(b, `<div class="share">分享到：<a href="javascript:void(0)" class="share-wx">微信</a> <a href="javascript:void(0)" class="share-wb">微博</a> <a href="javascript:void(0)" class="share-qq">QQ空间</a></div>
<div class="tools"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
`)
	a.related(b, `<div class="related"><h3>`, "相关阅读", "</h3>\n<ul>\n")
	w(b, "</div>\n</div>\n")
	a.s.writeFooter(b, a.path, false)
	a.s.writeSpam(b, a.path)
	w(b, "</body>\n</html>\n")
}

// modern: an HTML5 template: article.detail, h2, date-first meta line,
// div.detail-content, spam right after the body container.
func (a *artPage) modern(b *strings.Builder) {
	p, c := a.p, a.col
	a.head(b, "<!doctype html>\n<html lang=\"zh-CN\">", p.title+"_红星网")
	w(b, `<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="ColumnName" content="`, c.name, `">
<meta name="publishdate" content="`, a.t.Format("2006-01-02"), `">
<meta property="og:title" content="`, esc(p.title), `">
<meta property="og:type" content="article">
<link rel="stylesheet" href="/css/detail.css">
`, commonHeadJS, "</head>\n<body>\n")
	a.s.writeTop(b, c.idx, false)
	sep := " » "
	if p.gbk {
		sep = " &gt;&gt; "
	}
	w(b, `<main class="container">`+"\n")
	a.s.writeCrumb(b, "position", "您现在的位置：", sep, "/", c, a.s.colHref(c), "")
	w(b, `<article class="detail">
<h2 class="detail-title">`, esc(p.title), `</h2>
<div class="detail-meta">`)
	w(b, `<span class="time">`, a.date(p.dateFmt), `</span>`)
	if p.source != "" {
		w(b, `<span class="source">`, p.srcLabel, p.colon, esc(p.source), `</span>`)
	}
	if p.author != "" {
		w(b, `<span class="author">作者`, p.colon, esc(p.author), `</span>`)
	}
	w(b, `<span class="views">阅读：<i id="hits">--</i></span></div>
<div class="detail-content content">
`)
	a.bodyItems(b,
		func(t string) string { return "<p>" + t + "</p>\n" },
		func(h string) string { return "<h3>" + h + "</h3>\n" },
		func(src, _, _ string) string {
			return `<figure class="img"><img src="` + src + `" alt="" loading="lazy"></figure>` + "\n"
		},
		func(href, pre, link string) string {
			return `<p class="attach">` + pre + `<a href="` + href + `" download>` + link + "</a></p>\n"
		})
	w(b, "</div>\n")
	a.s.writeSpam(b, a.path)
	w(b, a.editorLine(`<div class="editor">`, "</div>\n"))
	if len(a.pages) > 1 {
		a.numberedPager(b, "pagination", true)
	}
	w(b, `<div class="share-box">分享到：<a class="share-wechat" href="javascript:;">微信</a><a class="share-weibo" href="javascript:;">微博</a><a class="share-qzone" href="javascript:;">QQ空间</a></div>
<div class="print-box"><a href="javascript:window.print();">【打印本页】</a><a href="javascript:window.close();">【关闭窗口】</a></div>
`)
	a.related(b, `<div class="related-news"><div class="hd">`, "相关新闻", "</div>\n<ul>\n")
	w(b, "</article>\n</main>\n")
	a.s.writeFooter(b, a.path, false)
	w(b, "</body>\n</html>\n")
}

// trs: a TRS WCM template: Article meta tags, relative links, div.TRS_Editor
// with its inline style, the createPageHTML pager.
func (a *artPage) trs(b *strings.Builder) {
	p, c := a.p, a.col
	a.head(b, `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">`, p.title+"_红星网")
	w(b, `<meta name="SiteName" content="红星网">
<meta name="SiteDomain" content="www.hnredstar.gov.cn">
<meta name="ColumnName" content="`, c.name, `">
<meta name="ArticleTitle" content="`, esc(p.title), `">
<meta name="PubDate" content="`, a.t.Format("2006-01-02 15:04"), `">
<meta name="ContentSource" content="`, esc(p.source), `">
<meta name="Keywords" content="`, a.keywords(), `">
<meta name="Author" content="`, esc(p.author), `">
<meta name="Description" content="`, esc(p.desc), `">
<meta name="Url" content="./`, fileName(a.path), `">
<link href="../../../css/xl.css" rel="stylesheet" type="text/css">
`, commonHeadJS, createPageJS, "</head>\n<body>\n")
	a.s.writeTop(b, c.idx, false)
	w(b, `<div class="xl-main w1200">`+"\n")
	a.s.writeCrumb(b, "location", "当前位置：", "＞", relPath(a.dir, "/"), c, relPath(a.dir, a.s.colHref(c)), "")
	w(b, `<div class="xl-title"><h1>`, esc(p.title), `</h1></div>
<div class="xl-info">`)
	layout := p.dateFmt
	if layout == fmtDaySlash || layout == fmtDayCN {
		layout = fmtDayDash
	}
	w(b, `<span>`, "发布时间：", a.date(layout), `</span>`)
	if p.source != "" {
		w(b, `&nbsp;&nbsp;<span>信息来源：`, esc(p.source), `</span>`)
	}
	if p.author != "" {
		w(b, `&nbsp;&nbsp;<span>作者：`, esc(p.author), `</span>`)
	}
	w(b, `&nbsp;&nbsp;<span class="font">【字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a>】</span></div>
<div class="xl-content">
<div class="view TRS_UEDITOR trs_paper_default trs_web"><div class="TRS_Editor"><style type="text/css">
.TRS_Editor P{margin-top:5px;margin-bottom:5px;line-height:2;font-family:宋体;font-size:12pt;}.TRS_Editor DIV{line-height:2;font-family:宋体;}
</style>
`)
	k := 0
	a.bodyItems(b,
		func(t string) string {
			k++
			if (p.id+k)%7 == 0 {
				return "<p>&nbsp;</p>\n" + `<p style="text-indent: 2em;">` + t + "</p>\n"
			}
			return `<p style="text-indent: 2em;">` + t + "</p>\n"
		},
		func(h string) string { return `<p style="text-indent: 2em;"><strong>` + h + "</strong></p>\n" },
		func(src, _, _ string) string {
			return `<p style="text-align: center;"><img src="` + src + `" OLDSRC="` + fileName(src) + `" style="border-width: 0px;" /></p>` + "\n"
		},
		func(href, pre, link string) string {
			return `<p>` + pre + `<a href="` + href + `" OLDSRC="` + fileName(href) + `">` + link + "</a></p>\n"
		})
	w(b, "</div></div>\n</div>\n")
	w(b, `<div class="page" id="page"><script type="text/javascript">createPageHTML(`, strconv.Itoa(len(a.pages)), ", ", strconv.Itoa(a.pg), `, "`, a.s.trsBase(p.id, p.meta, a.copy), `", "html");</script></div>`+"\n")
	w(b, a.editorLine(`<div class="zrbj">`, "</div>\n"))
	w(b, `<div class="xl-tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
`)
	a.related(b, `<div class="xgxw"><h4>`, "相关新闻", "</h4>\n<ul>\n")
	w(b, "</div>\n")
	a.s.writeFooter(b, a.path, false)
	a.s.writeSpam(b, a.path)
	w(b, "</body>\n</html>\n")
}

// legacy: an old table-layout template: td.bt title, traditional or
// simplified time label, <br>-separated paragraphs in td.content#fontzoom,
// relative ../ links, createPageHTML pager.
func (a *artPage) legacy(b *strings.Builder) {
	p, c := a.p, a.col
	a.head(b, "<html>", p.title+" - "+c.name+" - 红星网")
	w(b, `<meta name="description" content="`, esc(p.desc), `">
<link href="`, relPath(a.dir, "/images/style.css"), `" rel="stylesheet" type="text/css">
`, commonHeadJS, createPageJS, "</head>\n<body topmargin=\"0\" leftmargin=\"0\">\n")
	a.s.writeTop(b, c.idx, true)
	w(b, `<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="wz"><tr><td>`)
	w(b, `您现在的位置：<a href="`, relPath(a.dir, "/"), `">首页</a>&nbsp;&gt;&gt;&nbsp;<a href="`, relPath(a.dir, a.s.colHref(c)), `">`, c.name, `</a>&nbsp;&gt;&gt;&nbsp;正文`)
	w(b, `</td></tr></table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="nr">
<tr><td class="bt" align="center" height="60"><font size="5"><b>`, esc(p.title), `</b></font></td></tr>
<tr><td class="sj" align="center" height="30">`)
	a.infoLine(b, p.timeLabel, p.dateFmt)
	w(b, `&nbsp;&nbsp;【<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>】</td></tr>
<tr><td class="content" id="fontzoom" style="line-height:200%">
`)
	a.bodyItems(b,
		func(t string) string { return "&nbsp;&nbsp;&nbsp;&nbsp;" + t + "<br>\n<br>\n" },
		func(h string) string { return "&nbsp;&nbsp;&nbsp;&nbsp;<b>" + h + "</b><br>\n<br>\n" },
		func(src, _, _ string) string { return `<center><img src="` + src + `" border="0"></center><br>` + "\n" },
		func(href, pre, link string) string {
			return "&nbsp;&nbsp;&nbsp;&nbsp;" + pre + `<a href="` + href + `">` + link + "</a><br>\n"
		})
	w(b, `</td></tr>
<tr><td align="center"><script language="javascript">createPageHTML(`, strconv.Itoa(len(a.pages)), ",", strconv.Itoa(a.pg), `,"`, a.s.trsBase(p.id, p.meta, a.copy), `","html");</script></td></tr>
`)
	w(b, a.editorLine(`<tr><td align="right">`, "&nbsp;&nbsp;</td></tr>\n"))
	w(b, `<tr><td align="center" height="40"><a href="javascript:window.print()">打印本页</a>&nbsp;&nbsp;<a href="javascript:window.close()">关闭窗口</a></td></tr>
</table>
`)
	a.related(b, `<table width="1000" align="center" class="xgwz"><tr><td><div class="xgwz"><b>`, "相关文章", "</b>\n<ul>\n")
	w(b, "</td></tr></table>\n")
	a.s.writeFooter(b, a.path, true)
	a.s.writeSpam(b, a.path)
	w(b, "</body>\n</html>\n")
}

// hanweb: a Hanweb template (as on many provincial sites): Article meta
// tags plus a misleading Maketime, date-only visible line, an empty
// 信息来源 when there is none, div#zoom.main-txt with span-wrapped text.
func (a *artPage) hanweb(b *strings.Builder) {
	p, c := a.p, a.col
	a.head(b, "<html>", p.title+"_红星网")
	maketime := a.t.Add(time.Duration(50+p.id%4000) * time.Hour).Add(time.Duration(p.id%59) * time.Second)
	w(b, `<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
<meta name="Maketime" content="`, maketime.Format("2006-01-02 15:04:05"), `">
<meta name="SiteName" content="红星网">
<meta name="SiteDomain" content="www.hnredstar.gov.cn">
<meta name="ColumnName" content="`, c.name, `">
<meta name="ArticleTitle" content="`, esc(p.title), `">
<meta name="PubDate" content="`, a.t.Format("2006-01-02 15:04"), `">
<meta name="author" content="`, esc(p.author), `">
<meta name="description" content="`, esc(p.desc), `">
<meta name="keywords" content="`, a.keywords(), `">
<meta name="contentSource" content="`, esc(p.source), `">
<link rel="stylesheet" type="text/css" href="/images/2941/hanweb.css">
`, commonHeadJS, "</head>\n<body>\n")
	a.s.writeTop(b, c.idx, false)
	w(b, `<div class="main w1200">`+"\n")
	a.s.writeCrumb(b, "bt-position", "当前位置：", " &gt; ", "/", c, a.s.colHref(c), "")
	w(b, `<div class="main-box">
<div class="title">`, esc(p.title), `</div>
<div class="main-fbxx"><span>发布日期：`, a.t.Format("2006-01-02"), `</span>
<span>信息来源：<!--<$[信息来源]>begin-->`, esc(p.source), `<!--<$[信息来源]>end--></span>`)
	if p.author != "" {
		w(b, "\n<span>作者：", esc(p.author), "</span>")
	}
	w(b, `
<span>浏览次数：<script language="javascript">_showDynClicks("wbnews", `, strconv.Itoa(a.s.docID(p.id, a.copy)), `)</script></span>
<span>字体：[<a href="javascript:doZoom(20)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(12)">小</a>]</span></div>
<div class="main-txt" id="zoom">
`)
	a.bodyItems(b,
		func(t string) string {
			return `<p style="text-indent:2em;line-height:1.75em;"><span style="font-family:仿宋_GB2312;font-size:16pt;">` + t + "</span></p>\n"
		},
		func(h string) string {
			return `<p style="text-indent:2em;line-height:1.75em;"><strong><span style="font-family:黑体;font-size:16pt;">` + h + "</span></strong></p>\n"
		},
		func(src, _, _ string) string {
			return `<p style="text-align:center;"><img src="` + src + `" border="0" title="" /></p>` + "\n"
		},
		func(href, pre, link string) string {
			return `<p style="text-indent:2em;">` + pre + `<a href="` + href + `" target="_blank">` + link + "</a></p>\n"
		})
	w(b, "</div>\n")
	if len(a.pages) > 1 {
		a.numberedPager(b, "pager", true)
	}
	w(b, a.editorLine(`<div class="zrbj">【`, "】</div>\n"))
	w(b, `<div class="main-fx"><div class="bdsharebuttonbox"><span>分享到：</span><a href="#" class="bds_weixin" data-cmd="weixin" title="分享到微信">微信</a><a href="#" class="bds_tsina" data-cmd="tsina" title="分享到新浪微博">微博</a><a href="#" class="bds_qzone" data-cmd="qzone" title="分享到QQ空间">QQ空间</a></div></div>
<div class="main-dy"><a href="javascript:window.print()">打印</a> <a href="javascript:window.close()">关闭</a></div>
`)
	a.related(b, `<div class="xgxx"><div class="xgxx-tit">`, "相关信息", "</div>\n<ul>\n")
	w(b, "</div>\n</div>\n")
	a.s.writeFooter(b, a.path, false)
	w(b, `<a href="http://www.hanweb.com" style="display:none">Produced By 大汉网络 大汉版通发布系统</a>`+"\n")
	a.s.writeSpam(b, a.path)
	w(b, "</body>\n</html>\n")
}

package simsite

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// The rednet layout (Options.Layout "rednet") imitates 红星网 as the rednet
// (红网) CMS serves it at www.hxw.gov.cn:
//
//	/channel/ID.html, /channel/ID_2.html …      column lists (ID: 4 digits)
//	/topic/N/index.html, /topic/N/index_2.html  topics (专题), columns of their own
//	/content/2021/05/08/123456.html             articles published before the revamp day
//	/content/7801/45/123456.html                articles from then on (channel, bucket, ID)
//	…/123456_2.html                             page 2 of a long article
//	/img/2024/01-29/<uuid>.xlsx                 files of the topics' attachment tables
//	/hits/123456                                the 阅读 count, as JSON for the page's script
//
// List pages paginate with a suffix counting from 2 (ID_2.html is page 2),
// as rednet names the pages of its articles; the pager is either numbered
// (首页 1 2 3 … 下一页 尾页) or 首页/上一页/下一页/尾页 only. Lists are
// div#div_newsList items or ul.list-all items, each with a span.shijian
// date. A topic page has its article list (ul.list-all) and an attachment
// table (附件下载) of the files of the articles on that page; the first
// page's table also offers 1–3 files of the topic's own (职位表, 报考指南)
// that no article links (ListFiles is their ground truth).
//
// Every page is UTF-8. The 备案 and visitor lines of the footer are written
// by script. Articles use the rednet template before the revamp day and
// rednet's detail template (阅读 count filled by script) from then on.
//
// Topics hold articles of their own, about one in twenty; such an article's
// breadcrumb names the topic, and so does its ground-truth column. Most of
// them are announcements with an attachment table (序号, 附件名称) of
// xlsx/pdf/docx files. A topic list also carries a few articles of the
// regular columns (same URL): their breadcrumb, and ground truth, name their
// regular column, which wins over the topic that listed them.

// Options.Layout values: the classic mix of CMSs (also ""), and the rednet
// CMS site.
const (
	LayoutClassic = "classic"
	LayoutRednet  = "rednet"
)

func validLayout(l string) error {
	switch l {
	case "", LayoutClassic, LayoutRednet:
		return nil
	}
	return fmt.Errorf("unknown layout %q: use \"classic\" or %q", l, LayoutRednet)
}

// rednetState indexes the rednet layout's columns by the numbers in their
// URLs.
type rednetState struct {
	byChannel map[int]*column // channel ID → column (not topics)
	byTopic   map[int]*column // N of /topic/N/ → topic
}

// isTopic reports whether c is a topic (专题) of the rednet layout.
func (c *column) isTopic() bool { return c.topicNo > 0 }

// navColumns returns the columns of the navigation bar: all but topics.
func (s *Site) navColumns() []*column {
	var out []*column
	for _, c := range s.cols {
		if !c.isTopic() {
			out = append(out, c)
		}
	}
	return out
}

// topics returns the topics (专题) of the rednet layout.
func (s *Site) topics() []*column {
	var out []*column
	for _, c := range s.cols {
		if c.isTopic() {
			out = append(out, c)
		}
	}
	return out
}

// colHref is the path of a column's first list page.
func (s *Site) colHref(c *column) string { return c.listPath(0) }

// rednetTopics are the topics of the rednet layout.
var rednetTopics = []struct {
	no    int
	name  string
	topic int
}{
	{118, "湖南省考试录用公务员专题", topicCadre},
	{126, "学习贯彻党的二十大精神专题", topicParty},
	{131, "人才强省建设专题", topicTalent},
}

// buildRednetColumns builds n channels and the topics.
func (s *Site) buildRednetColumns(n int) {
	r := newRNG(s.seed, tagRednet, 1)
	order := make([]int, len(columnBank)-1)
	for i := range order {
		order[i] = i + 1
	}
	for i := len(order) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		order[i], order[j] = order[j], order[i]
	}
	order = append([]int{0}, order...)
	for i := range n {
		c := &column{idx: i, plat: platChannel, skin: skinRednet, dir: "/channel/"}
		if i < len(order) {
			b := columnBank[order[i]]
			c.name, c.slug, c.topic = b.name, b.slug, b.topic
		} else {
			c.name, c.slug, c.topic = "专栏"+strconv.Itoa(i+1), "zl"+strconv.Itoa(i+1), -1
		}
		// The first two columns show both pagers and both list markups.
		switch {
		case i == 0:
			c.style, c.variant = pagerNumbered, 0
		case i == 1:
			c.style, c.variant = pagerPrevNext, 1
		default:
			c.style = pick(&r, []pagerStyle{pagerNumbered, pagerNumbered, pagerPrevNext})
			c.variant = r.intn(2)
		}
		c.perPage = pick(&r, []int{15, 20, 20, 25})
		c.channel = 7801 + 37*i + r.intn(30)
		c.weight = 1 + float64(r.intn(1000))/1000
		s.cols = append(s.cols, c)
		s.rn.byChannel[c.channel] = c
	}
	for k, t := range rednetTopics {
		c := &column{idx: n + k, name: t.name, slug: "topic" + strconv.Itoa(t.no), topic: t.topic,
			plat: platChannel, skin: skinRednet, style: pagerNumbered, variant: 1, perPage: 15,
			channel: 9301 + 11*k, topicNo: t.no, dir: "/topic/" + strconv.Itoa(t.no) + "/", weight: 0.12}
		s.cols = append(s.cols, c)
		s.rn.byTopic[t.no] = c
	}
}

// rednetListPath returns the path of page n (0-based) of c's list.
func (c *column) rednetListPath(n int) string {
	if c.isTopic() {
		if n == 0 {
			return c.dir + "index.html"
		}
		return c.dir + "index_" + strconv.Itoa(n+1) + ".html"
	}
	p := "/channel/" + strconv.Itoa(c.channel)
	if n > 0 {
		p += "_" + strconv.Itoa(n+1)
	}
	return p + ".html"
}

// rednetArticlePath returns the path of page pg of copy of article id in
// column c: dated before revampDay, by channel and bucket from then on.
func (s *Site) rednetArticlePath(id int, m artMeta, c *column, copy, pg int) string {
	doc := s.docID(id, copy)
	t := minuteTime(m.minute)
	var b strings.Builder
	b.Grow(40)
	b.WriteString("/content/")
	if t.Before(revampDay) {
		y, mo, d := t.Date()
		b.WriteString(strconv.Itoa(y))
		b.WriteByte('/')
		pad2(&b, int(mo))
		b.WriteByte('/')
		pad2(&b, d)
	} else {
		b.WriteString(strconv.Itoa(c.channel))
		b.WriteByte('/')
		pad2(&b, doc/7%100)
	}
	b.WriteByte('/')
	b.WriteString(strconv.Itoa(doc))
	if pg > 0 {
		b.WriteByte('_')
		b.WriteString(strconv.Itoa(pg + 1))
	}
	b.WriteString(".html")
	return b.String()
}

// crossList puts about one regular article in twenty-five on a topic's list
// too, under its own URL. The caller holds mu or owns s.
func (s *Site) crossList(id int, c *column) {
	ts := s.topics()
	if c.isTopic() || len(ts) == 0 {
		return
	}
	r := newRNG(s.seed, tagRednet, 3, uint64(id))
	if !r.chance(0.04) {
		return
	}
	t := ts[r.intn(len(ts))]
	t.items = append(t.items, uint32(id)<<1)
}

// rednetAttachExts are the file types of the topics' attachment tables.
var rednetAttachExts = []string{".xlsx", ".xlsx", ".pdf", ".docx", ".xls"}

// addAttachTable ends most topic articles with an attachment table: a
// "附件下载：" line, a header row, and 2–5 files on /img/YYYY/MM-DD/.
func (s *Site) addAttachTable(p *plan) {
	r := newRNG(s.seed, tagRednet, 2, uint64(p.id))
	if !r.chance(0.7) {
		return
	}
	dir := "/img/" + minuteTime(p.meta.minute).Format("2006/01-02") + "/"
	p.items = append(p.items, item{kind: itemText, sents: []string{"附件下载："}, quoted: true},
		item{kind: itemAttachRow, head: "序号", link: "附件名称"})
	for k := 1; k <= r.between(2, 5); k++ {
		x, y := r.next(), r.next()
		uuid := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", uint32(x>>32), uint16(x>>16), uint16(x), uint16(y>>48), y&0xffffffffffff)
		ext := pick(&r, rednetAttachExts)
		p.items = append(p.items, item{kind: itemAttachRow, head: strconv.Itoa(k),
			link: p.tc.expand(pick(&r, attachmentNames)) + ext, asset: dir + uuid + ext})
	}
}

// routeRednet serves the rednet layout's own paths and reports whether
// path was one of them.
func (s *Site) routeRednet(wr http.ResponseWriter, r *http.Request, rc *reqCtx) bool {
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/content/"):
		s.serveContent(wr, r, rc)
	case strings.HasPrefix(path, "/channel/"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/channel/"), ".html")
		id, n := splitPageSuffix(name)
		c := s.rn.byChannel[id]
		s.serveRednetList(wr, r, c, n, path)
	case strings.HasPrefix(path, "/topic/"):
		rest := strings.TrimPrefix(path, "/topic/")
		no, err := strconv.Atoi(rest[:max(0, strings.IndexByte(rest, '/'))])
		c := s.rn.byTopic[no]
		if err != nil || c == nil {
			s.notFound(wr, r)
			return true
		}
		if path == c.dir {
			http.Redirect(wr, r, c.dir+"index.html", http.StatusMovedPermanently)
			return true
		}
		_, n := splitPageSuffix(strings.TrimSuffix(fileName(path), ".html"))
		s.serveRednetList(wr, r, c, n, path)
	case strings.HasPrefix(path, "/hits/"):
		doc, err := strconv.Atoi(strings.TrimPrefix(path, "/hits/"))
		if id, _ := s.fromDocID(doc); err != nil || id < 1 || id > s.Len() {
			s.notFound(wr, r)
			return true
		}
		count := strconv.FormatUint(100+hashString(s.seed, path)%20000, 10)
		s.send(wr, r, http.StatusOK, "application/json;charset=UTF-8", []byte(`{"count":`+count+"}"))
	default:
		return false
	}
	return true
}

// splitPageSuffix splits "7801_3" into 7801 and the 0-based page 2; a name
// without a suffix is page 0. An unparsable number gives -1.
func splitPageSuffix(name string) (num, page int) {
	base, suffix, paged := strings.Cut(name, "_")
	num, err := strconv.Atoi(base)
	if err != nil {
		num = -1
	}
	if !paged {
		return num, 0
	}
	k, err := strconv.Atoi(suffix)
	if err != nil || k < 2 {
		return num, -1
	}
	return num, k - 1
}

// serveRednetList serves page n of c's list, when path is exactly its path.
func (s *Site) serveRednetList(wr http.ResponseWriter, r *http.Request, c *column, n int, path string) {
	if c == nil || n < 0 || n >= c.pageCount(len(s.colItems(c))) || c.listPath(n) != path || r.URL.RawQuery != "" {
		s.notFound(wr, r)
		return
	}
	var b strings.Builder
	b.Grow(16 << 10)
	s.renderRednetList(&b, c, n)
	s.sendHTML(wr, r, http.StatusOK, declUTF8Both, b.String())
}

// renderRednetList writes page n (0-based) of a channel's or topic's list.
func (s *Site) renderRednetList(b *strings.Builder, c *column, n int) {
	items := s.colItems(c)
	pages := c.pageCount(len(items))
	title := c.name + "-红星网"
	if n > 0 {
		title = c.name + "-第" + strconv.Itoa(n+1) + "页-红星网"
	}
	w(b, "<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n<title>", title, "</title>\n",
		`<meta name="keywords" content="红星网,`, c.name, `">`+"\n",
		`<link rel="stylesheet" href="/css/common.css"><link rel="stylesheet" href="/css/list.css">`+"\n",
		`<script src="/js/jquery.min.js"></script>`+"\n", commonHeadJS, "</head>\n<body>\n")
	active := c.idx
	if c.isTopic() {
		active = -1
	}
	s.writeTop(b, active, false)
	lo, hi := n*c.perPage, (n+1)*c.perPage
	if c.isTopic() {
		w(b, `<div class="topic_banner"><div class="w1200"><h1>`, c.name, "</h1></div></div>\n", `<div class="w1200 topic_main">`+"\n")
		s.writeCrumb(b, "list_crumb", "当前位置：", " &gt; ", "/", c, s.colHref(c), "")
		w(b, `<div class="topic_box"><div class="topic_hd"><span>通知公告</span></div>`+"\n")
		s.rednetItems(b, c, items, lo, hi)
		s.rednetPager(b, c, n, pages)
		w(b, "</div>\n")
		s.topicFiles(b, c, items, n)
		w(b, "</div>\n")
	} else {
		w(b, `<div class="w1200 clearfix"><div class="list_left fl">`+"\n")
		s.writeCrumb(b, "list_crumb", "当前位置：", " &gt; ", "/", c, s.colHref(c), "")
		w(b, `<div class="list_tit"><span>`, c.name, "</span></div>\n")
		s.rednetItems(b, c, items, lo, hi)
		s.rednetPager(b, c, n, pages)
		w(b, "</div>\n", `<div class="list_right fr"><div class="hot_title">热点推荐</div>`+"\n<ul class=\"hot_list\">\n")
		for id := s.Len(); id > max(0, s.Len()-6); id-- {
			m, _ := s.meta(id)
			t, _ := s.titleOf(id, m)
			w(b, `<li><a href="`, s.articlePath(id, m, 0, 0), `" target="_blank">`, esc(shortTitle(t, 18)), "</a></li>\n")
		}
		w(b, "</ul></div>\n</div>\n")
	}
	s.writeFooter(b, c.listPath(n), false)
	s.writeSpam(b, c.listPath(n))
	w(b, "</body>\n</html>\n")
}

// rednetItems writes list entries lo..hi-1 in the column's markup.
func (s *Site) rednetItems(b *strings.Builder, c *column, items []uint32, lo, hi int) {
	if c.variant == 0 {
		w(b, `<div id="div_newsList"><ul class="news_ul">`+"\n")
	} else {
		w(b, `<ul class="list-all">`+"\n")
	}
	for k := lo; k < min(hi, len(items)); k++ {
		e := items[len(items)-1-k]
		id, copy := int(e>>1), int(e&1)
		m, _ := s.meta(id)
		t, _ := s.titleOf(id, m)
		at := minuteTime(m.minute)
		if c.variant == 0 {
			w(b, `<li><a href="`, s.articlePath(id, m, copy, 0), `" target="_blank" title="`, esc(t), `">`, esc(t), `</a><span class="shijian">`, at.Format("2006-01-02 15:04"), "</span></li>\n")
		} else {
			w(b, `<li><span class="shijian">`, at.Format("2006-01-02"), `</span><a href="`, s.articlePath(id, m, copy, 0), `" target="_blank">`, esc(shortTitle(t, 30)), "</a></li>\n")
		}
	}
	if c.variant == 0 {
		w(b, "</ul></div>\n")
	} else {
		w(b, "</ul>\n")
	}
}

// rednetPager writes the list pager: numbered, or 首页/上一页/下一页/尾页
// only.
func (s *Site) rednetPager(b *strings.Builder, c *column, n, pages int) {
	if pages <= 1 {
		return
	}
	a := func(i int, text string) { w(b, `<a href="`, c.listPath(i), `">`, text, "</a>") }
	w(b, `<div class="page_box">`)
	if n > 0 {
		a(0, "首页")
		a(n-1, "上一页")
	}
	if c.style == pagerNumbered {
		for i := max(0, n-4); i < min(pages, max(0, n-4)+9); i++ {
			if i == n {
				w(b, `<span class="on">`, strconv.Itoa(i+1), "</span>")
			} else {
				a(i, strconv.Itoa(i+1))
			}
		}
	} else {
		w(b, `<span class="page_num">`, strconv.Itoa(n+1), "/", strconv.Itoa(pages), "</span>")
	}
	if n < pages-1 {
		a(n+1, "下一页")
		a(pages-1, "尾页")
	}
	w(b, "</div>\n")
}

// topicRow is one row of a topic page's attachment table.
type topicRow struct {
	name, path string
	own        bool // linked from no article
}

// topicRows returns the rows of the attachment table of page n of topic
// c: on its first page the topic's own files (position tables and the
// like, linked from no article), then on every page the files of the
// topic's own articles listed there.
func (s *Site) topicRows(c *column, items []uint32, n int) []topicRow {
	var rows []topicRow
	if n == 0 {
		rows = append(rows, s.topicOwnFiles(c)...)
	}
	lo, hi := n*c.perPage, (n+1)*c.perPage
	for k := lo; k < min(hi, len(items)); k++ {
		id := int(items[len(items)-1-k] >> 1)
		m, _ := s.meta(id)
		if int(m.col) != c.idx {
			continue
		}
		for _, it := range s.plan(id, m).items {
			if it.kind == itemAttachRow && it.asset != "" {
				rows = append(rows, topicRow{name: it.link, path: it.asset})
			}
		}
	}
	return rows
}

// topicOwnNames are the names of the files a topic offers itself.
var topicOwnNames = []string{"职位表.xlsx", "报考指南.pdf", "报名推荐表.docx"}

// topicOwnFiles returns the 1–3 files topic c offers on its first page and
// in no article, the same on every run for a seed.
func (s *Site) topicOwnFiles(c *column) []topicRow {
	r := newRNG(s.seed, tagRednet, 4, uint64(c.topicNo))
	var rows []topicRow
	for k := range r.between(1, 3) {
		x, y := r.next(), r.next()
		uuid := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", uint32(x>>32), uint16(x>>16), uint16(x), uint16(y>>48), y&0xffffffffffff)
		name := topicOwnNames[k]
		ext := name[strings.LastIndexByte(name, '.'):]
		rows = append(rows, topicRow{name: strings.TrimSuffix(c.name, "专题") + name,
			path: fmt.Sprintf("/img/2024/%02d-%02d/%s%s", 1+c.topicNo%12, 1+k, uuid, ext), own: true})
	}
	return rows
}

// topicFiles writes the attachment table of page n of topic c.
func (s *Site) topicFiles(b *strings.Builder, c *column, items []uint32, n int) {
	rows := s.topicRows(c, items, n)
	if len(rows) == 0 {
		return
	}
	w(b, `<div class="topic_box"><div class="topic_hd"><span>附件下载</span></div>`+"\n",
		`<table class="fj_table" width="100%" border="1" cellspacing="0"><tr><th>序号</th><th>文件名称</th><th>下载</th></tr>`+"\n")
	for i, r := range rows {
		w(b, "<tr><td>", strconv.Itoa(i+1), "</td><td>", esc(r.name), `</td><td><a href="`, r.path, `" target="_blank">下载</a></td></tr>`+"\n")
	}
	w(b, "</table></div>\n")
}

// ListFile is the ground truth of a file a list page links: a row of a
// topic page's attachment table.
type ListFile struct {
	Page     string // absolute URL of the list page
	URL      string // absolute URL of the file
	Name     string // the file's name in the table
	OnlyHere bool   // whether no article links the file
}

// ListFiles returns every file the list pages link, page by page in
// order, with absolute URLs under base. Only the rednet layout's topic
// pages link files.
func (s *Site) ListFiles(base string) []ListFile {
	if s.rn == nil {
		return nil
	}
	base = strings.TrimSuffix(base, "/")
	var out []ListFile
	for _, c := range s.topics() {
		items := s.colItems(c)
		for n := range c.pageCount(len(items)) {
			for _, r := range s.topicRows(c, items, n) {
				out = append(out, ListFile{Page: base + c.listPath(n), URL: base + r.path, Name: r.name, OnlyHere: r.own})
			}
		}
	}
	return out
}

// rednetFooter is the footer of the rednet layout: its 备案 and visitor
// lines are written by script, as on rednet pages.
func (s *Site) rednetFooter(b *strings.Builder, path string) {
	count := strconv.FormatUint(10000000+hashString(s.seed, path)%9000000, 10)
	w(b, `<div class="footer"><div class="w1200">
<p><a href="/about.html">关于我们</a> | <a href="/sitemap.html">网站地图</a> | <a href="mailto:hnredstar@126.com">联系我们</a> | <a href="/private/notice.html">内部通知</a></p>
<p>主办单位：中共湖南省委组织部&nbsp;&nbsp;技术支持：湖南红网新媒体集团</p>
<p><script>document.write('ICP备案号：<a href="https://beian.miit.gov.cn/" target="_blank">湘ICP备17016663号-1</a>');</script></p>
<p><script>document.write("欢迎您访问红星网&nbsp;&nbsp;您是第 <span>`, count, `</span> 位来访者");</script></p>
</div></div>
`)
}

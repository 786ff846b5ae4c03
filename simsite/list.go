package simsite

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// listEntry is one line of a column list.
type listEntry struct {
	path  string
	title string
	date  string
}

// colItems returns a snapshot of column c's entries, oldest first. Entries
// are only ever appended, so the snapshot stays valid without the lock.
func (s *Site) colItems(c *column) []uint32 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return c.items[:len(c.items):len(c.items)]
}

// entries returns list entries lo..hi-1 counted from the newest.
func (s *Site) entries(items []uint32, lo, hi int) []listEntry {
	hi = min(hi, len(items))
	var out []listEntry
	for k := lo; k < hi; k++ {
		e := items[len(items)-1-k]
		id, copy := int(e>>1), int(e&1)
		m, _ := s.meta(id)
		title, _ := s.titleOf(id, m)
		out = append(out, listEntry{
			path:  s.articlePath(id, m, copy, 0),
			title: title,
			date:  minuteTime(m.minute).Format("2006-01-02"),
		})
	}
	return out
}

func shortTitle(t string, n int) string {
	if utf8.RuneCountInString(t) <= n {
		return t
	}
	return truncRunes(t, n-1) + "…"
}

// renderList writes page n (0-based) of column c's list and reports the
// charset declaration used.
func (s *Site) renderList(b *strings.Builder, c *column, n int) charsetDecl {
	items := s.colItems(c)
	pages := c.pageCount(len(items))
	decl := declUTF8Both
	if c.gbk {
		decl = declGBKMetaEquiv
	}
	path := c.listPath(n)
	legacy := c.skin == skinLegacy
	title := c.name + "_红星网"
	if n > 0 {
		title = c.name + "_第" + strconv.Itoa(n+1) + "页_红星网"
	}
	w(b, "<!DOCTYPE html>\n<html>\n<head>\n", charsetMeta(decl), "<title>", title, "</title>\n")
	w(b, `<meta name="ColumnName" content="`, c.name, "\">\n", commonHeadJS)
	if c.style == pagerScript {
		w(b, createPageJS)
	}
	if c.style == pagerHanweb {
		w(b, `<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>`+"\n")
	}
	w(b, "</head>\n<body>\n")
	s.writeTop(b, c.idx, legacy)
	w(b, `<div class="w1200 list-main">`+"\n")
	sep := " &gt; "
	if c.plat == platTRS {
		sep = "＞"
	}
	s.writeCrumb(b, "crumb", "当前位置：", sep, "/", c, s.colHref(c), "")
	w(b, `<div class="list-title"><span>`, c.name, "</span></div>\n")

	switch c.style {
	case pagerHanweb:
		s.hanwebShell(b, c, items)
	default:
		es := s.entries(items, n*c.perPage, (n+1)*c.perPage)
		switch c.skin {
		case skinTRS:
			w(b, `<ul class="list">`+"\n")
			for _, e := range es {
				w(b, `<li><span>`, e.date, `</span><a href="`, relPath(dirOf(path), e.path), `" title="`, esc(e.title), `" target="_blank">`, esc(shortTitle(e.title, 24)), "</a></li>\n")
			}
			w(b, "</ul>\n")
		case skinLegacy:
			w(b, `<table width="100%" border="0" cellspacing="0" cellpadding="0" class="lb">`+"\n")
			for _, e := range es {
				w(b, `<tr><td height="28" class="lb-title">·<a href="`, relPath(dirOf(path), e.path), `" target="_blank">`, esc(e.title), `</a></td><td class="lb-date" width="100">(`, e.date, ")</td></tr>\n")
			}
			w(b, "</table>\n")
		case skinModern:
			w(b, `<div class="news-list">`+"\n")
			for _, e := range es {
				w(b, `<div class="item"><a href="`, e.path, `" target="_blank"><h4>`, esc(e.title), `</h4></a><p class="date">`, e.date, "</p></div>\n")
			}
			w(b, "</div>\n")
		default:
			w(b, `<ul class="news-list">`+"\n")
			for _, e := range es {
				w(b, `<li><a href="`, e.path, `" target="_blank">`, esc(e.title), `</a><span class="date">`, e.date, "</span></li>\n")
			}
			w(b, "</ul>\n")
		}
		switch c.style {
		case pagerNumbered:
			numberedListPager(b, c, n, pages)
		case pagerPrevNext:
			prevNextPager(b, n, pages)
		case pagerScript:
			w(b, `<div class="page"><script type="text/javascript">createPageHTML(`, strconv.Itoa(pages), ", ", strconv.Itoa(n), `, "index", "html");</script></div>`+"\n")
		}
	}
	w(b, "</div>\n")
	s.writeFooter(b, path, legacy)
	s.writeSpam(b, path)
	w(b, "</body>\n</html>\n")
	return decl
}

func numberedListPager(b *strings.Builder, c *column, n, pages int) {
	file := func(i int) string { return fileName(c.listPath(i)) }
	w(b, `<div class="pagination">共`, strconv.Itoa(pages), "页&nbsp;")
	if n > 0 {
		w(b, `<a href="`, file(0), `">首页</a> <a href="`, file(n-1), `">上一页</a> `)
	}
	lo := max(0, n-4)
	hi := min(pages, lo+10)
	for i := lo; i < hi; i++ {
		if i == n {
			w(b, `<span class="current">`, strconv.Itoa(i+1), "</span> ")
		} else {
			w(b, `<a href="`, file(i), `">`, strconv.Itoa(i+1), "</a> ")
		}
	}
	if n < pages-1 {
		w(b, `<a href="`, file(n+1), `">下一页</a> <a href="`, file(pages-1), `">尾页</a>`)
	}
	w(b, "</div>\n")
}

func prevNextPager(b *strings.Builder, n, pages int) {
	q := func(i int) string {
		if i == 0 {
			return "index.html"
		}
		return "?page=" + strconv.Itoa(i+1)
	}
	w(b, `<div class="page">第`, strconv.Itoa(n+1), "页/共", strconv.Itoa(pages), "页&nbsp;&nbsp;")
	if n > 0 {
		w(b, `<a href="`, q(0), `">首页</a>&nbsp;<a href="`, q(n-1), `">上一页</a>&nbsp;`)
	} else {
		w(b, "首页&nbsp;上一页&nbsp;")
	}
	if n < pages-1 {
		w(b, `<a href="`, q(n+1), `">下一页</a>&nbsp;<a href="`, q(pages-1), `">尾页</a>`)
	} else {
		w(b, "下一页&nbsp;尾页")
	}
	w(b, "</div>\n")
}

const hanwebGroup = 3 // pages per jpage group

func hanwebRecord(b *strings.Builder, e listEntry) {
	w(b, "<record><![CDATA[\n<li><a href=\"", e.path, `" target="_blank" title="`, esc(e.title), `">`, esc(e.title), "</a><span>", e.date, "</span></li>\n]]></record>\n")
}

func (c *column) proxyQuery() string {
	return "webid=1&path=/&columnid=" + strconv.Itoa(c.hanwebID) + "&unitid=" + strconv.Itoa(c.unitID) + "&webname=%E7%BA%A2%E6%98%9F%E7%BD%91&permissiontype=0"
}

// hanwebShell writes a Hanweb column page: the first group of records inside
// a text/xml datastore, the rest left to jpage and the data proxy.
func (s *Site) hanwebShell(b *strings.Builder, c *column, items []uint32) {
	unit := strconv.Itoa(c.unitID)
	w(b, `<div class="list-con"><div id="`, unit, `"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&`, c.proxyQuery(), `"></a>]]></nextgroup>
<recordset>
`)
	for _, e := range s.entries(items, 0, c.perPage*hanwebGroup) {
		hanwebRecord(b, e)
	}
	w(b, `</recordset>
</datastore></script></div></div>
<script language="javascript" src="/module/web/jpage/jpage.js"></script>
<script type="text/javascript">
$(document).ready(function(){
	$("#`, unit, `").jpage({dataStore: $("#`, unit, ` script[type='text/xml']"), totalRecord:`, strconv.Itoa(len(items)), `, perpage:`, strconv.Itoa(c.perPage), `, groupSize:`, strconv.Itoa(hanwebGroup), `, proxyUrl:"/module/web/jpage/dataproxy.jsp", webid:"1", path:"/", columnid:"`, strconv.Itoa(c.hanwebID), `", unitid:"`, unit, `", webname:"红星网", permissiontype:"0", barPosition:"bottom", ajaxType:"post", pageType:"3", isShowPageInfo:true});
});
</script>
`)
}

// serveDataproxy answers Hanweb's /module/web/jpage/dataproxy.jsp: records
// startrecord..endrecord (1-based, inclusive) of a column, or group page=N
// (N ≥ 1, the groups after the one embedded in the column page). GET or
// POST, parameters in the query or the form.
func (s *Site) serveDataproxy(wr http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	atoi := func(k string, def int) int {
		v, err := strconv.Atoi(strings.TrimSpace(r.FormValue(k)))
		if err != nil {
			return def
		}
		return v
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<datastore>\n")
	c := s.colByHW[atoi("columnid", -1)]
	if c == nil {
		b.WriteString("<totalrecord>0</totalrecord>\n<totalpage>0</totalpage>\n<recordset>\n</recordset>\n</datastore>\n")
		s.send(wr, r, http.StatusOK, "text/xml;charset=UTF-8", []byte(b.String()))
		return
	}
	items := s.colItems(c)
	per := max(1, min(atoi("perpage", c.perPage), 200))
	var start, end int
	if r.FormValue("startrecord") != "" {
		start = atoi("startrecord", 1)
		end = atoi("endrecord", start+per*hanwebGroup-1)
	} else {
		g := max(0, atoi("page", 0))
		start = g*per*hanwebGroup + 1
		end = start + per*hanwebGroup - 1
	}
	start = max(start, 1)
	end = min(end, len(items), start+2999)
	w(&b, "<totalrecord>", strconv.Itoa(len(items)), "</totalrecord>\n<totalpage>", strconv.Itoa((len(items)+per-1)/per), "</totalpage>\n<recordset>\n")
	if start <= end {
		for _, e := range s.entries(items, start-1, end) {
			hanwebRecord(&b, e)
		}
	}
	b.WriteString("</recordset>\n</datastore>\n")
	s.send(wr, r, http.StatusOK, "text/xml;charset=UTF-8", []byte(b.String()))
}

package simsite

import (
	"strconv"
	"strings"
)

// reqCtx is what rendering needs from the request.
type reqCtx struct {
	host string // Host header, for absolute links to this server
	port string // its port, for the http://localhost:PORT trap links
}

func (rc *reqCtx) own(path string) string { return "http://" + rc.host + path }

func (rc *reqCtx) localhost(path string) string { return "http://localhost:" + rc.port + path }

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;")

func esc(s string) string { return htmlEscaper.Replace(s) }

// w writes strings to b; a tiny helper that keeps the templates readable.
func w(b *strings.Builder, ss ...string) {
	for _, s := range ss {
		b.WriteString(s)
	}
}

func charsetMeta(d charsetDecl) string {
	switch d {
	case declUTF8Both:
		return `<meta charset="utf-8">` + "\n"
	case declUTF8Meta:
		return `<meta http-equiv="Content-Type" content="text/html; charset=utf-8">` + "\n"
	case declGBKMetaEquiv:
		return `<meta http-equiv="Content-Type" content="text/html; charset=gb2312">` + "\n"
	case declGBKMetaCharset:
		return `<meta charset="gbk">` + "\n"
	}
	return ""
}

func contentType(d charsetDecl) string {
	switch d {
	case declUTF8Both, declUTF8Header:
		return "text/html; charset=utf-8"
	case declGBKHeader:
		return "text/html; charset=GBK"
	}
	return "text/html"
}

func isGBK(d charsetDecl) bool { return d >= declGBKHeader }

// relPath returns a relative reference from directory dir (ending in "/")
// to the root-relative path target.
func relPath(dir, target string) string {
	ds := strings.Split(strings.Trim(dir, "/"), "/")
	if dir == "/" {
		ds = nil
	}
	ts := strings.Split(strings.TrimPrefix(target, "/"), "/")
	i := 0
	for i < len(ds) && i < len(ts)-1 && ds[i] == ts[i] {
		i++
	}
	rel := strings.Repeat("../", len(ds)-i) + strings.Join(ts[i:], "/")
	if i == len(ds) && !strings.HasPrefix(rel, "../") {
		rel = "./" + rel
	}
	return rel
}

func dirOf(path string) string { return path[:strings.LastIndexByte(path, '/')+1] }

// writeTop writes the site header and the navigation to the columns.
func (s *Site) writeTop(b *strings.Builder, active int, legacy bool) {
	if legacy {
		w(b, `<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="top">
<tr><td height="28" class="topbar"><script language="javascript">document.write(showToday());</script>
&nbsp;<a href="javascript:void(0)" onclick="this.style.behavior='url(#default#homepage)';this.setHomePage('http://www.hnredstar.gov.cn/');">设为首页</a>
 | <a href="javascript:window.external.AddFavorite('http://www.hnredstar.gov.cn/','红星网')">加入收藏</a></td></tr>
<tr><td height="120" background="/images/top_bg.jpg"><a href="/"><img src="/images/logo.gif" alt="红星网" border="0"></a></td></tr>
<tr><td class="nav" height="36"><a href="/">首页</a>`)
		for _, c := range s.navColumns() {
			w(b, ` | <a href="`, s.colHref(c), `">`, c.name, `</a>`)
		}
		w(b, "</td></tr>\n</table>\n")
		return
	}
	w(b, `<div class="header">
<div class="top-bar w1200"><span class="today"><script>document.write(showToday());</script></span>
<span class="top-links"><a href="javascript:void(0)" onclick="SetHome(this,window.location)">设为首页</a> | <a href="javascript:addFavorite()">加入收藏</a> | <a href="/wap/index.html">手机版</a></span></div>
<div class="logo-box w1200"><a href="/" class="logo"><img src="/images/logo.png" alt="红星网"></a>
<div class="search-box"><form action="/search" method="get" target="_blank" name="searchform"><input type="text" name="q" class="search-input" placeholder="请输入关键词"><input type="submit" class="search-btn" value="搜索"></form></div></div>
</div>
<div class="nav"><ul class="w1200">
<li`)
	if active < 0 {
		w(b, ` class="on"`)
	}
	w(b, `><a href="/">首页</a></li>`)
	for _, c := range s.navColumns() {
		w(b, "\n<li")
		if c.idx == active {
			w(b, ` class="on"`)
		}
		w(b, `><a href="`, s.colHref(c), `">`, c.name, `</a></li>`)
	}
	w(b, "\n</ul></div>\n")
}

// writeFooter writes the footer seen on every page of the real site.
func (s *Site) writeFooter(b *strings.Builder, path string, legacy bool) {
	if s.rn != nil {
		s.rednetFooter(b, path)
		return
	}
	count := strconv.FormatUint(10000000+hashString(s.seed, path)%9000000, 10)
	if legacy {
		w(b, `<table width="1000" border="0" align="center" class="bottom"><tr><td align="center">
<a href="/about.html">关于我们</a> | <a href="/sitemap.html">网站地图</a> | <a href="mailto:hnredstar@126.com">联系我们</a> | <a href="/private/notice.html">内部通知</a><br>
主办单位：中共湖南省委组织部&nbsp;&nbsp;技术支持：湖南红网新媒体集团<br>
ICP备案号：<a href="https://beian.miit.gov.cn/" target="_blank">湘ICP备17016663号-1</a><br>
欢迎您访问红星网&nbsp;&nbsp;您是第 <font color="red">`, count, `</font> 位来访者
</td></tr></table>
`)
		return
	}
	w(b, `<div class="footer">
<div class="footer-links"><a href="/about.html">关于我们</a> | <a href="/sitemap.html">网站地图</a> | <a href="mailto:hnredstar@126.com">联系我们</a> | <a href="/private/notice.html">内部通知</a> | <a href="/admin/login.jsp">后台管理</a></div>
<p>主办单位：中共湖南省委组织部</p>
<p>技术支持：湖南红网新媒体集团</p>
<p>ICP备案号：<a href="https://beian.miit.gov.cn/" target="_blank">湘ICP备17016663号-1</a></p>
<p>欢迎您访问红星网</p>
<p>您是第 <span id="visitor">`, count, `</span> 位来访者</p>
</div>
`)
}

// writeSpam writes the injected SEO-spam block: county names separated by
// "| ", in one of a few hiding styles.
func (s *Site) writeSpam(b *strings.Builder, path string) {
	r := newRNG(s.seed, tagSpam, hashString(s.seed, path))
	switch r.intn(4) {
	case 0:
		w(b, `<div class="yqlj">`)
	case 1:
		w(b, `<div style="display:none">`)
	case 2:
		w(b, `<div style="position:absolute;top:-999px;left:-999px;">`)
	default:
		w(b, `<div class="links-`, strconv.Itoa(r.intn(90)+10), `">`)
	}
	idx := make([]int, len(spamCounties))
	for i := range idx {
		idx[i] = i
	}
	for i := range r.between(30, 45) {
		j := i + r.intn(len(idx)-i)
		idx[i], idx[j] = idx[j], idx[i]
		w(b, spamCounties[idx[i]], "| ")
	}
	w(b, "</div>\n")
}

func (s *Site) writeCrumb(b *strings.Builder, class, label, sep, home string, col *column, colHref string, tail string) {
	w(b, `<div class="`, class, `">`, label, `<a href="`, home, `">首页</a>`, sep, `<a href="`, colHref, `">`, col.name, `</a>`)
	if tail != "" {
		w(b, sep, tail)
	}
	w(b, "</div>\n")
}

// createPageJS is the TRS pager function, defined in pages that call it.
const createPageJS = `<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){
		return;
	}
	var nCurrIndex = _nCurrIndex || 0;
	if(nCurrIndex == 0)
		document.write("<span>首页</span>&nbsp;<span>上一页</span>&nbsp;");
	else{
		document.write("<a href=\""+_sPageName+"."+_sPageExt+"\">首页</a>&nbsp;");
		if(nCurrIndex == 1)
			document.write("<a href=\""+_sPageName+"."+_sPageExt+"\">上一页</a>&nbsp;");
		else
			document.write("<a href=\""+_sPageName+"_" + (nCurrIndex-1) + "."+_sPageExt+"\">上一页</a>&nbsp;");
	}
	for(var i=0; i<_nPageCount; i++){
		if(i == nCurrIndex)
			document.write("<span class=\"cur\">"+(i+1)+"</span>&nbsp;");
		else if(i == 0)
			document.write("<a href=\""+_sPageName+"."+_sPageExt+"\">"+(i+1)+"</a>&nbsp;");
		else
			document.write("<a href=\""+_sPageName+"_" + i + "."+_sPageExt+"\">"+(i+1)+"</a>&nbsp;");
	}
	if(nCurrIndex == (_nPageCount-1))
		document.write("<span>下一页</span>&nbsp;<span>尾页</span>");
	else{
		document.write("<a href=\""+_sPageName+"_" + (nCurrIndex+1) + "."+_sPageExt+"\">下一页</a>&nbsp;");
		document.write("<a href=\""+_sPageName+"_" + (_nPageCount-1) + "."+_sPageExt+"\">尾页</a>");
	}
}
</script>
`

const commonHeadJS = `<script type="text/javascript">
function showToday(){var d=new Date();return "今天是"+d.getFullYear()+"年"+(d.getMonth()+1)+"月"+d.getDate()+"日";}
function doZoom(size){var el=document.getElementById("zoom")||document.getElementById("fontzoom");if(el){el.style.fontSize=size+"px";}}
</script>
`

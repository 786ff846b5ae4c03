package simsite

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// challenge is an anti-bot page: a script sets a cookie and reloads.
type challenge struct {
	path   string
	name   string
	status int
	cookie string
	value  string
	jsl    bool // the 加速乐 style (412), else a plain reload script (200)
}

// buildSpecial chooses the deterministic sets of transient and slow pages
// and the challenge pages.
func (s *Site) buildSpecial() {
	r := newRNG(s.seed, tagSpecial)
	n := len(s.arts)
	s.transient = map[string]bool{}
	s.slow = map[string]bool{}
	for range max(2, min(n/60, 50)) {
		id := 1 + r.intn(n)
		s.transient[s.articlePath(id, s.arts[id-1], 0, 0)] = true
	}
	c := s.cols[1]
	s.transient[c.listPath(min(1, c.pageCount(len(c.items))-1))] = true
	for range max(1, min(n/150, 6)) {
		id := 1 + r.intn(n)
		s.slow[s.articlePath(id, s.arts[id-1], 0, 0)] = true
	}
	s.slow[s.cols[2].listPath(0)] = true

	v := strconv.FormatUint(r.next()%1e10, 10)
	s.challenges = []challenge{
		{path: "/zt/ztjy/index.html", name: "学习贯彻习近平新时代中国特色社会主义思想主题教育", status: http.StatusPreconditionFailed,
			cookie: "__jsl_clearance_s", value: "1706512800.716|0|" + v, jsl: true},
		{path: "/zt/dsxx/index.html", name: "党史学习教育", status: http.StatusOK, cookie: "HW_CHECK", value: "hw" + v},
		{path: "/hdjl/index.html", name: "互动交流", status: http.StatusPreconditionFailed,
			cookie: "__jsluid_h", value: strconv.FormatUint(r.next(), 16), jsl: true},
	}
}

func (s *Site) challengeAt(path string) *challenge {
	for i := range s.challenges {
		if s.challenges[i].path == path {
			return &s.challenges[i]
		}
	}
	return nil
}

func (s *Site) serveChallenge(wr http.ResponseWriter, r *http.Request, ch *challenge) {
	if ck, err := r.Cookie(ch.cookie); err == nil && ck.Value == ch.value {
		var b strings.Builder
		s.pageStart(&b, ch.name+"_红星网")
		w(&b, `<div class="w1200 zt"><div class="zt-banner"><h2>`, ch.name, "</h2></div>\n<ul class=\"zt-list\">\n")
		rr := newRNG(s.seed, tagSpecial, hashString(s.seed, ch.path))
		n := s.Len()
		for range 10 {
			id := 1 + rr.intn(n)
			m, _ := s.meta(id)
			t, _ := s.titleOf(id, m)
			w(&b, `<li><a href="`, s.articlePath(id, m, 0, 0), `">`, esc(t), "</a></li>\n")
		}
		w(&b, "</ul>\n</div>\n")
		s.pageEnd(&b, ch.path)
		s.sendHTML(wr, r, http.StatusOK, declUTF8Both, b.String())
		return
	}
	var b strings.Builder
	if ch.jsl {
		// The value is split and concatenated as 加速乐 does.
		half := len(ch.value) / 2
		w(&b, `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><script>document.cookie=('_')+('_')+('`,
			strings.TrimPrefix(ch.cookie, "__"), `')+('=')+('`, ch.value[:half], `'+'`, ch.value[half:], `')+';max-age=3600;path=/';location.href=location.pathname+location.search</script></body></html>`)
	} else {
		w(&b, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title></head><body><noscript>请开启JavaScript并刷新该页。</noscript><script type="text/javascript">(function(){var v="`,
			ch.value, `";document.cookie="`, ch.cookie, `="+v+"; path=/";setTimeout(function(){window.location.reload();},300);})();</script></body></html>`)
	}
	wr.Header().Set("Cache-Control", "no-cache")
	s.send(wr, r, ch.status, "text/html", []byte(b.String()))
}

// pageStart and pageEnd frame the site's plain (non-article) pages.
func (s *Site) pageStart(b *strings.Builder, title string) {
	w(b, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>", title, "</title>\n",
		`<meta name="keywords" content="红星网,湖南组工,组织工作,干部工作,基层党建,人才工作">`+"\n",
		`<meta name="description" content="红星网是中共湖南省委组织部主办的组织工作门户网站。">`+"\n",
		`<link rel="stylesheet" href="/css/index.css">`+"\n", commonHeadJS, "</head>\n<body>\n")
	s.writeTop(b, -1, false)
}

func (s *Site) pageEnd(b *strings.Builder, path string) {
	s.writeFooter(b, path, false)
	s.writeSpam(b, path)
	w(b, "</body>\n</html>\n")
}

func (s *Site) renderHome(b *strings.Builder, rc *reqCtx) {
	s.pageStart(b, "红星网")
	n := s.Len()
	w(b, `<div class="w1200 index-main">`+"\n")
	if n > 0 {
		m, _ := s.meta(n)
		t, _ := s.titleOf(n, m)
		w(b, `<div class="headline"><h2><a href="`, s.articlePath(n, m, 0, 0), `" target="_blank">`, esc(t), "</a></h2></div>\n")
	}
	w(b, `<div class="latest"><div class="hd"><span>最新动态</span></div>`+"\n<ul>\n")
	for id := n; id > max(0, n-10); id-- {
		m, _ := s.meta(id)
		t, _ := s.titleOf(id, m)
		w(b, `<li><a href="`, s.articlePath(id, m, 0, 0), `" target="_blank">`, esc(t), `</a><span>`, minuteTime(m.minute).Format("01-02"), "</span></li>\n")
	}
	w(b, "</ul>\n</div>\n")
	for _, c := range s.navColumns() {
		w(b, `<div class="col-block"><div class="hd"><span>`, c.name, `</span><a href="`, s.colHref(c), `" class="more">更多&gt;&gt;</a></div>`+"\n<ul>\n")
		for _, e := range s.entries(s.colItems(c), 0, 6) {
			w(b, `<li><a href="`, e.path, `" target="_blank" title="`, esc(e.title), `">`, esc(shortTitle(e.title, 22)), `</a><span>`, e.date, "</span></li>\n")
		}
		w(b, "</ul>\n</div>\n")
	}
	w(b, `<div class="zt-block"><div class="hd"><span>专题专栏</span></div>`+"\n<ul>\n")
	for _, c := range s.topics() {
		w(b, `<li><a href="`, s.colHref(c), `" target="_blank">`, c.name, "</a></li>\n")
	}
	for _, ch := range s.challenges {
		w(b, `<li><a href="`, ch.path, `" target="_blank">`, ch.name, "</a></li>\n")
	}
	w(b, `<li><a href="/zt/2019/lzjy/index.html" target="_blank">廉政教育专题</a></li>`+"\n</ul>\n</div>\n")
	if n > 40 {
		rr := newRNG(s.seed, tagSpecial, 77)
		w(b, `<div class="wqhg"><div class="hd"><span>往期回顾</span></div>`+"\n<ul>\n")
		for range 3 {
			id := 1 + rr.intn(n/2)
			m, _ := s.meta(id)
			t, _ := s.titleOf(id, m)
			w(b, `<li><a href="`, s.oldPath(id, m), `">`, esc(t), "</a></li>\n")
		}
		w(b, "</ul>\n</div>\n")
	}
	latest := time.Date(2024, 12, 31, 0, 0, 0, 0, cst)
	if n > 0 {
		m, _ := s.meta(n)
		latest = minuteTime(m.minute)
	}
	w(b, `<div class="tools-block"><a href="/calendar.html?date=`, latest.Format("2006-01-02"), `">按日期浏览</a> | <a href="javascript:void(0)" onclick="window.open('/calendar.html')">信息日历</a></div>`+"\n")
	w(b, `<div class="hot-search">热门搜索：`)
	for _, q := range []string{"干部", "选调生", "基层党建", "人才"} {
		w(b, `<a href="/search?q=`, url.QueryEscape(q), `&amp;page=1">`, q, "</a> ")
	}
	w(b, "</div>\n")
	w(b, `<div class="friend-links"><span>友情链接：</span>
<a href="http://www.gov.cn/" target="_blank">中国政府网</a>
<a href="http://www.hunan.gov.cn/" target="_blank">湖南省人民政府</a>
<a href="https://www.12371.cn/" target="_blank">共产党员网</a>
<a href="//www.people.com.cn/" target="_blank">人民网</a>
<a href="/link/rednet" target="_blank">红网</a>
<a href="`, rc.localhost("/index.html"), `" target="_blank">红星网（旧版）</a>
<a href="http://www.hnredstar.gov.cn/" target="_blank">红星网</a>
</div>
</div>
`)
	s.pageEnd(b, "/")
}

// serveCalendar is an endless trap that robots.txt does not forbid: every
// day links to its neighbours, forever.
func (s *Site) serveCalendar(wr http.ResponseWriter, r *http.Request) {
	day, err := time.ParseInLocation("2006-01-02", r.URL.Query().Get("date"), cst)
	if err != nil {
		n := s.Len()
		day = time.Date(2024, 12, 31, 0, 0, 0, 0, cst)
		if n > 0 {
			m, _ := s.meta(n)
			t := minuteTime(m.minute)
			day = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, cst)
		}
	}
	lo := int32(day.Sub(epoch) / time.Minute)
	hi := lo + 1440
	var ids []int
	s.mu.RLock()
	i := sort.Search(len(s.arts), func(i int) bool { return s.arts[i].minute >= lo })
	for ; i < len(s.arts) && s.arts[i].minute < hi; i++ {
		ids = append(ids, i+1)
	}
	s.mu.RUnlock()

	link := func(t time.Time, text string) string {
		return `<a href="/calendar.html?date=` + t.Format("2006-01-02") + `">` + text + "</a>"
	}
	var b strings.Builder
	s.pageStart(&b, "信息日历 "+day.Format("2006年1月2日")+"_红星网")
	w(&b, `<div class="w1200 calendar"><div class="cal-nav">`,
		link(day.AddDate(-1, 0, 0), "上一年"), " ", link(day.AddDate(0, -1, 0), "上一月"), " ",
		link(day.AddDate(0, 0, -1), "前一天"), " <b>", day.Format("2006年1月2日"), "</b> ",
		link(day.AddDate(0, 0, 1), "后一天"), " ", link(day.AddDate(0, 1, 0), "下一月"), " ",
		link(day.AddDate(1, 0, 0), "下一年"), "</div>\n<table class=\"cal\"><tr>")
	first := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, cst)
	for k := 0; k < int(first.Weekday()); k++ {
		w(&b, "<td></td>")
	}
	for d := first; d.Month() == first.Month(); d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Sunday && d.Day() != 1 {
			w(&b, "</tr>\n<tr>")
		}
		w(&b, "<td>", link(d, strconv.Itoa(d.Day())), "</td>")
	}
	w(&b, "</tr></table>\n<ul class=\"cal-list\">\n")
	if len(ids) == 0 {
		w(&b, "<li>当日暂无信息</li>\n")
	}
	for _, id := range ids {
		m, _ := s.meta(id)
		t, _ := s.titleOf(id, m)
		w(&b, `<li><a href="`, s.articlePath(id, m, 0, 0), `">`, esc(t), "</a></li>\n")
	}
	w(&b, "</ul>\n</div>\n")
	s.pageEnd(&b, "/calendar.html")
	s.sendHTML(wr, r, http.StatusOK, declUTF8Both, b.String())
}

// serveSearch answers /search?q=…&page=N (disallowed by robots.txt); every
// page links to the next, endlessly.
func (s *Site) serveSearch(wr http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	var b strings.Builder
	s.pageStart(&b, "搜索结果_红星网")
	w(&b, `<div class="w1200 search-result"><p>搜索“`, esc(q), `”的结果，第`, strconv.Itoa(page), "页</p>\n<ul>\n")
	rr := newRNG(s.seed, tagSearch, hashString(s.seed, q), uint64(page))
	if n := s.Len(); n > 0 {
		for range 10 {
			id := 1 + rr.intn(n)
			m, _ := s.meta(id)
			t, _ := s.titleOf(id, m)
			w(&b, `<li><a href="`, s.articlePath(id, m, 0, 0), `">`, esc(t), "</a></li>\n")
		}
	}
	next := "/search?q=" + url.QueryEscape(q) + "&amp;page=" + strconv.Itoa(page+1)
	w(&b, "</ul>\n<div class=\"page\"><a href=\"", next, "\">下一页</a></div>\n</div>\n")
	s.pageEnd(&b, "/search")
	s.sendHTML(wr, r, http.StatusOK, declUTF8Both, b.String())
}

// serveStatic answers the site's other pages and files; it reports whether
// path was one of them.
func (s *Site) serveStatic(wr http.ResponseWriter, r *http.Request) bool {
	path := r.URL.Path
	var b strings.Builder
	switch path {
	case "/about.html":
		s.pageStart(&b, "关于我们_红星网")
		w(&b, `<div class="w1200 about"><h2>关于我们</h2>
<p>红星网是中共湖南省委组织部主办的组织工作门户网站，主要宣传党的组织路线方针政策，报道全省组织工作动态，交流各地干部工作、基层党建、人才工作经验。</p>
<p>网站设有`, strings.Join(s.ColumnNames(), "、"), `等栏目，欢迎各级组织部门和广大党员干部踊跃投稿。</p>
<p>投稿邮箱：<a href="mailto:hnredstar@126.com">hnredstar@126.com</a></p>
</div>
`)
		s.pageEnd(&b, path)
	case "/sitemap.html":
		s.pageStart(&b, "网站地图_红星网")
		w(&b, `<div class="w1200 sitemap"><h2>网站地图</h2><ul>`+"\n")
		for _, c := range s.cols {
			w(&b, `<li><a href="`, s.colHref(c), `">`, c.name, "</a></li>\n")
		}
		w(&b, "</ul>\n</div>\n")
		s.pageEnd(&b, path)
	case "/private/notice.html":
		s.pageStart(&b, "内部通知_红星网")
		w(&b, `<div class="w1200"><h2>内部通知</h2><p>本页面仅限内部人员访问。</p></div>`+"\n")
		s.pageEnd(&b, path)
	case "/admin/login.jsp":
		w(&b, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>后台管理登录</title></head><body><form method="post" action="/admin/login.jsp"><input name="username"><input type="password" name="password"><input type="submit" value="登录"></form></body></html>`)
	default:
		return s.serveFile(wr, r)
	}
	s.sendHTML(wr, r, http.StatusOK, declUTF8Both, b.String())
	return true
}

// serveFile answers stylesheets, scripts, images and attachments with small
// valid files of the right type.
func (s *Site) serveFile(wr http.ResponseWriter, r *http.Request) bool {
	path := r.URL.Path
	ext := strings.ToLower(path[strings.LastIndexByte(path, '.')+1:])
	if !strings.Contains(fileName(path), ".") {
		return false
	}
	var body []byte
	ctype := ""
	switch ext {
	case "css":
		ctype, body = "text/css", []byte("body{margin:0;font-family:\"Microsoft YaHei\",SimSun;}\n")
	case "js":
		ctype, body = "application/javascript", []byte("/* static script */\n")
	case "jpg", "jpeg", "png", "gif", "ico":
		img := image.NewPaletted(image.Rect(0, 0, 4, 3), color.Palette{color.RGBA{0xc0, 0x10, 0x10, 0xff}, color.White})
		var buf bytes.Buffer
		switch ext {
		case "png":
			ctype = "image/png"
			_ = png.Encode(&buf, img)
		case "gif", "ico":
			ctype = "image/gif"
			_ = gif.Encode(&buf, img, nil)
		default:
			ctype = "image/jpeg"
			_ = jpeg.Encode(&buf, img, nil)
		}
		body = buf.Bytes()
	case "pdf":
		ctype, body = "application/pdf", []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	case "doc", "xls":
		ctype = map[string]string{"doc": "application/msword", "xls": "application/vnd.ms-excel"}[ext]
		body = append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, make([]byte, 504)...)
	case "docx", "xlsx", "zip":
		ctype = map[string]string{
			"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			"zip":  "application/zip"}[ext]
		body = append([]byte("PK\x05\x06"), make([]byte, 18)...)
	default:
		return false
	}
	s.send(wr, r, http.StatusOK, ctype, body)
	return true
}

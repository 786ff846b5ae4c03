package extract

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// boilerplate is why a segment is not article text.
type boilerplate int

const (
	bpNone       boilerplate = iota
	bpFooter                 // 主办单位, ICP备, 版权所有, visitor counters
	bpWidget                 // share, print, close, font size
	bpRelated                // 相关阅读, 上一篇/下一篇
	bpDisclaimer             // 免责声明, 版权声明
	bpPager                  // a lone 1, 上一页 1 2 3 下一页
	bpSpam                   // |-separated place names and other keyword lists
)

var (
	// footerWords and widgetWords are literal markers, cheaper than one
	// large regular expression; footerMark and widgetLine add the patterns.
	footerWords = []string{"ICP备", "ICP证", "ICP證", "icp备", "公网安备", "公網安備", "网站标识码", "網站標識碼",
		"版权所有", "版權所有", "Copyright", "copyright", "COPYRIGHT", "©", "主办单位", "主辦單位", "承办单位", "承辦單位",
		"协办单位", "協辦單位", "技术支持", "技術支持", "位来访者", "位來訪者", "欢迎您访问", "歡迎您訪問", "欢迎访问", "歡迎訪問",
		"网站地图", "網站地圖", "联系我们", "聯繫我們", "聯絡我們", "设为首页", "設為首頁", "加入收藏", "建议使用", "建議使用",
		"分辨率", "网站纠错", "政府网站找错", "All rights reserved", "All Rights Reserved", "all rights reserved",
		"备案号", "備案號", "备案编号"}
	widgetWords = []string{"分享到", "分享至", "一键分享", "扫一扫", "掃一掃", "扫描二维码", "掃描二維碼", "打印本页", "打印此页",
		"打印文章", "打印页面", "打印本頁", "关闭窗口", "關閉窗口", "关闭本页", "關閉本頁", "字体：", "字体:", "字體：", "字體:",
		"字號：", "字號:", "字号：", "字号:", "返回顶部", "回到顶部", "返回頂部", "收藏本页", "我要纠错", "手机扫", "微信扫",
		"扫码阅读", "在手机打开", "调整字体", "字体大小", "扫描下方二维码", "长按识别二维码", "我要跟帖"}
	// relatedWords and disclaimWords open a line of a related-articles
	// block or a disclaimer (after an optional bracket); English words
	// match in any case.
	relatedWords = []string{"相关阅读", "相关新闻", "相关链接", "相关文章", "相關閱讀", "相關新聞", "相關鏈接", "相關文章", "延伸阅读", "延伸閱讀",
		"推荐阅读", "推薦閱讀", "相关报道", "相關報道", "热点推荐", "精彩推荐", "热门文章", "猜你喜欢", "上一篇", "下一篇", "上一條", "下一條",
		"上一条", "下一条", "上一则", "下一则", "更多阅读", "热点新闻", "热门推荐", "网友评论", "發表評論", "发表评论", "我要评论", "相关稿件",
		"related articles", "related stories", "related posts", "related content", "read more", "share this", "more stories"}
	disclaimWords = []string{"免责声明", "免責聲明", "版权声明", "版權聲明", "特别声明", "特別聲明", "声明:", "声明：", "聲明:", "聲明：",
		"转载请注明", "轉載請註明", "本文来源:", "本文来源："}
	// pagerWords are the words of a pager line besides digits and marks.
	pagerWords = []string{"上一页", "下一页", "上页", "下页", "首页", "尾页", "末页", "前页", "后页", "上一頁", "下一頁", "首頁", "尾頁", "末頁",
		"当前第", "跳转", "跳轉", "转到", "轉到"}
)

// adLines are whole lines that label an advertisement slot, lower-cased.
var adLines = map[string]bool{"advertisement": true, "advertising": true, "sponsored": true, "广告": true, "廣告": true,
	"continue reading below": true, "story continues below": true, "article continues below": true,
	"story continues below advertisement": true, "continue reading the main story": true}

// classify tells whether a segment is boilerplate.
func classify(s *segment) boilerplate {
	t := s.text
	if t == "" {
		return bpNone
	}
	if spamLine(t) {
		return bpSpam
	}
	if s.n <= 120 && pagerLine(t) {
		// A date or a number sentence is not a pager: require a digit run
		// no longer than 4, or pager words.
		if !dateRe.MatchString(t) {
			return bpPager
		}
	}
	if s.n > 250 {
		if openedBy(t, disclaimWords) {
			return bpDisclaimer
		}
		return bpNone
	}
	sentences := 0
	if s.wide {
		sentences = strings.Count(t, "。") + strings.Count(t, "！") + strings.Count(t, "？")
	}
	if (s.n <= 60 || sentences == 0) && (containsAny(t, footerLatin) || s.wide && (containsAny(t, footerWide) || footerMark(t))) {
		return bpFooter
	}
	if s.n <= 30 && adLines[strings.ToLower(t)] {
		return bpWidget
	}
	if s.n <= 80 && s.wide && (containsAny(t, widgetWords) || widgetLine(t)) {
		return bpWidget
	}
	if s.n <= 80 && openedBy(t, relatedWords) {
		return bpRelated
	}
	if openedBy(t, disclaimWords) {
		return bpDisclaimer
	}
	return bpNone
}

// footerLatin and footerWide split footerWords by whether a word has wide
// characters, which only a line with wide characters can contain.
var footerLatin, footerWide = splitWide(footerWords)

// splitWide splits words into those without and those with East Asian
// wide characters.
func splitWide(words []string) (latin, wide []string) {
	for _, w := range words {
		if strings.ContainsFunc(w, isWide) {
			wide = append(wide, w)
		} else {
			latin = append(latin, w)
		}
	}
	return latin, wide
}

// containsAny reports whether s contains any of words.
func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// isFooter reports whether a line carries footer text: 主办单位, ICP备,
// 版权所有, a visitor counter…
func isFooter(s string) bool { return containsAny(s, footerWords) || footerMark(s) }

// spamLine reports whether a line is a keyword list: five or more short
// items separated by |, ｜ or 丨 with no sentence punctuation, or a run of
// place names (红河县 德惠市 柘城县 …).
func spamLine(t string) bool {
	if strings.Contains(t, "。") || strings.Contains(t, "，") || strings.Contains(t, "！") || strings.Contains(t, "？") {
		return false
	}
	// Cheap counts first: five items need four separators, six place
	// names at least five place suffixes.
	seps, suffixes := 0, 0
	for _, r := range t {
		switch r {
		case '|', '｜', '丨', '¦':
			seps++
		case '县', '市', '区', '省', '州', '旗', '镇', '乡', '盟', '縣', '區', '鎮', '鄉':
			suffixes++
		}
	}
	if seps < 4 && suffixes < 5 {
		return false
	}
	parts := strings.FieldsFunc(t, func(r rune) bool { return r == '|' || r == '｜' || r == '丨' || r == '¦' })
	if len(parts) >= 5 {
		short, fields := 0, 0
		for _, p := range parts {
			if n := runeLen(strings.TrimSpace(p)); n > 0 && n <= 12 {
				short++
			}
			if strings.ContainsAny(p, ":：") {
				fields++
			}
		}
		// Items that are labelled fields (来源：X | 日期：… | 浏览次数：)
		// make a source/time line, not a keyword list.
		if short*10 >= len(parts)*8 && fields < 2 {
			return true
		}
	}
	fields := strings.FieldsFunc(t, func(r rune) bool { return isSpace(r) || r == '|' || r == '｜' || r == '丨' || r == '、' || r == ',' })
	if len(fields) >= 6 {
		places := 0
		for _, f := range fields {
			rs := []rune(f)
			if len(rs) >= 2 && len(rs) <= 8 && strings.ContainsRune("县市区省州旗镇乡盟縣區鎮鄉", rs[len(rs)-1]) {
				places++
			}
		}
		if places*10 >= len(fields)*7 {
			return true
		}
	}
	return false
}

// value scores a segment for the main-content finder: positive for prose
// (text with sentence punctuation, few links), negative for navigation,
// short labels and boilerplate. An element's score is the sum of its
// segments' values, so the best container is the one holding the most
// prose and the least of everything else.
func value(s *segment, bp boilerplate) float64 {
	n := float64(s.n)
	if bp != bpNone {
		return -20 - n
	}
	if s.n == 0 {
		return 3 * float64(len(s.imgs))
	}
	ld := float64(s.linkN) / n
	t := n - float64(s.linkN)
	var v float64
	switch {
	case ld > 0.5:
		v = -0.5*n - 3
	case s.punct == 0:
		if t > 60 {
			v = -0.3 * t
		} else {
			v = -1
		}
	default:
		v = t*(1-ld) - 8
	}
	if s.neg {
		if v > 0 {
			v = -0.5 * v
		}
		v -= 3
	}
	return v
}

// scored holds the content finder's results.
type scored struct {
	bp     []boilerplate
	vals   []float64
	scores map[*html.Node]float64
	pos    map[*html.Node]float64 // sum of the positive values only
	order  []*html.Node           // scored elements in first-seen order
}

func (a *analysis) score() *scored {
	sc := &scored{
		bp:     make([]boilerplate, len(a.segs)),
		vals:   make([]float64, len(a.segs)),
		scores: map[*html.Node]float64{},
		pos:    map[*html.Node]float64{},
	}
	teaser := a.teasers()
	for i := range a.segs {
		s := &a.segs[i]
		sc.bp[i] = classify(s)
		v := value(s, sc.bp[i])
		if teaser[i] && v > 0 {
			v = -0.3*v - 2
		}
		sc.vals[i] = v
		for n := s.node; n != nil; n = n.Parent {
			if _, ok := sc.scores[n]; !ok {
				sc.order = append(sc.order, n)
			}
			sc.scores[n] += v
			if v > 0 {
				sc.pos[n] += v
			}
			if n == a.body {
				break
			}
		}
	}
	return sc
}

// teasers marks the segments of teaser lists: three or more sibling
// elements of the same tag and class that each hold a line that is only a
// link (a headline) and a short summary. Their summaries read like prose
// but belong to "more stories" blocks, not to the article.
func (a *analysis) teasers() map[int]bool {
	// first maps each element holding segments to its first one; the
	// segments are in document order, so an element seen before has its
	// ancestors recorded too.
	first := map[*html.Node]int{}
	var parents []*html.Node
	bodyParent := false
	for i := range a.segs {
		for n := a.segs[i].node; n != nil && n != a.body; n = n.Parent {
			if _, ok := first[n]; ok {
				break
			}
			first[n] = i
			switch p := n.Parent; {
			case p == nil:
			case p == a.body:
				if !bodyParent {
					bodyParent = true
					parents = append(parents, p)
				}
			default:
				if _, ok := first[p]; !ok {
					parents = append(parents, p)
				}
			}
		}
	}
	last := func(c *html.Node) int {
		i := first[c]
		for i+1 < len(a.segs) && contains(c, a.segs[i+1].node) {
			i++
		}
		return i
	}
	teaser := func(c *html.Node) bool {
		i, ok := first[c]
		if !ok {
			return false
		}
		head, summary, text := false, false, 0
		for end := last(c); i <= end; i++ {
			s := &a.segs[i]
			text += s.n - s.linkN
			switch {
			case s.n >= 4 && s.linkN*10 >= s.n*9:
				head = true
			case head && s.punct > 0 && s.n >= 10 && s.linkN*2 < s.n:
				summary = true
			}
		}
		return head && summary && text <= 400
	}
	out := map[int]bool{}
	for _, p := range parents {
		bySig := map[signature][]*html.Node{}
		for c := p.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				if _, ok := first[c]; ok {
					bySig[sig(c)] = append(bySig[sig(c)], c)
				}
			}
		}
		for _, cs := range bySig {
			if len(cs) < 3 {
				continue
			}
			var hits []*html.Node
			for _, c := range cs {
				if teaser(c) {
					hits = append(hits, c)
				}
			}
			if len(hits) >= 3 && len(hits)*2 >= len(cs) {
				for _, c := range hits {
					for i, end := first[c], last(c); i <= end; i++ {
						out[i] = true
					}
				}
			}
		}
	}
	return out
}

// best returns the element with the highest score, descending into a
// child while the child keeps all of it (the parent only adds
// non-positive text).
func (sc *scored) best() (*html.Node, float64) {
	var best *html.Node
	bs := 0.0
	for _, n := range sc.order {
		if n.Type != html.ElementNode {
			continue
		}
		if s := sc.scores[n]; best == nil || s > bs {
			best, bs = n, s
		}
	}
	for best != nil {
		next := best
		for c := best.FirstChild; c != nil; c = c.NextSibling {
			s, ok := sc.scores[c]
			if ok && c.Type == html.ElementNode && s >= bs-1e-9 {
				next = c
				break
			}
			// A child holding nearly all the prose: the rest is side
			// matter (tickers, sidebars) that only outweighs the
			// navigation between.
			if ok && c.Type == html.ElementNode && sc.pos[c] >= dominance*sc.pos[best] && s > 0 {
				next = c
				break
			}
		}
		if next == best {
			break
		}
		best, bs = next, sc.scores[next]
	}
	return best, bs
}

// dominance is the share of a container's prose that one child must hold
// for the finder to narrow down to it.
const dominance = 0.8

// contains reports whether n is a or a descendant of a.
func contains(a, n *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == a {
			return true
		}
	}
	return false
}

// bodyResult is the article body read from one or more containers.
type bodyResult struct {
	paras       []string
	images      []string
	attachments []string
	author      string
	editor      string
	source      string // from a trailing 来源 line
	first, last int    // first and last kept segment, -1 when none
	runes       int    // non-space runes in paras
	punct       int
}

// attachExt lists attachment file extensions.
var attachExt = map[string]bool{
	".pdf": true, ".doc": true, ".docx": true, ".xls": true, ".xlsx": true, ".zip": true,
	".rar": true, ".wps": true, ".et": true, ".ppt": true, ".pptx": true, ".7z": true, ".ofd": true,
}

// isAttachment reports whether an absolute URL names an attachment file,
// in its path or in a query value (download.jsp?file=a.pdf).
func isAttachment(raw string) bool {
	if !strings.Contains(raw, ".") {
		return false
	}
	if i := strings.IndexAny(raw, "?#"); i < 0 {
		// No query: the path's extension decides.
		if j := strings.LastIndexByte(raw, '.'); j > strings.LastIndexByte(raw, '/') {
			return attachExt[strings.ToLower(raw[j:])]
		}
		return false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if attachExt[strings.ToLower(path.Ext(u.Path))] {
		return true
	}
	for _, vs := range u.Query() {
		for _, v := range vs {
			if attachExt[strings.ToLower(path.Ext(v))] {
				return true
			}
		}
	}
	return false
}

// readBody collects the article text from the segments inside the
// containers, dropping boilerplate, the title, meta lines, navigation and
// editor lines.
func (e *Extractor) readBody(p *Page, a *analysis, sc *scored, containers []*html.Node, title string, skip map[int]bool, configured bool) bodyResult {
	br := bodyResult{first: -1, last: -1}
	in := func(s *segment) *html.Node {
		for _, c := range containers {
			if contains(c, s.node) {
				return c
			}
		}
		return nil
	}
	var idx []int
	for i := range a.segs {
		if in(&a.segs[i]) != nil {
			idx = append(idx, i)
		}
	}
	// Leading and trailing zones: before the first and after the last
	// real paragraph, where meta lines live.
	firstReal, lastReal := -1, -1
	for _, i := range idx {
		s := &a.segs[i]
		if s.punct > 0 && s.n >= 20 && s.linkN*2 < s.n && sc.bp[i] == bpNone {
			if firstReal < 0 {
				firstReal = i
			}
			lastReal = i
		}
	}
	total := 0
	for _, i := range idx {
		if s := &a.segs[i]; s.punct > 0 && sc.bp[i] == bpNone && s.linkN*2 < s.n {
			total += s.n
		}
	}
	seenImg := map[string]bool{}
	seenAtt := map[string]bool{}
	titleDropped := false
	for _, i := range idx {
		s := &a.segs[i]
		c := in(s)
		if skip[i] {
			continue
		}
		if sc.bp[i] != bpNone {
			continue
		}
		if s.neg && negBelow(s.node, c) {
			continue
		}
		leading := firstReal < 0 || i < firstReal
		trailing := lastReal >= 0 && i > lastReal
		if title != "" && !titleDropped && (leading || s.heading > 0) && s.n <= runeLen(title)+12 && overlap(title, s.text) >= 0.9 {
			titleDropped = true
			continue
		}
		if s.n <= 150 && s.text != "" {
			if labels := findLabels(s.gap); len(labels) > 0 {
				ml := parseMetaLine(s.gap, e.location())
				if ml.onlyEditor && labels[0].start < 6 {
					if br.editor == "" {
						br.editor = ml.editor
					}
					if br.author == "" {
						br.author = ml.author
					}
					if ml.editor != "" && br.runes*2 >= total {
						// 责任编辑 closes a Chinese article; what follows is
						// the site's.
						break
					}
					if ml.editor != "" || ml.author != "" || s.n <= 20 {
						continue
					}
				}
				if leading && (ml.source != "" || ml.prec != precNone) {
					continue
				}
				if trailing && ml.source != "" && labels[0].start < 6 {
					if br.source == "" {
						br.source = ml.source
					}
					continue
				}
			}
		}
		atts := attachmentsOf(p, s)
		if s.n > 0 && s.linkN*2 > s.n && len(atts) == 0 && !configured && (leading || trailing || !linkInText(a, i)) {
			continue
		}
		if s.text != "" && !s.caption {
			br.paras = append(br.paras, s.text)
			br.runes += s.n
			br.punct += s.punct
		}
		for _, img := range s.imgs {
			if src := imageURL(p, img); src != "" && !seenImg[src] {
				seenImg[src] = true
				br.images = append(br.images, src)
			}
		}
		for _, u := range atts {
			if !seenAtt[u] {
				seenAtt[u] = true
				br.attachments = append(br.attachments, u)
			}
		}
		if br.first < 0 {
			br.first = i
		}
		br.last = i
	}
	// A summary box (【导语】, 摘要：) inside the container repeats the
	// beginning of the text.
	if len(br.paras) > 1 && repeatsNext(br.paras[0], br.paras[1]) {
		br.paras = br.paras[1:]
	}
	// Stray controls at the edges: 字号, 关注, 图集, +1.
	for len(br.paras) > 0 && edgeJunk(br.paras[0]) {
		br.paras = br.paras[1:]
	}
	for len(br.paras) > 0 && edgeJunk(br.paras[len(br.paras)-1]) {
		br.paras = br.paras[:len(br.paras)-1]
	}
	// Attachment lists often sit just after the text container.
	if len(idx) > 0 {
		end := idx[len(idx)-1]
		for i := end + 1; i < len(a.segs) && i <= end+8; i++ {
			if sc.bp[i] == bpFooter || sc.bp[i] == bpRelated {
				break
			}
			for _, u := range attachmentsOf(p, &a.segs[i]) {
				if !seenAtt[u] {
					seenAtt[u] = true
					br.attachments = append(br.attachments, u)
				}
			}
		}
	}
	return br
}

// summaryLabels open a summary box: 【导语】, 摘要：, 内容提要：.
var summaryLabels = []string{"内容摘要", "内容提要", "核心提示", "摘要", "导语", "提要", "導語", "摘要"}

// repeatsNext reports whether paragraph p, without its summary label,
// repeats the start of paragraph next: a summary box before the text.
func repeatsNext(p, next string) bool {
	t := strings.TrimLeft(p, "【[〔（( ")
	labelled := false
	for _, l := range summaryLabels {
		if strings.HasPrefix(t, l) {
			t = strings.TrimLeft(t[len(l):], "】]〕）) :：")
			labelled = true
			break
		}
	}
	// Without a label, only a shorter lead is a summary: a paragraph
	// printed twice is the text's own, and stays.
	return runeLen(t) >= 10 && strings.HasPrefix(next, t) && (labelled || len(t) < len(next))
}

// linkInText reports whether the link-dense segment i, amid the text,
// belongs to it (a URL, a product or a source named by a link) rather
// than to a block of links: neither of its neighbours is link-dense too,
// and it is not a shouted promotion (A LINKED LINE IN CAPITALS).
func linkInText(a *analysis, i int) bool {
	linky := func(j int) bool {
		return j >= 0 && j < len(a.segs) && a.segs[j].n > 0 && a.segs[j].linkN*2 > a.segs[j].n
	}
	if linky(i-1) || linky(i+1) {
		return false
	}
	upper, letters := 0, 0
	for _, r := range a.segs[i].text {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return !(letters >= 12 && upper*10 >= letters*9)
}

// edgeJunk reports whether a paragraph at the start or end of the body is
// a stray control rather than text: at most three characters without
// sentence punctuation.
func edgeJunk(p string) bool {
	return nonSpace(p) <= 3 && countPunct(p) == 0
}

// negBelow reports whether the unlikely region holding n starts below
// container c: n has an unlikely ancestor strictly inside c.
func negBelow(n, c *html.Node) bool {
	for ; n != nil && n != c; n = n.Parent {
		if n.Type == html.ElementNode && unlikelyNode(n) {
			return true
		}
	}
	return false
}

// unlikelyNode is the class/tag test of segmenter.unlikely without the
// size limit.
func unlikelyNode(n *html.Node) bool {
	switch n.Data {
	case "nav", "footer", "aside":
		return true
	}
	ci := classID(n)
	return ci != " " && unlikelyWords.match(ci) && !maybeWords.match(ci)
}

// attachmentsOf returns the attachment links of a segment.
func attachmentsOf(p *Page, s *segment) []string {
	var out []string
	for _, l := range s.links {
		if u := p.resolve(attr(l, "href")); u != "" && isAttachment(u) {
			out = append(out, u)
		}
	}
	return out
}

var placeholderRe = regexp.MustCompile(`(?i)blank|loading|lazy|spacer|placeholder|grey\.gif|pixel|1x1|transparent`)

// imageURL returns an image's absolute address, preferring lazy-load
// attributes over a placeholder src, or "" for icons and data URIs.
func imageURL(p *Page, img *html.Node) string {
	src := strings.TrimSpace(attr(img, "src"))
	for _, k := range []string{"data-original", "data-src", "data-lazy-src", "data-url", "original", "data-echo"} {
		if v := strings.TrimSpace(attr(img, k)); v != "" && (src == "" || strings.HasPrefix(src, "data:") || placeholderRe.MatchString(src) || k == "data-original") {
			src = v
			break
		}
	}
	if src == "" || strings.HasPrefix(src, "data:") {
		return ""
	}
	for _, k := range []string{"width", "height"} {
		if v := attr(img, k); v != "" {
			if n := atoi(strings.TrimSuffix(strings.TrimSpace(v), "px")); n > 0 && n <= 16 {
				return ""
			}
		}
	}
	return p.resolve(src)
}

// explainContainer describes a chosen container for Explain.
func explainContainer(n *html.Node, score float64) string {
	return fmt.Sprintf("heuristic: %s score %.0f", describe(n), score)
}

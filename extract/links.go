package extract

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Links is what a page says about the site around it.
type Links struct {
	Kind Kind `json:"kind"`
	// Column is a list page's column name (from the breadcrumb, a
	// ColumnName meta tag, a heading or the title); for an article, its
	// breadcrumb's last column.
	Column string `json:"column,omitempty"`
	// Articles are the absolute URLs of the items in a list page's main
	// list block, in page order.
	Articles []string `json:"articles,omitempty"`
	// Pagination are a list page's other pages: numbered links,
	// 下一页/尾页 (the whole range when the last page is known),
	// createPageHTML script pagers and Hanweb dataproxy requests.
	Pagination []string `json:"pagination,omitempty"`
	// ArticlePages are an article's other pages in order (pages 2..N when
	// read from the first page).
	ArticlePages []string `json:"article_pages,omitempty"`
	// Files are the links to attachment files (.pdf, .xlsx …, as for an
	// article's attachments) anywhere in the main area of a page that is
	// not an article (an article's are its Attachments): a list, or a
	// page too short to be one, such as a topic page with a few items and
	// its table of 附件, or a download page. Links in navigation, header
	// and footer regions are left out. Absolute, deduplicated, in page
	// order.
	Files []string `json:"files,omitempty"`
	// Other is every other http(s) link on the page: absolute, without
	// fragment, deduplicated, in page order.
	Other []string `json:"other,omitempty"`
}

// Links classifies the page and sorts its links.
func (e *Extractor) Links(p *Page) Links {
	if e == nil {
		e = &Extractor{}
	}
	r := e.read(p)
	l := Links{Kind: r.kind}
	used := map[string]bool{}
	self := p.resolve(p.URL.String())
	used[self] = true
	add := func(dst *[]string, u string) {
		if u != "" && !used[u] {
			used[u] = true
			*dst = append(*dst, u)
		}
	}
	switch r.kind {
	case List:
		l.Column = e.listColumn(p, r)
		if r.list != nil {
			for _, it := range r.list.items {
				add(&l.Articles, it.url)
			}
		}
		for _, u := range r.pager.pages {
			add(&l.Pagination, u)
		}
	case ArticlePage:
		l.Column = r.column
		if r.pager.article {
			for _, u := range r.pager.pages {
				add(&l.ArticlePages, u)
			}
		}
	default:
		l.Column = r.column
	}
	if r.kind == List || r.kind == Other {
		for i := range r.a.segs {
			if s := &r.a.segs[i]; !s.neg {
				for _, u := range attachmentsOf(p, s) {
					add(&l.Files, u)
				}
			}
		}
	}
	for _, u := range allLinks(p) {
		add(&l.Other, u)
	}
	return l
}

// allLinks returns every http(s) link target on the page in order:
// <a href>, <area href>, <frame src>, <iframe src>.
func allLinks(p *Page) []string {
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			var ref string
			switch n.DataAtom {
			case atom.A, atom.Area:
				ref = attr(n, "href")
			case atom.Frame, atom.Iframe:
				ref = attr(n, "src")
			}
			if u := p.resolve(ref); u != "" {
				out = append(out, u)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if len(p.Doc.Nodes) > 0 {
		walk(p.Doc.Nodes[0])
	}
	return out
}

// listColumn names a list page's column: selector, ColumnName, the
// breadcrumb's last item, a short heading, or the title.
func (e *Extractor) listColumn(p *Page, r *reading) string {
	if r.column != "" {
		return r.column
	}
	if r.title != "" && runeLen(r.title) <= 20 {
		return r.title
	}
	return cleanTitle(r.a.title)
}

var (
	articleURLRe = regexp.MustCompile(`(?i)/t\d{8}_\d+|/art_\d+_\d+|/content_\d+|/\d{4}[-/]?\d{2}[-/]?\d{2}/|/\d{6}/[^/]+\.s?html?$|/\d{4,}(_\d+)?\.s?html?$|/(art|article|content|detail|show)[^/]*\.(s?html?|jsp|php|aspx?)`)
	listURLRe    = regexp.MustCompile(`(?i)/(index|list|default|more)(_\d+)?\.(s?html?|jsp|php|aspx?)$|/$|/col/col\d+|dataproxy\.jsp`)
)

// classify decides the page kind.
func (e *Extractor) classify(p *Page, r *reading) {
	a := r.a
	u := p.URL.String()
	r.list = bestList(p, a)
	r.pager = e.pages(p, r)
	r.articleURLish = articleURLRe.MatchString(p.URL.Path)
	r.listish = listURLRe.MatchString(p.URL.Path)
	if r.list != nil && len(r.containers) > 0 {
		for _, it := range r.list.items {
			for _, c := range r.containers {
				if contains(c, it.node) || contains(it.node, c) {
					r.bodyOverlapsList = true
				}
			}
		}
	}
	set := func(k Kind, rule string) { r.kind, r.kindRule = k, rule }
	switch {
	case isChallenge(p, a):
		set(Challenge, "script sets a cookie and reloads")
		return
	case matchAny(e.articleURL, u):
		set(ArticlePage, "article_url pattern")
		return
	case matchAny(e.listURL, u):
		set(List, "list_url pattern")
		return
	case p.store != nil && (p.xml || p.store.records > 0):
		set(List, "Hanweb datastore")
		return
	}
	dated, items, listRunes := 0, 0, 0
	if r.list != nil {
		dated, items, listRunes = r.list.dated, len(r.list.items), r.list.runes
	}
	hasPager := len(r.pager.pages) > 0 && !r.pager.article
	listStrong := dated >= 8 || (dated >= 3 && hasPager) || (items >= 5 && hasPager && dated*2 >= items)
	body := r.body.runes
	articleOK := r.title != "" && r.prec != precNone &&
		(body >= 100 || (body >= 10 && (len(r.body.attachments) > 0 || len(r.body.images) > 0)))
	switch {
	case articleOK && !listStrong:
		set(ArticlePage, fmt.Sprintf("title, date and %d characters of text", body))
	case articleOK && listStrong && !r.bodyOverlapsList && (body >= 2*listRunes || r.articleURLish && !r.listish || body >= listRunes && !r.listish):
		set(ArticlePage, fmt.Sprintf("%d characters of text outweigh a list of %d", body, items))
	case listStrong:
		set(List, fmt.Sprintf("list of %d links, %d dated", items, dated))
	case dated >= 4 && body < 300:
		set(List, fmt.Sprintf("list of %d links, %d dated", items, dated))
	case hasPager && dated >= 1 && !articleOK:
		set(List, fmt.Sprintf("list pager and %d dated links", dated))
	case r.pager.article && r.title != "" && body >= 100:
		set(ArticlePage, "article pager and text")
	default:
		set(Other, fmt.Sprintf("no dated list (%d) and no dated text (%d characters)", dated, body))
	}
}

var (
	challengeRe = regexp.MustCompile(`(?i)document\.cookie`)
	reloadRe    = regexp.MustCompile(`(?i)location\.(reload|href|replace|assign)|window\.location|document\.location|location\s*=`)
	wafRe       = regexp.MustCompile(`\$_ts\s*=|__jsl_clearance|acw_sc__v2|_waf_|challenge-form|cf-browser-verification|cf_chl_`)
)

// isChallenge reports whether the page is an anti-bot challenge: little
// visible text, and a script that sets a cookie and reloads, or a known
// WAF marker.
func isChallenge(p *Page, a *analysis) bool {
	if p.xml {
		return false
	}
	if a.textLen[a.body] > 400 {
		return false
	}
	for _, s := range a.scripts {
		if challengeRe.MatchString(s) && reloadRe.MatchString(s) {
			return true
		}
		if wafRe.MatchString(s) {
			return true
		}
	}
	return false
}

// listItem is one entry of a list block.
type listItem struct {
	node  *html.Node // the item element (li, tr, div…) or the link itself
	link  *html.Node
	url   string
	text  string
	dated bool
}

// hasAnyDigit reports whether s holds an ASCII or full-width digit.
func hasAnyDigit(s string) bool {
	for _, r := range s {
		if r >= '0' && r <= '9' || r >= '０' && r <= '９' {
			return true
		}
	}
	return false
}

// groupKey groups list items: bare links by their parent, other items by
// their grandparent and the signatures of their parent and themselves.
type groupKey struct {
	under        *html.Node
	bare         bool
	parent, item signature
}

// listGroup is a set of similar items: a list block.
type listGroup struct {
	items []listItem
	dated int
	runes int
	first int // order of the first item
}

var (
	itemTagAtoms = map[atom.Atom]bool{atom.Li: true, atom.Tr: true, atom.Dd: true, atom.Dt: true, atom.P: true,
		atom.Div: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.Article: true,
		atom.Section: true, atom.Span: true, atom.Td: true, atom.Dl: true}
)

// bestList finds the page's main list block: anchors with a title-like
// text, grouped by the structure around them, the group with the most
// dated items winning. For a datastore page the records are the items.
func bestList(p *Page, a *analysis) *listGroup {
	if a.body == nil {
		return nil
	}
	type anchor struct {
		n    *html.Node
		url  string
		text string
	}
	var anchors []anchor
	qualifying := map[*html.Node]bool{}
	for _, n := range a.anchors {
		t := a.linkText(n)
		if t == "" || runeLen(t) < 4 {
			if tt := normalize(attr(n, "title")); runeLen(tt) >= 4 {
				t = tt
			}
		}
		if runeLen(t) < 4 || dateOnly(t) {
			continue
		}
		if k, _ := pagerText(t); k != pagerNone {
			continue
		}
		// Only the winning group's links are resolved, at the end.
		if href := attr(n, "href"); mayResolve(href) && !isAttachment(href) {
			anchors = append(anchors, anchor{n, href, t})
			qualifying[n] = true
		}
	}
	if len(anchors) == 0 {
		return nil
	}
	// Count qualifying anchors under each element.
	count := map[*html.Node]int{}
	for _, an := range anchors {
		for n := an.n.Parent; n != nil; n = n.Parent {
			count[n]++
			if n == a.body {
				break
			}
		}
	}
	groups := map[groupKey]*listGroup{}
	var order []groupKey
	for i, an := range anchors {
		item := an.n
		// Climb while the ancestor holds only this anchor.
		for n, depth := an.n.Parent, 0; n != nil && n != a.body && depth < 5; n, depth = n.Parent, depth+1 {
			if count[n] != 1 {
				break
			}
			if n.Type == html.ElementNode && (itemTagAtoms[n.DataAtom] || n.DataAtom == atom.Ul || n.DataAtom == atom.Ol || n.DataAtom == atom.Table) {
				if n.DataAtom == atom.Ul || n.DataAtom == atom.Ol || n.DataAtom == atom.Table || n.DataAtom == atom.Tbody {
					break
				}
				item = n
			}
		}
		var ctx string
		if item == an.n {
			ctx = an.text + " " + siblingText(an.n, qualifying)
		} else {
			ctx = nodeText(item)
		}
		dated := false
		if hasAnyDigit(ctx) {
			if item != an.n {
				ctx = normalize(ctx)
			}
			if _, pr := parseDate(ctx, time.UTC); pr != precNone {
				dated = true
			} else if mo, d, ok := shortDate(strings.Replace(ctx, an.text, " ", 1)); ok {
				dated = mo >= 1 && mo <= 12 && d >= 1 && d <= 31
			}
		}
		parent := item.Parent
		var key groupKey
		if item == an.n {
			key = groupKey{under: parent, bare: true}
		} else if parent != nil {
			key = groupKey{under: parent.Parent, parent: sig(parent), item: sig(item)}
		}
		g := groups[key]
		if g == nil {
			g = &listGroup{first: i}
			groups[key] = g
			order = append(order, key)
		}
		g.items = append(g.items, listItem{node: item, link: an.n, url: an.url, text: an.text, dated: dated})
		g.runes += runeLen(an.text)
		if dated {
			g.dated++
		}
	}
	if p.store != nil {
		if g := storeGroup(p, a); g != nil {
			return g
		}
	}
	var best *listGroup
	for _, k := range order {
		g := groups[k]
		if best == nil || g.dated > best.dated || (g.dated == best.dated && len(g.items) > len(best.items)) {
			best = g
		}
	}
	// Resolve the winners' links; drop the few that do not resolve.
	kept := best.items[:0]
	for _, it := range best.items {
		if it.url = p.resolve(it.url); it.url != "" {
			kept = append(kept, it)
			continue
		}
		best.runes -= runeLen(it.text)
		if it.dated {
			best.dated--
		}
	}
	best.items = kept
	return best
}

// mayResolve reports whether resolve may turn href into an http(s) URL:
// it is neither empty, a fragment, nor a link with another scheme.
func mayResolve(href string) bool {
	href = strings.TrimSpace(href)
	if href == "" || href[0] == '#' {
		return false
	}
	for i := 0; i < len(href); i++ {
		c := href[i]
		switch {
		case c == ':':
			s := strings.ToLower(href[:i])
			return s == "http" || s == "https"
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return true // no scheme: a relative reference
		}
	}
	return true
}

// shortDate finds the first month-day pair written 1-29, 01/29, 1.29 or
// 1月29日, standing apart from other digits, as the regular expression
// (?:^|\D)(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:日|\D|$) would.
func shortDate(s string) (int, int, bool) {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) || i > 0 && isDigit(s[i-1]) {
			continue
		}
		rest, n := skipDigits(s[i:])
		if n > 2 {
			continue
		}
		mo := atoi(s[i : i+n])
		rest = skipSpace(rest)
		switch {
		case rest != "" && strings.IndexByte("-/.", rest[0]) >= 0:
			rest = rest[1:]
		case strings.HasPrefix(rest, "月"):
			rest = rest[len("月"):]
		default:
			continue
		}
		rest = skipSpace(rest)
		if _, m := skipDigits(rest); m >= 1 && m <= 2 {
			return mo, atoi(rest[:m]), true
		}
	}
	return 0, 0, false
}

// dateOnly reports whether a link text is only a date or a number.
func dateOnly(t string) bool {
	if t == "" {
		return false
	}
	for _, r := range t {
		if !(r >= '0' && r <= '9' || r < utf8.RuneSelf && isASCIISpace(byte(r)) || strings.ContainsRune("-/.:年月日[]()（）", r)) {
			return false
		}
	}
	return true
}

// sig is an element's tag and classes, for grouping similar items.
func sig(n *html.Node) signature {
	if n == nil || n.Type != html.ElementNode {
		return signature{}
	}
	cls := attr(n, "class")
	if strings.TrimSpace(cls) != cls || strings.ContainsAny(cls, "\t\n\r\f") || strings.Contains(cls, "  ") {
		cls = strings.Join(strings.Fields(cls), " ")
	}
	return signature{n.Data, cls}
}

// signature is an element's tag and class list.
type signature struct{ tag, class string }

// siblingText returns the text after a link up to the next qualifying
// link, for items that are bare links in a shared container.
func siblingText(a *html.Node, qualifying map[*html.Node]bool) string {
	var b strings.Builder
	for n := a.NextSibling; n != nil && b.Len() < 200; n = n.NextSibling {
		if n.Type == html.ElementNode && (qualifying[n] || hasQualifying(n, qualifying)) {
			break
		}
		b.WriteString(" ")
		b.WriteString(nodeText(n))
	}
	// A date before the link: <span>01-29</span><a>…</a>
	if prev := a.PrevSibling; prev != nil {
		if prev.Type == html.TextNode && strings.TrimSpace(prev.Data) == "" {
			prev = prev.PrevSibling
		}
		if prev != nil && !(prev.Type == html.ElementNode && qualifying[prev]) {
			b.WriteString(" ")
			b.WriteString(nodeText(prev))
		}
	}
	return normalize(b.String())
}

func hasQualifying(n *html.Node, q map[*html.Node]bool) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if q[c] || hasQualifying(c, q) {
			return true
		}
	}
	return false
}

// storeGroup makes the list of a datastore page from its records.
func storeGroup(p *Page, a *analysis) *listGroup {
	g := &listGroup{}
	var walk func(n *html.Node)
	record := func(rec *html.Node) {
		var best *html.Node
		bestText := ""
		var find func(n *html.Node)
		find = func(n *html.Node) {
			if n.Type == html.ElementNode && n.DataAtom == atom.A {
				t := normalize(nodeText(n))
				if t == "" {
					t = normalize(attr(n, "title"))
				}
				if p.resolve(attr(n, "href")) != "" && runeLen(t) > runeLen(bestText) {
					best, bestText = n, t
				}
				return
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				find(c)
			}
		}
		find(rec)
		if best == nil {
			return
		}
		_, pr := parseDate(normalize(nodeText(rec)), time.UTC)
		g.items = append(g.items, listItem{node: rec, link: best, url: p.resolve(attr(best, "href")), text: bestText, dated: pr != precNone})
		g.runes += runeLen(bestText)
		if pr != precNone {
			g.dated++
		}
	}
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			cls := attr(n, "class")
			if cls == "datastore-record" {
				record(n)
				return
			}
			if n.DataAtom == atom.Tr && n.Parent != nil && n.Parent.Parent != nil && attr(n.Parent.Parent, "class") == "datastore" {
				record(n)
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(a.body)
	if len(g.items) == 0 {
		return nil
	}
	return g
}

// pagerKind is what a pager link's text says.
type pagerKind int

const (
	pagerNone pagerKind = iota
	pagerNum
	pagerNext
	pagerPrev
	pagerFirst
	pagerLast
)

var (
	// pagerWordKinds maps the lower-cased text of a pager link to its
	// kind.
	pagerWordKinds = map[string]pagerKind{
		"下一页": pagerNext, "下页": pagerNext, "后页": pagerNext, "後頁": pagerNext, "下一頁": pagerNext, "next": pagerNext,
		"next page": pagerNext, "›": pagerNext, "»": pagerNext, ">": pagerNext, ">>": pagerNext, "→": pagerNext,
		"上一页": pagerPrev, "上页": pagerPrev, "前页": pagerPrev, "上一頁": pagerPrev, "prev": pagerPrev, "previous": pagerPrev,
		"‹": pagerPrev, "«": pagerPrev, "<": pagerPrev, "<<": pagerPrev, "←": pagerPrev,
		"首页": pagerFirst, "首頁": pagerFirst, "第一页": pagerFirst, "第一頁": pagerFirst, "first": pagerFirst, "first page": pagerFirst,
		"尾页": pagerLast, "末页": pagerLast, "尾頁": pagerLast, "末頁": pagerLast, "最后一页": pagerLast, "最後一頁": pagerLast,
		"最末页": pagerLast, "last": pagerLast, "last page": pagerLast,
	}
	totalPagesRe = regexp.MustCompile(`共\s*(\d{1,5})\s*[页頁]`)
)

// pagerText classifies a link text as a pager control.
func pagerText(t string) (pagerKind, int) {
	if len(t) > 40 {
		// Longer than any pager control, brackets and spaces included.
		return pagerNone, 0
	}
	t = strings.TrimSpace(strings.Trim(strings.TrimSpace(t), "[]【】"))
	t = strings.TrimSpace(strings.Trim(t, "<>«»‹›"))
	if t == "" {
		return pagerNone, 0
	}
	if n, ok := pagerNumber(t); ok {
		return pagerNum, n
	}
	if k, ok := pagerWordKinds[strings.ToLower(t)]; ok {
		return k, 0
	}
	return pagerNone, 0
}

// pagerNumber reads a page number link: 3, [3], 【3】, (3), 第3页, [ 第 3 頁 ].
func pagerNumber(t string) (int, bool) {
	for _, b := range []string{"[", "【", "(", "（"} {
		if strings.HasPrefix(t, b) {
			t = t[len(b):]
			break
		}
	}
	t = skipSpace(t)
	if rest, ok := strings.CutPrefix(t, "第"); ok {
		t = skipSpace(rest)
	}
	rest, n := skipDigits(t)
	if n == 0 || n > 4 {
		return 0, false
	}
	num, _ := strconv.Atoi(t[:n])
	rest = skipSpace(rest)
	for _, u := range []string{"页", "頁"} {
		if r, ok := strings.CutPrefix(rest, u); ok {
			rest = r
			break
		}
	}
	rest = skipSpace(rest)
	switch rest {
	case "", "]", "】", ")", "）":
		return num, true
	}
	return 0, false
}

// pagerResult is the other pages of a list or of an article.
type pagerResult struct {
	pages   []string
	article bool   // the pages are an article's pages
	rule    string // how they were found
}

// pages finds the other pages of the list or article: a createPageHTML
// script pager, a Hanweb datastore, or pager links.
func (e *Extractor) pages(p *Page, r *reading) pagerResult {
	if p.store != nil {
		if pages := storePages(p); len(pages) > 0 {
			return pagerResult{pages: pages, rule: "Hanweb dataproxy"}
		}
	}
	stem, _ := splitStem(path.Base(p.URL.Path))
	if res, ok := scriptPages(p, r.a, stem); ok {
		return res
	}
	return linkPages(p, r.a, stem)
}

var (
	createPageRe = regexp.MustCompile(`createPageHTML\s*\(([^()]*)\)`)
	stemRe       = regexp.MustCompile(`^(.*?)(?:_(\d{1,4}))?(\.[A-Za-z0-9]+)?$`)
)

// splitStem splits "t20240129_123456_2.html" into "t20240129_123456" and 2;
// the number is -1 when the name has no page suffix.
func splitStem(name string) (string, int) {
	m := stemRe.FindStringSubmatch(name)
	if m == nil {
		return name, -1
	}
	if m[2] == "" {
		return m[1], -1
	}
	return m[1], atoi(m[2])
}

// scriptPages derives pages from a TRS pager script:
// createPageHTML(total, current, "index", "html") — page 0 is index.html,
// page n is index_n.html, in the page's directory. Arguments may be
// variables set elsewhere in the scripts; a newer form puts a div id first
// and a record count last.
func scriptPages(p *Page, a *analysis, stem string) (pagerResult, bool) {
	found := false
	for _, s := range a.scripts {
		if strings.Contains(s, "createPageHTML") {
			found = true
			break
		}
	}
	if !found {
		return pagerResult{}, false
	}
	all := strings.Join(a.scripts, "\n")
	for _, m := range createPageRe.FindAllStringSubmatch(all, -1) {
		args := splitArgs(m[1])
		type val struct {
			isInt bool
			n     int
			s     string
		}
		var vals []val
		ok := true
		for _, a := range args {
			a = strings.TrimSpace(a)
			switch {
			case a == "":
				ok = false
			case a[0] == '"' || a[0] == '\'':
				vals = append(vals, val{s: strings.Trim(a, `"'`)})
			case a[0] >= '0' && a[0] <= '9':
				n, err := strconv.Atoi(a)
				if err != nil {
					ok = false
				}
				vals = append(vals, val{isInt: true, n: n})
			default:
				if v, found := jsVar(all, a); !found {
					ok = false
				} else if n, err := strconv.Atoi(v); err == nil {
					vals = append(vals, val{isInt: true, n: n})
				} else {
					vals = append(vals, val{s: v})
				}
			}
		}
		if !ok {
			continue
		}
		i := 0
		for i < len(vals) && !vals[i].isInt {
			i++
		}
		if i+3 >= len(vals) || !vals[i+1].isInt || vals[i+2].isInt || vals[i+3].isInt {
			continue
		}
		total, name, ext := vals[i].n, vals[i+2].s, strings.TrimPrefix(vals[i+3].s, ".")
		if total <= 1 || name == "" || ext == "" {
			continue
		}
		if total > maxPages {
			total = maxPages
		}
		dir := p.URL.ResolveReference(&url.URL{Path: "./"})
		var pages []string
		for k := 0; k < total; k++ {
			f := name + "." + ext
			if k > 0 {
				f = fmt.Sprintf("%s_%d.%s", name, k, ext)
			}
			pages = append(pages, dir.ResolveReference(&url.URL{Path: f}).String())
		}
		article := name != "index" && (name == stem || strings.HasPrefix(stem, name))
		return pagerResult{pages: pages, article: article, rule: "createPageHTML"}, true
	}
	return pagerResult{}, false
}

// jsVar finds the first assignment of a number or a string literal to
// the variable name in a script (var countPage = 7//共多少页) and returns
// the value.
func jsVar(src, name string) (string, bool) {
	isIdent := func(c byte) bool {
		return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	for from := 0; ; {
		i := strings.Index(src[from:], name)
		if i < 0 {
			return "", false
		}
		i += from
		from = i + len(name)
		if i > 0 && isIdent(src[i-1]) || from < len(src) && isIdent(src[from]) {
			continue
		}
		rest := strings.TrimLeft(src[from:], " \t")
		if !strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "==") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t")
		rest = strings.TrimPrefix(rest, "parseInt(")
		if rest == "" {
			return "", false
		}
		if q := rest[0]; q == '"' || q == '\'' {
			if j := strings.IndexByte(rest[1:], q); j >= 0 {
				v := rest[1 : 1+j]
				return v, true
			}
			continue
		}
		j := 0
		for j < len(rest) && j < 9 && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j > 0 {
			return rest[:j], true
		}
	}
}

// splitArgs splits a JavaScript argument list at top-level commas.
func splitArgs(s string) []string {
	var out []string
	var quote rune
	start := 0
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// maxPages caps derived page ranges.
const maxPages = 5000

// pageKey is a URL with its page number replaced by {n}.
type pageKey struct {
	key   string
	num   int
	file  bool   // the number is in the file name
	stem  string // file name before the number
	query string // name of the page parameter
}

var (
	fileNumRe = regexp.MustCompile(`^(.*[_-])(\d{1,4})(\.[A-Za-z0-9]+)$`)
	fileIdxRe = regexp.MustCompile(`^((?i:index|list|page|default|more))(\d{1,4})(\.[A-Za-z0-9]+)$`)
	pageDirRe = regexp.MustCompile(`^(.*/(?i:page|p))/(\d{1,4})/?$`)
	pageParam = regexp.MustCompile(`(?i)^(page|pageno|pagenum|pageindex|pagenumber|p|pn|pg|cp|curpage|currentpage|current|start|offset|startrecord|pageid|index|num|page_no|page_num|curr)$|page`)
)

// pageKeys returns the ways a URL can be read as one page of a sequence.
func pageKeys(u *url.URL) []pageKey {
	var keys []pageKey
	dir, file := path.Split(u.Path)
	base := u.Scheme + "://" + u.Host
	q := ""
	if u.RawQuery != "" {
		q = "?" + u.RawQuery
	}
	if m := fileNumRe.FindStringSubmatch(file); m != nil {
		keys = append(keys, pageKey{key: base + dir + m[1] + "{n}" + m[3] + q, num: atoi(m[2]), file: true, stem: strings.TrimRight(m[1], "_-")})
	} else if m := fileIdxRe.FindStringSubmatch(file); m != nil {
		keys = append(keys, pageKey{key: base + dir + m[1] + "{n}" + m[3] + q, num: atoi(m[2]), file: true, stem: m[1]})
	}
	if m := pageDirRe.FindStringSubmatch(u.Path); m != nil {
		keys = append(keys, pageKey{key: base + m[1] + "/{n}/" + q, num: atoi(m[2]), file: true, stem: path.Base(m[1])})
	}
	if u.RawQuery != "" {
		vals := u.Query()
		names := make([]string, 0, len(vals))
		for k := range vals {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			v := vals.Get(k)
			if !pageParam.MatchString(k) || v == "" || len(v) > 6 || strings.Trim(v, "0123456789") != "" {
				continue
			}
			var parts []string
			for _, kk := range names {
				if kk == k {
					parts = append(parts, kk+"={n}")
				} else {
					parts = append(parts, kk+"="+vals.Get(kk))
				}
			}
			keys = append(keys, pageKey{key: base + u.Path + "?" + strings.Join(parts, "&"), num: atoi(v), query: k})
		}
	}
	return keys
}

// fill replaces {n} in a key; for query keys the original parameter
// order is lost, which servers do not mind.
func (k pageKey) fill(n int) string {
	return strings.Replace(k.key, "{n}", strconv.Itoa(n), 1)
}

// linkPages reads pager links: numbered links, 下一页/上一页/首页/尾页.
// When the last page is known (尾页, or 共N页 next to the pager) it
// derives the whole range.
func linkPages(p *Page, a *analysis, stem string) pagerResult {
	type plink struct {
		url  string
		kind pagerKind
		num  int
		keys []pageKey
		seg  int
	}
	var links []plink
	segOf := map[*html.Node]int{}
	for i := range a.segs {
		for _, l := range a.segs[i].links {
			segOf[l] = i
		}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if isSkipped(n.DataAtom) {
				return
			}
			if n.DataAtom == atom.A {
				t := a.linkText(n)
				if t == "" {
					t = normalize(attr(n, "title"))
				}
				if k, num := pagerText(t); k != pagerNone {
					if s := p.resolve(attr(n, "href")); s != "" {
						u, _ := url.Parse(s)
						seg, ok := segOf[n]
						if !ok {
							seg = -1
						}
						links = append(links, plink{url: s, kind: k, num: num, keys: pageKeys(u), seg: seg})
					}
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	if a.body != nil {
		walk(a.body)
	}
	if len(links) == 0 {
		return pagerResult{}
	}
	self := p.URL
	selfDir := path.Dir(self.Path + "x")
	related := func(k pageKey, u string) bool {
		v, err := url.Parse(u)
		if err != nil || v.Host != self.Host {
			return false
		}
		if k.query != "" {
			return v.Path == self.Path || path.Dir(v.Path) == selfDir
		}
		return path.Dir(v.Path) == selfDir || strings.HasPrefix(v.Path, strings.TrimSuffix(self.Path, "/")+"/")
	}
	counts := map[string]int{}
	var keyOrder []string
	sample := map[string]pageKey{}
	for _, l := range links {
		for _, k := range l.keys {
			if !related(k, l.url) {
				continue
			}
			if _, ok := counts[k.key]; !ok {
				keyOrder = append(keyOrder, k.key)
				sample[k.key] = k
			}
			counts[k.key]++
		}
	}
	best := ""
	for _, k := range keyOrder {
		if counts[k] > counts[best] {
			best = k
		}
	}
	if best == "" {
		return pagerResult{}
	}
	key := sample[best]
	selfStem, _ := splitStem(path.Base(self.Path))
	isArticlePager := key.file && key.stem != "" && key.stem == selfStem && !strings.EqualFold(key.stem, "index")
	// Which numbers are on the pager, the text-to-URL offset, the last page.
	nums := map[int]bool{}
	offsets := map[int]int{}
	last := -1
	var firsts []plink
	var pagerSegs []int
	for _, l := range links {
		var k *pageKey
		for i := range l.keys {
			if l.keys[i].key == best {
				k = &l.keys[i]
			}
		}
		if k == nil {
			// 首页 and page 1 often have another form (index.html).
			if (l.kind == pagerFirst || (l.kind == pagerNum && l.num == 1)) && related(key, l.url) {
				firsts = append(firsts, l)
			}
			continue
		}
		nums[k.num] = true
		if l.seg >= 0 {
			pagerSegs = append(pagerSegs, l.seg)
		}
		switch l.kind {
		case pagerNum:
			offsets[k.num-l.num]++
		case pagerLast:
			if k.num > last {
				last = k.num
			}
		}
	}
	offset, haveOffset := 0, false
	for o, c := range offsets {
		if !haveOffset || c > offsets[offset] || (c == offsets[offset] && o < offset) {
			offset, haveOffset = o, true
		}
	}
	if last < 0 && haveOffset {
		// 共N页 next to the pager.
		for _, si := range pagerSegs {
			for _, sj := range []int{si - 1, si, si + 1} {
				if sj >= 0 && sj < len(a.segs) {
					if m := totalPagesRe.FindStringSubmatch(a.segs[sj].text); m != nil {
						last = atoi(m[1]) + offset
					}
				}
			}
		}
	}
	var out []string
	for _, f := range firsts {
		// Only a 首页 inside the pager, not the site's home link.
		for _, s := range pagerSegs {
			if f.seg >= 0 && f.seg >= s-1 && f.seg <= s+1 {
				out = append(out, f.url)
				break
			}
		}
	}
	rule := "pager links"
	if last >= 0 {
		start := 0
		switch {
		case haveOffset && key.query != "":
			start = 1 + offset
		case haveOffset:
			start = 2 + offset
		default:
			start = last
			for n := range nums {
				start = min(start, n)
			}
			if key.file && !isArticlePager {
				// index_1.html is the second page of a TRS list.
				start = min(start, 1)
			}
		}
		if start < 0 {
			start = 0
		}
		if last-start > maxPages {
			last = start + maxPages
		}
		for n := start; n <= last; n++ {
			out = append(out, key.fill(n))
		}
		rule = "pager links, range to the last page"
	} else {
		var ns []int
		for n := range nums {
			ns = append(ns, n)
		}
		sort.Ints(ns)
		for _, n := range ns {
			out = append(out, key.fill(n))
		}
	}
	// Keep the URLs exactly as linked where they were linked.
	linked := map[string]string{}
	for _, l := range links {
		for _, k := range l.keys {
			if k.key == best {
				linked[k.fill(k.num)] = l.url
			}
		}
	}
	selfURL := p.resolve(self.String())
	seen := map[string]bool{selfURL: true}
	var pages []string
	for _, u := range out {
		if v, ok := linked[u]; ok {
			u = v
		}
		if !seen[u] {
			seen[u] = true
			pages = append(pages, u)
		}
	}
	return pagerResult{pages: pages, article: isArticlePager, rule: rule}
}

// storePages derives Hanweb dataproxy.jsp requests covering every record
// of a datastore list: startrecord/endrecord in groups of perpage ×
// groupSize, keeping the nextgroup link's other parameters (columnid,
// unitid, webid…).
func storePages(p *Page) []string {
	ds := p.store
	per := ds.perPage
	if per <= 0 || per > 1000 {
		per = 15
	}
	group := ds.groupSize
	if group <= 0 || group > 100 {
		group = 3
	}
	chunk := per * group
	proxy := ds.proxy
	var params [][2]string
	if ds.nextgroup != "" {
		raw := ds.nextgroup
		pth, query, _ := strings.Cut(raw, "?")
		if strings.Contains(pth, "dataproxy") || proxy == "" {
			proxy = pth
		}
		for _, kv := range strings.Split(query, "&") {
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			switch strings.ToLower(k) {
			case "page", "startrecord", "endrecord", "perpage":
				continue
			}
			params = append(params, [2]string{k, v})
		}
	}
	if len(params) == 0 && p.xml {
		// A dataproxy answer: keep its own request's parameters.
		if strings.Contains(p.URL.Path, "dataproxy") || proxy == "" {
			proxy = p.URL.Path
		}
		for _, kv := range strings.Split(p.URL.RawQuery, "&") {
			k, v, _ := strings.Cut(kv, "=")
			switch strings.ToLower(k) {
			case "", "page", "startrecord", "endrecord", "perpage":
				continue
			}
			params = append(params, [2]string{k, v})
		}
		if q := p.URL.Query(); atoi(q.Get("perpage")) > 0 && atoi(q.Get("perpage")) <= 1000 && ds.perPage <= 0 {
			per = atoi(q.Get("perpage"))
			s, e := atoi(q.Get("startrecord")), atoi(q.Get("endrecord"))
			if s > 0 && e >= s && e-s < 100000 {
				chunk = e - s + 1
			}
		}
	}
	if len(params) == 0 {
		params = ds.params
	}
	if proxy == "" {
		proxy = "/module/web/jpage/dataproxy.jsp"
	}
	total := ds.total
	start := 1
	if total <= 0 {
		// Unknown size: ask for the group after what this page holds.
		if p.xml {
			q := p.URL.Query()
			s, e := atoi(q.Get("startrecord")), atoi(q.Get("endrecord"))
			if s <= 0 || e < s || e-s >= 100000 || e > 1e8 || ds.records < e-s+1 {
				return nil
			}
			chunk = e - s + 1
			start = e + 1
		} else {
			start = ds.records + 1
		}
		total = start + chunk - 1
	}
	if chunk <= 0 {
		return nil
	}
	if total > 1e8 {
		total = 1e8
	}
	if (total-start)/chunk > maxPages {
		total = start + chunk*maxPages
	}
	var out []string
	for s := start; s <= total; s += chunk {
		e := min(s+chunk-1, total)
		var b strings.Builder
		fmt.Fprintf(&b, "%s?startrecord=%d&endrecord=%d&perpage=%d", proxy, s, e, per)
		for _, kv := range params {
			b.WriteString("&" + kv[0] + "=" + kv[1])
		}
		if u := p.resolve(b.String()); u != "" {
			out = append(out, u)
		}
	}
	return out
}

package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// segment is one paragraph-level run of text: the inline content between
// two block boundaries (block elements, <br>, table cells of layout rows).
type segment struct {
	node    *html.Node   // innermost block element holding the run
	text    string       // normalised text
	gap     string       // text with whitespace gaps kept as two spaces; "" past maxLineRunes or without wide characters
	n       int          // non-space runes in text
	linkN   int          // non-space runes inside <a href>
	punct   int          // sentence punctuation outside links
	imgs    []*html.Node // images in the run
	links   []*html.Node // anchors in the run
	heading int          // 1–6 inside <hN>, else 0
	neg     bool         // inside a region that looks like navigation or a footer
	caption bool         // inside a figure caption or an element named like one
	wide    bool         // the text has East Asian wide characters
	idx     int          // position in analysis.segs
}

// analysis is what every extraction step needs from a page; it does not
// depend on the extractor's options.
type analysis struct {
	body     *html.Node
	segs     []segment
	textLen  map[*html.Node]int // visible non-space runes under each element
	title    string             // <title>
	metas    map[string]string  // lower-case meta name/property/itemprop → content
	metaKeys map[string]string  // lower-case key → key as written
	scripts  []string           // inline script bodies
	// articleBody lists the elements marked itemprop="articleBody".
	articleBody []*html.Node
	linkTexts   map[*html.Node]string // normalised text of links, by linkText
	anchors     []*html.Node          // visible <a href> elements not inside another, in page order
	sc          *scored               // boilerplate classes and content scores
}

// isBlock reports whether elements of type a break the text into
// paragraphs.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Body, atom.Center, atom.Dd,
		atom.Details, atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Dt, atom.Fieldset, atom.Figcaption,
		atom.Figure, atom.Footer, atom.Form, atom.Frameset, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5,
		atom.H6, atom.Header, atom.Hgroup, atom.Hr, atom.Li, atom.Main, atom.Menu, atom.Nav, atom.Ol,
		atom.P, atom.Pre, atom.Section, atom.Summary, atom.Table, atom.Tbody, atom.Thead, atom.Tfoot,
		atom.Tr, atom.Td, atom.Th, atom.Ul, atom.Caption, atom.Legend, atom.Html:
		return true
	}
	return false
}

// isSkipped reports whether elements of type a hold no visible text.
func isSkipped(a atom.Atom) bool {
	switch a {
	case atom.Head, atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Object,
		atom.Embed, atom.Svg, atom.Canvas, atom.Textarea, atom.Select, atom.Button, atom.Input,
		atom.Audio, atom.Video, atom.Title, atom.Link, atom.Meta, atom.Frame:
		return true
	}
	return false
}

var (
	// unlikelyWords marks class/id values of navigation, footers, share and
	// recommendation widgets (after readability, plus pinyin names common
	// on Chinese sites).
	unlikelyWords = newWordSet(`-ad-|\bad\b|\bads\b|banner|breadcrumb|crumb|combx|comment|community|disqus|extra|foot|gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|pagination|pager|popup|share|fenxiang|bdshare|copyright|recommend|tuijian|xgxw|xgwz|xglj|hotnews|\brank|topbar|navbar|\bnav|subnav|login|search|weizhi|dqwz|position|location|toolbar|tools|print|qrcode|erweima|newsletter|signup|subscri|promo|\bcta\b`)
	// maybeWords rescues class/id values that also name the content.
	maybeWords = newWordSet(`and|article|body|column|content|main|shadow|text|detail|zoom|editor|news_con|trs_|entry|story|post`)
)

// analyse segments the page once.
func analyse(p *Page) *analysis {
	a := &analysis{
		textLen:  map[*html.Node]int{},
		metas:    map[string]string{},
		metaKeys: map[string]string{},
	}
	var root *html.Node
	if len(p.Doc.Nodes) > 0 {
		root = p.Doc.Nodes[0]
	}
	if root == nil {
		return a
	}
	var head func(n *html.Node)
	head = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if len(n.Attr) > 0 && strings.EqualFold(attr(n, "itemprop"), "articleBody") {
				a.articleBody = append(a.articleBody, n)
			}
			switch n.DataAtom {
			case atom.Body:
				if a.body == nil {
					a.body = n
				}
			case atom.Title:
				if a.title == "" {
					a.title = normalize(nodeText(n))
				}
			case atom.Meta:
				key := attr(n, "name")
				if key == "" {
					key = attr(n, "property")
				}
				if key == "" {
					key = attr(n, "itemprop")
				}
				if key == "" {
					key = attr(n, "http-equiv")
				}
				val := strings.TrimSpace(attr(n, "content"))
				lk := strings.ToLower(strings.TrimSpace(key))
				if lk != "" && val != "" {
					if _, ok := a.metas[lk]; !ok {
						a.metas[lk] = val
						a.metaKeys[lk] = key
					}
				}
			case atom.Script:
				if n.FirstChild != nil {
					a.scripts = append(a.scripts, nodeText(n))
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			head(c)
		}
	}
	a.scripts = append(a.scripts, p.scripts...) // emptied by Parse, in page order before the rest
	head(root)
	if a.body == nil {
		a.body = root
	}
	textLength(a.body, a.textLen)
	s := &segmenter{a: a, limit: a.textLen[a.body] * 4 / 10}
	s.walk(a.body)
	s.flush()
	a.sc = a.score()
	return a
}

// linkText returns the normalised text of a link element, computed once
// per page for the list and pager finders.
func (a *analysis) linkText(n *html.Node) string {
	if t, ok := a.linkTexts[n]; ok {
		return t
	}
	if a.linkTexts == nil {
		a.linkTexts = map[*html.Node]string{}
	}
	t := normalize(nodeText(n))
	a.linkTexts[n] = t
	return t
}

// textLength fills m with the visible non-space rune count of every
// element under n and returns n's.
func textLength(n *html.Node, m map[*html.Node]int) int {
	switch n.Type {
	case html.TextNode:
		return nonSpace(n.Data)
	case html.ElementNode:
		if isSkipped(n.DataAtom) || hidden(n) {
			return 0
		}
	}
	total := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		total += textLength(c, m)
	}
	if n.Type == html.ElementNode && total > 0 {
		// Elements without text are left out: they read as 0.
		m[n] = total
	}
	return total
}

// lineText returns the segment's gap text, or its text when it has none.
func (s *segment) lineText() string {
	if s.gap != "" {
		return s.gap
	}
	return s.text
}

// segmenter cuts a page into segments.
type segmenter struct {
	a       *analysis
	limit   int // regions with more text than this are never "unlikely"
	buf     strings.Builder
	linkN   int
	punct   int
	imgs    []*html.Node
	links   []*html.Node
	block   *html.Node
	heading int
	neg     bool
	caption bool
	link    int // depth of <a href> nesting
	pre     int // depth of <pre> nesting
	cell    int // depth of simple-row cells (joined into one segment)
}

func (s *segmenter) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		s.text(n.Data)
		return
	case html.ElementNode:
	default:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			s.walk(c)
		}
		return
	}
	if isSkipped(n.DataAtom) || hidden(n) {
		return
	}
	switch n.DataAtom {
	case atom.Br:
		if s.cell > 0 {
			s.buf.WriteString("  ")
			return
		}
		if s.heading > 0 {
			s.buf.WriteString("\n")
			return
		}
		s.flush()
		return
	case atom.Hr:
		s.flush()
		return
	case atom.Img:
		s.imgs = append(s.imgs, n)
		return
	}
	if s.cell > 0 {
		// Inside a simple table row everything is inline; cells are
		// separated by a gap.
		if n.DataAtom == atom.Td || n.DataAtom == atom.Th {
			s.buf.WriteString("  ")
		}
		s.inline(n)
		return
	}
	if !isBlock(n.DataAtom) {
		s.inline(n)
		return
	}
	s.flush()
	block, neg, heading, pre, cell, caption := s.block, s.neg, s.heading, s.pre, s.cell, s.caption
	s.block = n
	ci := " "
	if len(n.Attr) > 0 {
		ci = classID(n)
	}
	if !s.neg && s.unlikely(n, ci) {
		s.neg = true
	}
	if !s.caption && s.captionNode(n, ci) {
		s.caption = true
	}
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		s.heading = int(n.Data[1] - '0')
	case atom.Pre:
		s.pre++
	case atom.Tr:
		if simpleRow(n) {
			s.cell++
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		s.walk(c)
	}
	s.flush()
	s.block, s.neg, s.heading, s.pre, s.cell, s.caption = block, neg, heading, pre, cell, caption
}

// elementGap marks the edges of an inline element in a segment's raw text:
// invisible in its text, a gap in its gap text, so that touching elements
// (<span>来源：X</span><span>时间：…</span>) separate their fields.
const elementGap = '\u2063'

// inline walks an inline element's children, tracking links.
func (s *segmenter) inline(n *html.Node) {
	switch n.DataAtom {
	case atom.Span, atom.Font, atom.Label, atom.I, atom.Em, atom.B, atom.Strong, atom.Small:
		s.buf.WriteRune(elementGap)
		defer s.buf.WriteRune(elementGap)
	}
	isLink := n.DataAtom == atom.A && hasAttr(n, "href")
	if isLink {
		if s.link == 0 {
			s.a.anchors = append(s.a.anchors, n)
		}
		s.link++
		s.links = append(s.links, n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		s.walk(c)
	}
	if isLink {
		s.link--
	}
}

func (s *segmenter) text(t string) {
	if s.pre > 0 && strings.Contains(t, "\n") {
		lines := strings.Split(t, "\n")
		for i, l := range lines {
			if i > 0 {
				s.flush()
			}
			s.text1(l)
		}
		return
	}
	s.text1(t)
}

func (s *segmenter) text1(t string) {
	s.buf.WriteString(t)
	if s.link > 0 {
		s.linkN += nonSpace(t)
	} else {
		s.punct += countPunct(t)
	}
}

// flush ends the current segment.
func (s *segmenter) flush() {
	raw := s.buf.String()
	text, n, wide := normText(raw)
	gap := ""
	if n <= maxLineRunes && wide {
		// Every label is written in Chinese characters; other lines
		// need no gap text.
		gap = gapText(raw)
	}
	if text != "" || len(s.imgs) > 0 {
		block := s.block
		if block == nil {
			block = s.a.body
		}
		seg := segment{
			node: block, text: text, gap: gap, n: n,
			linkN: min(s.linkN, n), punct: s.punct,
			imgs: s.imgs, links: s.links, heading: s.heading, neg: s.neg,
			caption: s.caption, wide: wide, idx: len(s.a.segs),
		}
		s.a.segs = append(s.a.segs, seg)
	}
	s.buf.Reset()
	s.linkN, s.punct = 0, 0
	s.imgs, s.links = nil, nil
}

// unlikely reports whether a block looks like navigation, a footer or a
// widget by its tag, class or id; large regions never do.
func (s *segmenter) unlikely(n *html.Node, ci string) bool {
	if s.a.textLen[n] > s.limit && s.limit > 0 {
		return false
	}
	switch n.DataAtom {
	case atom.Nav, atom.Footer, atom.Aside:
		return true
	case atom.Header:
		return !hasDescendant(n, atom.H1)
	}
	if ci == " " {
		return false
	}
	return unlikelyWords.match(ci) && !maybeWords.match(ci)
}

// captionNode reports whether a block is an image caption: a
// <figcaption>, a small <figure>, or a small element whose class or id
// names a caption or a photo credit.
func (s *segmenter) captionNode(n *html.Node, ci string) bool {
	switch n.DataAtom {
	case atom.Figcaption:
		return true
	case atom.Figure:
		return s.a.textLen[n] <= 400
	}
	return ci != " " && s.a.textLen[n] <= 400 && (strings.Contains(ci, "caption") || strings.Contains(ci, "credit"))
}

// simpleRow reports whether a table row's cells hold only inline content,
// so the row reads as one line (a layout row, or a data table row).
func simpleRow(tr *html.Node) bool {
	cells := 0
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.DataAtom != atom.Td && c.DataAtom != atom.Th {
			return false
		}
		cells++
		if hasBlock(c) {
			return false
		}
	}
	return cells >= 2
}

func hasBlock(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if isBlock(c.DataAtom) || c.DataAtom == atom.Br || hasBlock(c) {
			return true
		}
	}
	return false
}

func hasDescendant(n *html.Node, a atom.Atom) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == a || hasDescendant(c, a)) {
			return true
		}
	}
	return false
}

// hidden reports whether an element is hidden by an inline style or the
// hidden attribute.
func hidden(n *html.Node) bool {
	if hasAttr(n, "hidden") {
		return true
	}
	st := attr(n, "style")
	if st == "" || !containsFoldASCII(st, "none") && !containsFoldASCII(st, "hidden") {
		return false
	}
	st = strings.ToLower(strings.Join(strings.Fields(st), ""))
	return strings.Contains(st, "display:none") || strings.Contains(st, "visibility:hidden")
}

// containsFoldASCII reports whether s contains the lower-case ASCII word
// w in any case, without allocating.
func containsFoldASCII(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i]|0x20 == w[0] && strings.EqualFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// classID returns an element's class and id, lower-cased, for matching
// against the lower-case patterns of this package.
func classID(n *html.Node) string {
	return strings.ToLower(attr(n, "class") + " " + attr(n, "id"))
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// nodeText returns the raw text under n, skipping scripts and styles
// unless n is one.
func nodeText(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(c *html.Node) {
		for ; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				if c.DataAtom == atom.Script || c.DataAtom == atom.Style || c.DataAtom == atom.Noscript {
					continue
				}
				if c.DataAtom == atom.Br || isBlock(c.DataAtom) {
					b.WriteString("\n")
				}
				walk(c.FirstChild)
			}
		}
	}
	walk(n.FirstChild)
	return b.String()
}

// isSpace reports whether r is white space, including U+3000 and U+00A0.
func isSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u3000' || r == '\u00a0' }

// invisible reports whether r is a zero-width or soft-hyphen character.
func invisible(r rune) bool {
	return r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff' || r == '\u00ad' || r == '\u2060' || r == elementGap
}

// isWide reports whether r is an East Asian wide character, between two
// of which a line break in the source is no space (CSS Text 3).
func isWide(r rune) bool {
	switch {
	case r >= 0x2e80 && r <= 0x303f, r >= 0x3040 && r <= 0x30ff, r >= 0x3100 && r <= 0x31ff,
		r >= 0x3400 && r <= 0x4dbf, r >= 0x4e00 && r <= 0x9fff, r >= 0xf900 && r <= 0xfaff,
		r >= 0xfe30 && r <= 0xfe4f, r >= 0xff00 && r <= 0xff60, r >= 0xffe0 && r <= 0xffe6,
		r >= 0x20000 && r <= 0x3ffff:
		return true
	case r == '“' || r == '”' || r == '‘' || r == '’' || r == '…' || r == '—':
		return true
	}
	return false
}

// normalize trims s (including U+3000 and U+00A0), collapses white-space
// runs to one space, drops zero-width characters, and drops a line break
// between two wide characters, where the source's line wrapping is not a
// space.
func normalize(s string) string {
	text, _, _ := normText(s)
	return text
}

// gapText is normalize but keeps a visible gap as two spaces: any run of
// two or more spaces, or of tabs, line breaks, U+00A0 or U+3000.
func gapText(s string) string {
	var b strings.Builder
	run, strong := 0, false
	started := false
	for _, r := range s {
		switch {
		case r == elementGap:
			run++
			strong = true
		case invisible(r):
			continue
		case isSpace(r):
			run++
			if r != ' ' {
				strong = true
			}
		default:
			if run > 0 && started {
				if run > 1 || strong {
					b.WriteString("  ")
				} else {
					b.WriteByte(' ')
				}
			}
			run, strong, started = 0, false, true
			b.WriteRune(r)
		}
	}
	return b.String()
}

// maxLineRunes is the longest segment that can be a source/time, author
// or editor line; only such segments keep their gap text.
const maxLineRunes = 200

// normText returns normalize(s), its number of non-space runes and
// whether any is an East Asian wide character, in one pass: normalize's
// work is done here.
func normText(s string) (text string, n int, wide bool) {
	var tb strings.Builder
	tb.Grow(len(s))
	pending, brk := false, false
	var last rune = -1
	for _, r := range s {
		switch {
		case invisible(r):
			continue
		case isSpace(r):
			pending = true
			if r == '\n' || r == '\r' {
				brk = true
			}
			continue
		}
		if pending && last >= 0 && !(brk && isWide(last) && isWide(r)) {
			tb.WriteByte(' ')
		}
		pending, brk = false, false
		if r < utf8.RuneSelf {
			tb.WriteByte(byte(r))
		} else {
			tb.WriteRune(r)
		}
		last = r
		n++
		if r >= 0x2e80 && !wide && isWide(r) {
			wide = true
		}
	}
	return tb.String(), n, wide
}

// nonSpace counts the runes of s that are neither white space nor
// invisible.
func nonSpace(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if !(c == ' ' || c >= '\t' && c <= '\r') {
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isSpace(r) && !invisible(r) {
			n++
		}
		i += size
	}
	return n
}

// countPunct counts sentence punctuation: Chinese marks anywhere, Latin
// marks only when followed by a space or the end, so dates and domain
// names do not count.
func countPunct(s string) int {
	n := 0
	for i, r := range s {
		switch r {
		case '，', '。', '！', '？', '；', '、', '…':
			n++
		case ',', '.', '!', '?', ';':
			next, _ := utf8.DecodeRuneInString(s[i+1:])
			if i+1 == len(s) || isSpace(next) || next == '"' || next == '”' {
				n++
			}
		}
	}
	return n
}

// runeLen returns the number of runes in s.
func runeLen(s string) int { return len([]rune(s)) }

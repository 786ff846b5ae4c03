package extract

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// segment is one paragraph-level run of text: the inline content between
// two block boundaries (block elements, <br>, table cells of layout rows).
type segment struct {
	node    *html.Node   // innermost block element holding the run
	text    string       // normalised text
	gap     string       // text with whitespace gaps kept as two spaces
	n       int          // non-space runes in text
	linkN   int          // non-space runes inside <a href>
	punct   int          // sentence punctuation outside links
	imgs    []*html.Node // images in the run
	links   []*html.Node // anchors in the run
	heading int          // 1–6 inside <hN>, else 0
	neg     bool         // inside a region that looks like navigation or a footer
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
	sc       *scored            // boilerplate classes and content scores
}

var blockTags = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Body: true, atom.Center: true, atom.Dd: true, atom.Details: true, atom.Dialog: true,
	atom.Dir: true, atom.Div: true, atom.Dl: true, atom.Dt: true, atom.Fieldset: true,
	atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true,
	atom.Frameset: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Header: true, atom.Hgroup: true, atom.Hr: true,
	atom.Li: true, atom.Main: true, atom.Menu: true, atom.Nav: true, atom.Ol: true,
	atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true, atom.Table: true,
	atom.Tbody: true, atom.Thead: true, atom.Tfoot: true, atom.Tr: true, atom.Td: true,
	atom.Th: true, atom.Ul: true, atom.Caption: true, atom.Legend: true, atom.Html: true,
}

var skipTags = map[atom.Atom]bool{
	atom.Head: true, atom.Script: true, atom.Style: true, atom.Noscript: true,
	atom.Template: true, atom.Iframe: true, atom.Object: true, atom.Embed: true,
	atom.Svg: true, atom.Canvas: true, atom.Textarea: true, atom.Select: true,
	atom.Button: true, atom.Input: true, atom.Audio: true, atom.Video: true,
	atom.Title: true, atom.Link: true, atom.Meta: true, atom.Frame: true,
}

var (
	// unlikelyRe marks class/id values of navigation, footers, share and
	// recommendation widgets (after readability, plus pinyin names common
	// on Chinese sites).
	unlikelyRe = regexp.MustCompile(`-ad-|\bads?\b|banner|breadcrumb|crumb|combx|comment|community|disqus|extra|foot|gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|pagination|pager|popup|share|fenxiang|bdshare|copyright|recommend|tuijian|xgxw|xgwz|xglj|hotnews|\brank|topbar|navbar|\bnav|subnav|login|search|weizhi|dqwz|position|location|toolbar|tools|print|qrcode|erweima`)
	// maybeRe rescues class/id values that also name the content.
	maybeRe = regexp.MustCompile(`and|article|body|column|content|main|shadow|text|detail|zoom|editor|news_con|trs_|entry|story|post`)
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

// textLength fills m with the visible non-space rune count of every
// element under n and returns n's.
func textLength(n *html.Node, m map[*html.Node]int) int {
	switch n.Type {
	case html.TextNode:
		return nonSpace(n.Data)
	case html.ElementNode:
		if skipTags[n.DataAtom] || hidden(n) {
			return 0
		}
	}
	total := 0
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		total += textLength(c, m)
	}
	if n.Type == html.ElementNode {
		m[n] = total
	}
	return total
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
	if skipTags[n.DataAtom] || hidden(n) {
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
	if !blockTags[n.DataAtom] {
		s.inline(n)
		return
	}
	s.flush()
	block, neg, heading, pre, cell := s.block, s.neg, s.heading, s.pre, s.cell
	s.block = n
	if !s.neg && s.unlikely(n) {
		s.neg = true
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
	s.block, s.neg, s.heading, s.pre, s.cell = block, neg, heading, pre, cell
}

// inline walks an inline element's children, tracking links.
func (s *segmenter) inline(n *html.Node) {
	isLink := n.DataAtom == atom.A && hasAttr(n, "href")
	if isLink {
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
	k := nonSpace(t)
	if s.link > 0 {
		s.linkN += k
	} else {
		s.punct += countPunct(t)
	}
}

// flush ends the current segment.
func (s *segmenter) flush() {
	raw := s.buf.String()
	text := normalize(raw)
	if text != "" || len(s.imgs) > 0 {
		block := s.block
		if block == nil {
			block = s.a.body
		}
		n := nonSpace(text)
		seg := segment{
			node: block, text: text, gap: gapText(raw), n: n,
			linkN: min(s.linkN, n), punct: s.punct,
			imgs: s.imgs, links: s.links, heading: s.heading, neg: s.neg,
			idx: len(s.a.segs),
		}
		s.a.segs = append(s.a.segs, seg)
	}
	s.buf.Reset()
	s.linkN, s.punct = 0, 0
	s.imgs, s.links = nil, nil
}

// unlikely reports whether a block looks like navigation, a footer or a
// widget by its tag, class or id; large regions never do.
func (s *segmenter) unlikely(n *html.Node) bool {
	if s.a.textLen[n] > s.limit && s.limit > 0 {
		return false
	}
	switch n.DataAtom {
	case atom.Nav, atom.Footer, atom.Aside:
		return true
	case atom.Header:
		return !hasDescendant(n, atom.H1)
	}
	ci := classID(n)
	if ci == " " {
		return false
	}
	return unlikelyRe.MatchString(ci) && !maybeRe.MatchString(ci)
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
		if blockTags[c.DataAtom] || c.DataAtom == atom.Br || hasBlock(c) {
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
	if st == "" {
		return false
	}
	st = strings.ToLower(strings.Join(strings.Fields(st), ""))
	return strings.Contains(st, "display:none") || strings.Contains(st, "visibility:hidden")
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
				if c.DataAtom == atom.Br || blockTags[c.DataAtom] {
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
	return r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\ufeff' || r == '\u00ad' || r == '\u2060'
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
	var b strings.Builder
	b.Grow(len(s))
	pending, brk := false, false
	var last rune = -1
	for _, r := range s {
		switch {
		case invisible(r):
			continue
		case r == '\n' || r == '\r':
			pending, brk = true, true
		case isSpace(r):
			pending = true
		default:
			if pending && last >= 0 && !(brk && isWide(last) && isWide(r)) {
				b.WriteByte(' ')
			}
			pending, brk = false, false
			b.WriteRune(r)
			last = r
		}
	}
	return b.String()
}

// gapText is normalize but keeps a visible gap as two spaces: any run of
// two or more spaces, or of tabs, line breaks, U+00A0 or U+3000.
func gapText(s string) string {
	var b strings.Builder
	run, strong := 0, false
	started := false
	for _, r := range s {
		switch {
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

// nonSpace counts the runes of s that are neither white space nor
// invisible.
func nonSpace(s string) int {
	n := 0
	for _, r := range s {
		if !isSpace(r) && !invisible(r) {
			n++
		}
	}
	return n
}

// countPunct counts sentence punctuation: Chinese marks anywhere, Latin
// marks only when followed by a space or the end, so dates and domain
// names do not count.
func countPunct(s string) int {
	n := 0
	rs := []rune(s)
	for i, r := range rs {
		switch r {
		case '，', '。', '！', '？', '；', '、', '…':
			n++
		case ',', '.', '!', '?', ';':
			if i+1 == len(rs) || isSpace(rs[i+1]) || rs[i+1] == '"' || rs[i+1] == '”' {
				n++
			}
		}
	}
	return n
}

// runeLen returns the number of runes in s.
func runeLen(s string) int { return len([]rune(s)) }

package extract

import (
	"fmt"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// Article is what an article page says.
type Article struct {
	Title  string `json:"title"`
	Source string `json:"source,omitempty"`
	// Published is the publication time in the extractor's Location, as
	// precise as the page states it (to the second, the minute, or the day
	// at 00:00); zero if the page states no date. The time printed beside
	// the headline counts; meta tags fill in when the page prints none, or
	// refine a printed day or minute they agree with.
	Published time.Time `json:"published"`
	// Body is the text: paragraphs joined by "\n", each trimmed, with
	// white-space runs collapsed to one space; section headings are
	// paragraphs of their own.
	Body        string   `json:"body"`
	Images      []string `json:"images,omitempty"`      // absolute URLs, body order
	Attachments []string `json:"attachments,omitempty"` // absolute URLs of .pdf .doc(x) .xls(x) .zip .rar .wps .et … links
	Column      string   `json:"column,omitempty"`
	Author      string   `json:"author,omitempty"`
	Editor      string   `json:"editor,omitempty"`
	// Explain maps a field name to the layer and rule that produced it,
	// e.g. "title": "meta ArticleTitle".
	Explain map[string]string `json:"explain,omitempty"`
}

// reading is everything the extractor found on a page.
type reading struct {
	a  *analysis
	sc *scored

	title, titleRule string
	titleSeg         int // first segment of the headline, -1 if unknown
	titleEnd         int // last segment of the headline

	containers []*html.Node
	bodyRule   string
	body       bodyResult

	source, sourceRule     string
	date                   time.Time
	prec                   precision
	dateRule               string
	author, authorRule     string
	editor, editorRule     string
	column, columnRule     string
	crumb                  []string
	kind                   Kind
	kindRule               string
	list                   *listGroup
	pager                  pagerResult
	bodyOverlapsList       bool
	challenge              bool
	articleURLish, listish bool
}

// Article extracts the page's article. It returns an error wrapping
// ErrNoArticle when the page is a challenge or a list, or has neither
// text, images nor attachments; the returned Article then still holds
// what was found, for diagnostics.
func (e *Extractor) Article(p *Page) (Article, error) {
	r := e.read(p)
	art := Article{
		Title:       r.title,
		Source:      r.source,
		Published:   r.date,
		Body:        strings.Join(r.body.paras, "\n"),
		Images:      r.body.images,
		Attachments: r.body.attachments,
		Column:      r.column,
		Author:      r.author,
		Editor:      r.editor,
		Explain:     map[string]string{},
	}
	put := func(k, v string) {
		if v != "" {
			art.Explain[k] = v
		}
	}
	put("title", r.titleRule)
	put("source", r.sourceRule)
	put("published", r.dateRule)
	if art.Body != "" || len(art.Images) > 0 {
		put("body", r.bodyRule)
	}
	put("column", r.columnRule)
	put("author", r.authorRule)
	put("editor", r.editorRule)
	put("kind", r.kind.String()+": "+r.kindRule)
	switch {
	case r.kind == Challenge:
		return art, fmt.Errorf("%w: %s is a challenge page", ErrNoArticle, p.URL)
	case r.kind == List:
		return art, fmt.Errorf("%w: %s is a list page (%s)", ErrNoArticle, p.URL, r.kindRule)
	case art.Body == "" && len(art.Images) == 0 && len(art.Attachments) == 0:
		return art, fmt.Errorf("%w: %s has no main text", ErrNoArticle, p.URL)
	}
	return art, nil
}

// Stitch joins the pages of a multi-page article: fields from the first,
// bodies concatenated with "\n", images and attachments appended in order
// with duplicates removed.
func Stitch(pages ...Article) Article {
	if len(pages) == 0 {
		return Article{}
	}
	out := pages[0]
	var bodies []string
	out.Images, out.Attachments = nil, nil
	seenImg, seenAtt := map[string]bool{}, map[string]bool{}
	for _, p := range pages {
		if p.Body != "" {
			bodies = append(bodies, p.Body)
		}
		for _, u := range p.Images {
			if !seenImg[u] {
				seenImg[u] = true
				out.Images = append(out.Images, u)
			}
		}
		for _, u := range p.Attachments {
			if !seenAtt[u] {
				seenAtt[u] = true
				out.Attachments = append(out.Attachments, u)
			}
		}
	}
	out.Body = strings.Join(bodies, "\n")
	if len(pages[0].Explain) > 0 {
		out.Explain = make(map[string]string, len(pages[0].Explain)+1)
		for k, v := range pages[0].Explain {
			out.Explain[k] = v
		}
		if len(pages) > 1 {
			out.Explain["stitch"] = fmt.Sprintf("%d pages", len(pages))
		}
	}
	return out
}

// selText returns the normalised text of the first element matching m.
func selText(p *Page, m goquery.Matcher) string {
	if m == nil {
		return ""
	}
	s := p.Doc.FindMatcher(m).First()
	if s.Length() == 0 {
		return ""
	}
	t := normalize(nodeText(s.Nodes[0]))
	if t == "" {
		for _, k := range []string{"content", "datetime", "title", "value"} {
			if v, ok := s.Attr(k); ok && strings.TrimSpace(v) != "" {
				return normalize(v)
			}
		}
	}
	return t
}

// zeroExtractor stands in for a nil *Extractor: pure heuristics. It is
// never modified.
var zeroExtractor = &Extractor{}

// read runs every layer over the page, once per extractor and page.
func (e *Extractor) read(p *Page) *reading {
	if e == nil {
		e = zeroExtractor
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.readings[e]; ok {
		return r
	}
	r := e.readPage(p)
	if p.readings == nil {
		p.readings = map[*Extractor]*reading{}
	}
	p.readings[e] = r
	return r
}

// readPage runs every layer over the page.
func (e *Extractor) readPage(p *Page) *reading {
	loc := e.location()
	a := p.analysis()
	r := &reading{a: a, sc: a.sc, titleSeg: -1, titleEnd: -1}

	// Body container: selector, else the best-scoring element.
	if e.body != nil {
		r.containers = p.Doc.FindMatcher(e.body).Nodes
		r.bodyRule = "selector " + e.raw.Body
	}
	if len(r.containers) == 0 {
		best, score := r.sc.best()
		if h := a.bodyHint(best); h != nil {
			r.containers = []*html.Node{h}
			r.bodyRule = "microdata: " + describe(h) + `[itemprop="articleBody"]`
		} else if best != nil {
			r.containers = []*html.Node{best}
			r.bodyRule = explainContainer(best, score)
		}
	}
	cstart, cend := -1, -1
	for i := range a.segs {
		if len(r.containers) > 0 && contains(r.containers[0], a.segs[i].node) {
			if cstart < 0 {
				cstart = i
			}
			cend = i
		}
	}

	// Title: selector, ArticleTitle, headline matching <title>, og:title,
	// <title>.
	ref := a.title
	if og := normalize(a.metas["og:title"]); og != "" && !strings.Contains(ref, og) {
		ref = strings.TrimSpace(ref + "\n" + og)
	}
	hseg, _, hrule := a.headline(ref, cstart, cend)
	if t := selText(p, e.title); t != "" {
		r.title, r.titleRule = t, "selector "+e.raw.Title
		r.titleSeg = a.titleSegment(p.Doc.FindMatcher(e.title).Nodes[0], t)
	} else if v, ok := a.metas["articletitle"]; ok && strings.TrimSpace(v) != "" {
		r.title, r.titleRule = normalize(html.UnescapeString(v)), "meta "+a.metaKeys["articletitle"]
		r.titleSeg = a.titleSegment(nil, r.title)
	} else if hseg >= 0 {
		from, to, t := a.mergeTitle(hseg, ref)
		r.title, r.titleRule, r.titleSeg, r.titleEnd = t, "heuristic: "+hrule, from, to
		if to > from {
			r.titleRule += fmt.Sprintf(" (%d lines)", to-from+1)
		}
	}
	if r.title == "" {
		if i := a.lineBeforeMeta(cstart); i >= 0 {
			r.title, r.titleRule, r.titleSeg = a.segs[i].text, "heuristic: line before the source/time line", i
		}
	}
	if r.title == "" {
		if v, ok := a.metas["og:title"]; ok && cleanTitle(v) != "" {
			r.title, r.titleRule = cleanTitle(v), "meta og:title"
		} else if t := cleanTitle(a.title); t != "" {
			r.title, r.titleRule = t, "<title>"
		}
		r.titleSeg = a.titleSegment(nil, r.title)
	}
	if r.titleSeg < 0 && hseg >= 0 {
		r.titleSeg = hseg
	}
	if r.titleEnd < r.titleSeg {
		r.titleEnd = r.titleSeg
	}

	anchor := r.titleSeg
	if anchor < 0 {
		anchor = max(cstart, 0)
	}

	// Visible source/time/author/editor lines.
	lines := a.metaLines(anchor, loc, r.sc)
	skip := map[int]bool{}
	for i := r.titleSeg; i >= 0 && i <= r.titleEnd; i++ {
		skip[i] = true
	}
	for _, l := range []*lineCand{lines.source, lines.date, lines.author, lines.editor} {
		if l != nil {
			skip[l.idx] = true
			if l.next {
				skip[l.idx+1] = true
			}
		}
	}
	r.body = e.readBody(p, a, r.sc, r.containers, r.title, skip, strings.HasPrefix(r.bodyRule, "selector"))

	// Source.
	if t := selText(p, e.source); t != "" {
		if ml := parseMetaLine(t, loc); ml.source != "" {
			t = ml.source
		}
		r.source, r.sourceRule = t, "selector "+e.raw.Source
	} else if v, k := a.meta("source"); v != "" {
		if ml := parseMetaLine(v, loc); ml.source != "" {
			v = ml.source
		}
		r.source, r.sourceRule = v, "meta "+k
		if lines.source != nil && lines.source.ml.source != v && strings.HasPrefix(v, lines.source.ml.source) {
			// The tag adds to what the page shows (人民网-文化频道 原创稿).
			r.source, r.sourceRule = lines.source.ml.source, fmt.Sprintf("line %s： (meta %s adds to it)", lines.source.ml.sourceLabel, k)
		}
	} else if lines.source != nil {
		r.source, r.sourceRule = lines.source.ml.source, fmt.Sprintf("line %s：", lines.source.ml.sourceLabel)
	} else if r.body.source != "" {
		r.source, r.sourceRule = r.body.source, "line 来源： after body"
	} else if lines.classSource != "" {
		r.source, r.sourceRule = lines.classSource, "element named like a source near the title"
	} else if lines.date != nil && lines.date.after != "" {
		r.source, r.sourceRule = lines.date.after, "name after the date near the title"
	}

	// Published: the time printed beside the headline (the source/time
	// line) is the publication time; a configured selector overrides it,
	// and the meta tags stand in when the page prints none. Another source
	// refines the chosen time only where it agrees with it: the time of day
	// of a printed day, the seconds of a printed minute. A modification
	// time and a date in the URL are last resorts and refine nothing.
	var sel, line, meta, mod, url *dateCand
	if t := selText(p, e.published); t != "" {
		if d, pr := parseDate(t, loc); pr != precNone {
			sel = &dateCand{d, pr, "selector " + e.raw.Published}
		}
	}
	var metas []*dateCand
	for _, n := range metaNames["published"] {
		if v, ok := a.metas[n]; ok {
			if d, pr := parseMetaDate(v, loc); pr != precNone {
				metas = append(metas, &dateCand{d, pr, "meta " + a.metaKeys[n]})
			}
		}
	}
	if len(metas) > 0 {
		meta = metas[0]
	}
	if lines.date != nil {
		rule := "line " + lines.date.ml.dateLabel + "："
		if lines.date.ml.dateLabel == "" {
			rule = "line (unlabeled date near title)"
		}
		line = &dateCand{lines.date.ml.date, lines.date.ml.prec, rule}
	}
	for _, n := range metaNames["modified"] {
		if v, ok := a.metas[n]; ok {
			if d, pr := parseMetaDate(v, loc); pr != precNone {
				mod = &dateCand{d, pr, "meta " + a.metaKeys[n] + " (modification time)"}
				break
			}
		}
	}
	if d, pr := urlDate(p.URL.String(), loc); pr != precNone {
		url = &dateCand{d, pr, "url"}
	}
	var best *dateCand
	for _, c := range []*dateCand{sel, line, meta, mod, url} {
		if c != nil {
			best = c
			break
		}
	}
	if best != nil {
		for _, c := range append([]*dateCand{sel, line}, append(metas, url)...) {
			if c != nil && c.p > best.p && agrees(c.t, best.t, best.p) {
				refined := *c
				if c.p == precSecond && best.p == precMinute {
					refined.rule = best.rule + " (seconds from " + c.rule + ")"
				}
				best = &refined
			}
		}
		r.date, r.prec, r.dateRule = best.t, best.p, best.rule
		if r.prec == precMonth {
			r.dateRule += " (month only)"
		}
	}

	// Author and editor.
	if v, k := a.meta("author"); v != "" && runeLen(v) <= 30 && cleanValue(v, false) == v {
		r.author, r.authorRule = v, "meta "+k
	} else if lines.author != nil {
		r.author, r.authorRule = lines.author.ml.author, "line 作者"
	} else if r.body.author != "" {
		r.author, r.authorRule = r.body.author, "line 作者 in body"
	} else if lines.classAuthor != "" {
		r.author, r.authorRule = lines.classAuthor, "element named like an author near the title"
	}
	if lines.editor != nil {
		r.editor, r.editorRule = lines.editor.ml.editor, "line 编辑"
	} else if r.body.editor != "" {
		r.editor, r.editorRule = r.body.editor, "line 编辑 in body"
	} else if lines.classEditor != "" {
		r.editor, r.editorRule = lines.classEditor, "element named like an editor near the title"
	}

	// Column: selector, ColumnName, breadcrumb.
	r.crumb = a.breadcrumb(r.title)
	if t := selText(p, e.column); t != "" {
		r.column, r.columnRule = t, "selector "+e.raw.Column
	} else if v, k := a.meta("column"); v != "" {
		r.column, r.columnRule = v, "meta "+k
	} else if c := columnFromCrumb(r.crumb); c != "" {
		r.column, r.columnRule = c, "breadcrumb"
	}

	e.classify(p, r)
	return r
}

// bodyHint returns the page's one element marked itemprop="articleBody"
// when it holds text and overlaps the heuristic container best (one holds
// the other), or nil. Marked up by the page's own template, it is the body
// even where the text is not prose (lists, tables, short lines).
func (a *analysis) bodyHint(best *html.Node) *html.Node {
	if len(a.articleBody) != 1 {
		return nil
	}
	h := a.articleBody[0]
	if a.textLen[h] < 100 || !contains(a.body, h) {
		return nil
	}
	if best != nil && !contains(h, best) && !contains(best, h) {
		return nil
	}
	return h
}

// dateCand is one layer's idea of the publication time.
type dateCand struct {
	t    time.Time
	p    precision
	rule string
}

// agrees reports whether t falls within what base states to precision p:
// the same month, day or minute.
func agrees(t, base time.Time, p precision) bool {
	ty, tm, td := t.Date()
	by, bm, bd := base.Date()
	switch p {
	case precMonth:
		return ty == by && tm == bm
	case precDay:
		return ty == by && tm == bm && td == bd
	case precMinute:
		return t.Truncate(time.Minute).Equal(base.Truncate(time.Minute))
	}
	return false
}

// parseMetaDate parses a meta tag's date: the usual spellings, or RFC 1123
// and RFC 3339 forms.
func parseMetaDate(v string, loc *time.Location) (time.Time, precision) {
	if t, p := parseDate(v, loc); p != precNone {
		return t, p
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339, time.RFC850, time.ANSIC} {
		if t, err := time.Parse(layout, strings.TrimSpace(v)); err == nil {
			return t.In(loc).Truncate(time.Second), precSecond
		}
	}
	return time.Time{}, precNone
}

// titleSegment finds the segment holding the headline: one inside the
// headline element, else a heading or short line repeating the title.
func (a *analysis) titleSegment(n *html.Node, title string) int {
	if n != nil {
		for i := range a.segs {
			if contains(n, a.segs[i].node) || (contains(a.segs[i].node, n) && strings.Contains(a.segs[i].text, normalize(nodeText(n)))) {
				return i
			}
		}
	}
	if title == "" {
		return -1
	}
	tl := runeLen(title)
	found := -1
	for i := range a.segs {
		s := &a.segs[i]
		if s.n > tl*2+20 || s.n < tl/2 {
			continue
		}
		if overlap(title, s.text) >= 0.9 {
			if s.heading > 0 {
				return i
			}
			if found < 0 {
				found = i
			}
		}
	}
	return found
}

// lineBeforeMeta finds a headline that is only recognisable by where it
// stands: the short line right before the source/time line at the top of
// the text. It returns the segment index or -1.
func (a *analysis) lineBeforeMeta(cstart int) int {
	if cstart < 0 {
		return -1
	}
	for m := max(0, cstart-6); m < len(a.segs) && m <= cstart+3; m++ {
		s := &a.segs[m]
		if s.n == 0 || s.n > 200 {
			continue
		}
		meta := false
		for _, l := range findLabels(s.gap) {
			if l.kind == lblSource || l.kind == lblTime {
				meta = true
			}
		}
		if !meta {
			continue
		}
		for i := m - 1; i >= 0 && i >= m-4; i-- {
			t := &a.segs[i]
			if t.n >= 6 && t.n <= 100 && t.linkN*2 < t.n && t.punct <= 2 && !t.neg &&
				a.sc.bp[i] == bpNone && !crumbLike(t.text) && len(findLabels(t.gap)) == 0 {
				return i
			}
		}
		return -1
	}
	return -1
}

// lineCand is a visible meta line chosen for one field.
type lineCand struct {
	idx   int
	ml    metaLine
	d     int
	next  bool   // the value came from the following segment
	after string // on an unlabeled date line, the name after the date
}

type lineSet struct {
	source, date, author, editor *lineCand
	// Values of unlabelled elements named like the field
	// (<span class="source">红星云</span>) near the headline.
	classSource, classAuthor, classEditor string
}

var (
	sourceClassWords = newWordSet(`source|laiyuan|\bly\b|copyfrom|\bfrom\b`)
	authorClassWords = newWordSet(`author|zuozhe|writer|byline`)
	editorClassWords = newWordSet(`editor|bianji|zrbj`)
)

// classValue returns the text of the first element under n whose class or
// id matches re and whose text is a short value (2–30 characters, not a
// date), with any label in front removed.
func classValue(n *html.Node, ws wordSet, loc *time.Location, digitsOK bool) string {
	var found string
	var walk func(c *html.Node, depth int)
	walk = func(c *html.Node, depth int) {
		for ; c != nil && found == ""; c = c.NextSibling {
			if c.Type != html.ElementNode || isSkipped(c.DataAtom) || hidden(c) {
				continue
			}
			if ws.match(classID(c)) {
				t := normalize(nodeText(c))
				if labels := findLabels(t); len(labels) > 0 {
					if labels[0].start > 0 {
						continue
					}
					t = strings.TrimSpace(t[labels[0].end:])
				}
				if _, p := parseDate(t, loc); p == precNone && runeLen(t) >= 2 && runeLen(t) <= 30 && cleanValue(t, true) == t && (digitsOK || !strings.ContainsAny(t, "0123456789")) {
					found = t
					return
				}
			}
			if depth < 4 {
				walk(c.FirstChild, depth+1)
			}
		}
	}
	if n.Type == html.ElementNode && ws.match(classID(n)) {
		walk(n, 0)
		return found
	}
	walk(n.FirstChild, 0)
	return found
}

// nameAfterDate returns the name that follows the date on an unlabeled
// date line (2019-09-26 10:56  证券时报网, 2019-09-05 11:10 游民星空[整理]):
// 2 to 20 characters without digits that are not a page control, or "".
func nameAfterDate(gap string) string {
	m := dateRe.FindStringIndex(gap)
	if m == nil || strings.TrimSpace(gap[:m[0]]) != "" {
		return ""
	}
	rest := strings.TrimSpace(gap[m[1]:])
	if widgetLine(rest) {
		return "" // 2021-02-18 20:06 【打印】【关闭】: controls, not a name
	}
	v := cleanValue(rest, true)
	if n := runeLen(v); n < 2 || n > 20 || strings.ContainsAny(v, "0123456789:：") {
		return ""
	}
	if k, ok := labelKinds[strings.Fields(v)[0]]; ok && k == lblOther {
		return "" // 打印 关闭, 分享, 收藏 … without brackets
	}
	for _, w := range []string{"星期", "周", "週", "礼拜", "禮拜", "上午", "下午"} {
		if strings.HasPrefix(v, w) {
			return ""
		}
	}
	return v
}

// weakTimeLabels are labels that also occur in article text (活动时间 is
// excluded by findLabels, but a bare 时间： can start a body line).
var weakTimeLabels = map[string]bool{"时间": true, "時間": true, "日期": true, "发布": true, "發佈": true, "發布": true, "": true}

// metaLines picks, for each field, the labelled line nearest after the
// headline (lines before it count four times their distance).
func (a *analysis) metaLines(anchor int, loc *time.Location, sc *scored) lineSet {
	var ls lineSet
	take := func(dst **lineCand, c lineCand) {
		if *dst == nil || c.d < (*dst).d {
			cc := c
			*dst = &cc
		}
	}
	// The header block: the short lines between the headline and the
	// first prose, where the fields may stand one a line.
	header := anchor + 6
	for i := max(anchor+1, 0); i < len(a.segs) && i <= anchor+12; i++ {
		if s := &a.segs[i]; s.punct > 0 && s.n >= 20 {
			break
		}
		header = max(header, i)
	}
	for i := range a.segs {
		s := &a.segs[i]
		if s.n == 0 || s.n > 200 || sc.bp[i] == bpFooter || sc.bp[i] == bpSpam {
			continue
		}
		d := i - anchor
		if d < 0 {
			d = -d*4 + 10
		}
		if s.neg && !(anchor >= 0 && anchor < len(a.segs) && a.segs[anchor].neg && i > anchor && i-anchor <= 3) {
			// Navigation and headers name dates of other pages; but a
			// headline inside a region named like a header has its
			// source/time line beside it.
			d += 15
		}
		gap := s.gap
		labels := findLabels(gap)
		next := false
		if len(labels) > 0 && i+1 < len(a.segs) {
			// A label whose value is in the next element: 发布时间：</td><td>2024-01-29
			// A count label (浏览次数：, 阅读：) left empty is filled by a
			// script, and a sentence is never a value: the next element is
			// then the text.
			last := labels[len(labels)-1]
			if last.kind != lblOther && strings.TrimSpace(strings.Trim(gap[last.end:], " :：")) == "" && a.segs[i+1].n <= 60 &&
				!strings.ContainsAny(a.segs[i+1].text, ":：。！？") {
				if len(findLabels(a.segs[i+1].gap)) == 0 || last.kind == lblTime {
					gap += "  " + a.segs[i+1].gap
					next = true
				}
			}
		}
		if len(labels) == 0 && s.n <= 120 && i >= anchor-2 && i-anchor <= 8 {
			for _, f := range []struct {
				dst    *string
				ws     wordSet
				digits bool
			}{{&ls.classSource, sourceClassWords, true}, {&ls.classAuthor, authorClassWords, false}, {&ls.classEditor, editorClassWords, false}} {
				if *f.dst == "" {
					*f.dst = classValue(s.node, f.ws, loc, f.digits)
				}
			}
		}
		if len(labels) == 0 {
			// An unlabeled date on a short line just after the headline.
			if s.n <= 60 && i >= anchor && i <= header && !strings.ContainsAny(s.text, "，。；！？") {
				if m := dateRe.FindStringIndex(s.text); m != nil && s.n-nonSpace(s.text[m[0]:m[1]]) <= 24 {
					if t, p := parseDate(s.text, loc); p != precNone {
						take(&ls.date, lineCand{idx: i, ml: metaLine{date: t, prec: p}, d: d + 3, after: nameAfterDate(s.lineText())})
					}
				}
			}
			continue
		}
		ml := parseMetaLine(gap, loc)
		c := lineCand{idx: i, ml: ml, d: d, next: next}
		if ml.source != "" {
			take(&ls.source, c)
		}
		if ml.prec != precNone && (!weakTimeLabels[ml.dateLabel] || d <= 12) {
			take(&ls.date, c)
		}
		if ml.author != "" {
			take(&ls.author, c)
		}
		if ml.editor != "" {
			take(&ls.editor, c)
		}
	}
	return ls
}

package reskin

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// whitespace removes the whitespace-only text between elements (not
// between an element and text, where it separates words), or adds some
// before block elements.
func (s *state) whitespace() {
	remove := s.chance(0.5)
	isText := func(n *html.Node) bool { return n != nil && n.Type == html.TextNode }
	walk(s.body, func(n *html.Node) bool {
		if n.Type == html.ElementNode && (n.Data == "pre" || hidden(n)) {
			return false
		}
		switch {
		case remove && n.Type == html.TextNode && asciiBlank(n.Data) && !isText(n.PrevSibling) && !isText(n.NextSibling):
			n.Parent.RemoveChild(n)
		case !remove && isBlock(n) && n.Parent != nil:
			n.Parent.InsertBefore(text(pick(s.r, []string{"\n", "\n\t", "\r\n    ", " "})), n)
		}
		return true
	})
}

// names replaces class and id values by meaningless tokens, and gives some
// elements misleading ones.
func (s *state) names() {
	tokens := map[string]string{}
	token := func(v string) string {
		if t, ok := tokens[v]; ok {
			return t
		}
		t := fmt.Sprintf("%c%x", 'a'+rune(s.r.IntN(26)), s.r.Uint32()&0xfffff)
		tokens[v] = t
		return t
	}
	walk(s.doc, func(n *html.Node) bool {
		for i, a := range n.Attr {
			switch strings.ToLower(a.Key) {
			case "class":
				f := strings.Fields(a.Val)
				for j := range f {
					f[j] = token(f[j])
				}
				n.Attr[i].Val = strings.Join(f, " ")
			case "id":
				n.Attr[i].Val = token(a.Val)
			}
		}
		return true
	})
	if !s.chance(0.6) {
		return
	}
	// Misleading names: the body container reads like a side bar, the
	// footer like the content, the page like a side bar.
	setAttr(s.content, "class", pick(s.r, []string{"sidebar", "side-nav footer", "right-list share", "comment-box"}))
	setAttr(s.content, "id", pick(s.r, []string{"sidebar", "footer", "nav"}))
	setAttr(s.body, "class", "sidebar")
	setAttr(s.title, "class", pick(s.r, []string{"footer-title", "nav-title", "sidebar"}))
	if s.line != nil {
		setAttr(s.line, "class", pick(s.r, []string{"content", "article-body", "title"}))
	}
	var footer *html.Node
	walk(s.body, func(n *html.Node) bool {
		if isBlock(n) && strings.Contains(textOf(n), "主办单位") && !contains(n, s.content) {
			footer = n
		}
		return true
	})
	if footer != nil {
		setAttr(footer, "class", pick(s.r, []string{"content", "article-content", "main-content article"}))
		setAttr(footer, "id", "content")
	}
}

// wrappers adds wrapper elements, layout tables and <font>/<center>.
func (s *state) wrappers() {
	done := false
	for !done {
		if s.chance(0.5) {
			for range 1 + s.r.IntN(3) {
				d := elem("div", "class", pick(s.r, []string{"box", "inner", "wrap", "con", "main"}))
				if okInFlow(s.content) {
					wrap(s.content, d)
				} else {
					wrapKids(s.content, d)
				}
			}
			done = true
		}
		if s.chance(0.4) && okInFlow(s.content) {
			td := elem("td", "valign", "top", "align", "left")
			wrap(s.content, withKids(elem("table", "width", "100%", "border", "0", "cellspacing", "0", "cellpadding", "0"),
				withKids(elem("tbody"), withKids(elem("tr"), td))))
			s.content.Parent.RemoveChild(s.content)
			td.AppendChild(s.content)
			done = true
		}
		if s.chance(0.3) && okInFlow(s.title) {
			td := elem("td", "align", "center", "height", "60")
			wrap(s.title, withKids(elem("table", "width", "100%"), withKids(elem("tbody"), withKids(elem("tr"), td))))
			s.title.Parent.RemoveChild(s.title)
			td.AppendChild(s.title)
			done = true
		}
		if s.chance(0.4) {
			wrapKids(s.title, elem("font", "size", "5", "color", "#c00000"))
			if okInFlow(s.title) {
				wrap(s.title, elem("center"))
			}
			done = true
		}
		if s.chance(0.4) {
			for _, c := range children(s.content) {
				if c.Type == html.ElementNode && (c.Data == "p" || c.Data == "div") && squeeze(textOf(c)) != "" {
					wrapKids(c, elem("font", "face", "宋体", "size", "3"))
				}
			}
			done = true
		}
	}
}

// okInFlow reports whether n may be wrapped in a block element without the
// parser moving things about (n is not a part of a table or a list, and not
// inside a paragraph).
func okInFlow(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	switch n.Data {
	case "td", "th", "tr", "tbody", "li", "dt", "dd", "body":
		return false
	}
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && (p.Data == "p" || p.Data == "span" || p.Data == "font" || p.Data == "a" || p.Data == "b" || p.Data == "strong") {
			return false
		}
	}
	return true
}

// paragraphs rewrites the paragraphs of the body container: <p> as <div>,
// or as text separated by <br><br>, or some as bare text.
func (s *state) paragraphs() {
	kids := func() []*html.Node {
		var out []*html.Node
		for _, c := range children(s.content) {
			if c.Type == html.ElementNode && (c.Data == "p" || c.Data == "div" || c.Data == "h3" || c.Data == "h4" || c.Data == "figure" || c.Data == "center") {
				out = append(out, c)
			}
		}
		return out
	}
	switch s.r.IntN(3) {
	case 0:
		walk(s.content, func(n *html.Node) bool {
			if n.Type == html.ElementNode && n.Data == "p" {
				rename(n, "div")
			}
			return true
		})
	case 1:
		for _, c := range kids() {
			if c.Data != "figure" {
				unwrap(c, elem("br"), elem("br"))
			}
		}
	default:
		prev := false
		for _, c := range kids() {
			if !prev && c.Data != "figure" && squeeze(textOf(c)) != "" && s.chance(0.4) && nextIsBlock(c) {
				unwrap(c)
				prev = true
				continue
			}
			prev = false
		}
	}
}

// nextIsBlock reports whether the next element after n is a block, so that
// n's text, once bare, still ends a line.
func nextIsBlock(n *html.Node) bool {
	for c := n.NextSibling; c != nil; c = c.NextSibling {
		switch {
		case c.Type == html.TextNode && asciiBlank(c.Data):
			continue
		case c.Type == html.ElementNode && (isBlock(c) || c.Data == "br"):
			return true
		case c.Type == html.ElementNode && (c.Data == "script" || c.Data == "style"):
			continue
		}
		return false
	}
	return false
}

var (
	headlinesAbove = []string{"坚持党建引领 推动高质量发展", "聚焦主责主业 建强干部队伍", "学思想 强党性 重实践 建新功", "【奋进新征程 建功新时代】"}
	headlinesBelow = []string{"——记全省组织系统先进集体", "——基层党建工作综述", "——干部队伍建设经验做法", "——人才工作侧记"}
)

// headline writes the title in a div with a big font, a <strong> or a
// <font>, and adds a subtitle above or below it.
func (s *state) headline() {
	top := s.title
	for p := top.Parent; p != nil && p != s.body && okInFlow(p) && squeeze(textOf(p)) == squeeze(s.truth.Title); p = p.Parent {
		top = p
	}
	mode := s.r.IntN(4)
	sub := s.chance(0.7) || mode == 0
	if mode > 0 && okInFlow(top) {
		t := text(strings.TrimSpace(textOf(s.title)))
		var x, inner *html.Node
		switch mode {
		case 1:
			x = elem("div", "style", "font-size:26px;font-weight:bold;text-align:center;line-height:40px;")
			inner = x
		case 2:
			inner = elem("strong")
			x = withKids(elem("p", "align", "center"), inner)
		default:
			inner = elem("b")
			x = withKids(elem("div", "align", "center"), withKids(elem("font", "size", "5", "color", "#b00000"), inner))
		}
		inner.AppendChild(t)
		replace(top, x)
		top, s.title = x, inner
	}
	if !sub || !okInFlow(top) {
		return
	}
	tag := "div"
	switch top.Data {
	case "h1":
		tag = pick(s.r, []string{"h2", "h3", "div"})
	case "h2":
		tag = pick(s.r, []string{"h3", "h4", "div"})
	}
	if s.chance(0.5) {
		n := withKids(elem(tag, "style", "font-size:16px;"), text(pick(s.r, headlinesAbove)))
		top.Parent.InsertBefore(n, top)
	} else {
		insertAfter(top, withKids(elem(tag, "style", "font-size:16px;"), text(pick(s.r, headlinesBelow))))
	}
}

var (
	srcLabels  = []string{"来源", "文章来源", "稿件来源", "信息来源", "稿源", "出处"}
	timeLabels = []string{"时间", "发布时间", "发布日期", "日期", "发表时间"}
	colons     = []string{"：", ":", "： ", ": ", "：\u00a0", "\u00a0:\u00a0", "："}
	srcLabelRE = regexp.MustCompile(`(文章来源|稿件来源|信息来源|来源|稿源|出处|文章來源|來源)[ \x{a0}\x{3000}]*[：:][ \x{a0}\x{3000}]*`)
	timeLabRE  = regexp.MustCompile(`(发布时间|發佈時間|发布日期|發布日期|发表时间|時間|时间|日期)[ \x{a0}\x{3000}]*[：:][ \x{a0}\x{3000}]*`)
)

// labels respells the labels of the source/time line.
func (s *state) labels() {
	if s.line == nil {
		return
	}
	s.relabel(srcLabelRE, srcLabels, s.truth.Source != "")
	if !s.relabel(timeLabRE, timeLabels, true) && s.chance(0.5) {
		// An unlabelled date gets a label.
		loc := dateRE.FindStringIndex(s.date.Data)
		if loc == nil {
			return
		}
		d := splitText(s.date, loc[0], loc[1])
		d.Parent.InsertBefore(s.labelNode(pick(s.r, timeLabels)+pick(s.r, colons)), d)
		s.date = d
	}
	if s.source != nil && s.chance(0.4) {
		i := strings.Index(s.source.Data, s.truth.Source)
		if i >= 0 {
			v := splitText(s.source, i, i+len(s.truth.Source))
			a := elem("a", "href", "/", "target", "_blank")
			wrap(v, a)
			s.source = v
		}
	}
}

// relabel respells the first label re matches in the line and reports
// whether there was one.
func (s *state) relabel(re *regexp.Regexp, spellings []string, want bool) bool {
	if !want {
		return false
	}
	var n *html.Node
	var loc []int
	walk(s.line, func(m *html.Node) bool {
		if n != nil || hidden(m) {
			return false
		}
		if m.Type == html.TextNode {
			for _, l := range re.FindAllStringIndex(m.Data, -1) {
				if before := m.Data[:l[0]]; strings.HasSuffix(before, "更新") || strings.HasSuffix(before, "修改") {
					continue
				}
				n, loc = m, l
				break
			}
		}
		return true
	})
	if n == nil {
		return false
	}
	isDate, isSrc := n == s.date, n == s.source
	pre, rest := text(n.Data[:loc[0]]), text(n.Data[loc[1]:])
	label := s.labelNode(pick(s.r, spellings) + pick(s.r, colons))
	p := n.Parent
	p.InsertBefore(pre, n)
	p.InsertBefore(label, n)
	p.InsertBefore(rest, n)
	p.RemoveChild(n)
	for _, part := range []*html.Node{pre, rest} {
		if isDate && dateRE.MatchString(part.Data) {
			s.date = part
		}
		if isSrc && strings.Contains(squeeze(part.Data), squeeze(s.truth.Source)) {
			s.source = part
		}
	}
	return true
}

// labelNode returns a label as text or in an element of its own.
func (s *state) labelNode(label string) *html.Node {
	if s.chance(0.5) {
		return text(label)
	}
	return withKids(elem(pick(s.r, []string{"span", "i", "b", "label", "em", "strong"})), text(label))
}

// metaLine rebuilds the source/time line: the fields in another order, on
// one line or several, with extra fields.
func (s *state) metaLine() {
	if s.line == nil {
		return
	}
	m := dateRE.FindString(s.date.Data)
	type field struct {
		nodes func() []*html.Node
	}
	var fields []field
	var dateNode, srcNode *html.Node
	fields = append(fields, field{func() []*html.Node {
		dateNode = text(m)
		if s.chance(0.3) {
			return []*html.Node{dateNode}
		}
		return []*html.Node{text(pick(s.r, timeLabels) + pick(s.r, colons)), dateNode}
	}})
	if s.truth.Source != "" {
		fields = append(fields, field{func() []*html.Node {
			srcNode = text(s.truth.Source)
			return []*html.Node{text(pick(s.r, srcLabels) + pick(s.r, colons)), srcNode}
		}})
	}
	doc := strconv.Itoa(100000 + s.r.IntN(900000))
	extras := []func() []*html.Node{
		func() []*html.Node {
			return []*html.Node{text("阅读："), elem("span", "id", "hits"+doc), withKids(elem("script"), text(`$.get("/hits/`+doc+`",function(d){$("#hits`+doc+`").text(d)});`))}
		},
		func() []*html.Node {
			return []*html.Node{text("浏览次数："), withKids(elem("script", "language", "javascript"), text(`_showDynClicks("wbnews", `+doc+`, 1081)`))}
		},
		func() []*html.Node { return []*html.Node{text("点击数："), elem("span", "id", "clicks")} },
		func() []*html.Node {
			return []*html.Node{text("字号："), withKids(elem("a", "href", "javascript:doZoom(18)"), text("大")), text(" "),
				withKids(elem("a", "href", "javascript:doZoom(16)"), text("中")), text(" "), withKids(elem("a", "href", "javascript:doZoom(14)"), text("小"))}
		},
		func() []*html.Node {
			return []*html.Node{withKids(elem("a", "href", "javascript:window.print()"), text("【打印】")), withKids(elem("a", "href", "javascript:window.close()"), text("【关闭】"))}
		},
		func() []*html.Node {
			return []*html.Node{text("分享到："), withKids(elem("a", "class", "wx", "href", "javascript:;"), text("微信")), withKids(elem("a", "href", "javascript:;"), text("微博"))}
		},
	}
	for _, e := range extras {
		if s.chance(0.35) {
			fields = append(fields, field{e})
		}
	}
	s.r.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
	line := s.line
	if line.Data != "div" && line.Data != "p" && line.Data != "td" {
		d := elem("div")
		replace(line, d)
		line = d
	}
	for _, c := range children(line) {
		line.RemoveChild(c)
	}
	layout := s.r.IntN(4)
	sep := pick(s.r, []string{"\u00a0\u00a0", "\u3000", " | ", "  ", "\u00a0\u00a0\u00a0\u00a0"})
	for i, f := range fields {
		nodes := f.nodes()
		var holder *html.Node
		switch layout {
		case 0: // one line of text
			if i > 0 {
				line.AppendChild(text(sep))
			}
		case 1: // one line of touching spans
			holder = elem("span")
		case 2: // one field a line
			holder = elem(pick(s.r, []string{"div", "p"}))
		default: // lines joined by <br>
			if i > 0 {
				line.AppendChild(elem("br"))
			}
		}
		for _, n := range nodes {
			if holder != nil {
				holder.AppendChild(n)
			} else {
				line.AppendChild(n)
			}
		}
		if holder != nil {
			line.AppendChild(holder)
		}
	}
	s.line, s.date, s.source = line, dateNode, srcNode
}

// Date spellings: with the time of day, with seconds, and the day alone.
var (
	minuteLayouts = []string{"2006-01-02 15:04", "2006年01月02日 15:04", "2006/01/02 15:04", "2006年1月2日 15:04", "2006.01.02 15:04", "2006-1-2 15:04"}
	secondLayouts = []string{"2006-01-02 15:04:05", "2006年01月02日 15:04:05", "2006/1/2 15:04:05"}
	dayLayouts    = []string{"2006-01-02", "2006年01月02日", "2006/1/2", "2006.01.02", "2006年1月2日"}
)

// dates respells the printed date, may print an 更新时间 after it, and may
// add an article:published_time meta tag: a later update, or the printed
// minute with seconds.
func (s *state) dates() {
	if s.date == nil {
		return
	}
	t := s.truth.Published
	loc := dateRE.FindStringIndex(s.date.Data)
	if loc == nil {
		return
	}
	var layout string
	switch x := s.r.IntN(10); {
	case !s.minuteKnown || x < 3:
		layout = pick(s.r, dayLayouts)
		s.printed = precDay
	case x < 5:
		layout = pick(s.r, secondLayouts)
		s.printed = precSecond
		s.seconds = 1 + s.r.IntN(59)
		t = t.Truncate(time.Minute).Add(time.Duration(s.seconds) * time.Second)
	default:
		layout = pick(s.r, minuteLayouts)
		s.printed = precMinute
	}
	d := splitText(s.date, loc[0], loc[1])
	d.Data = t.Format(layout)
	s.date = d
	later := s.truth.Published.Add(time.Duration(24+s.r.IntN(24*30))*time.Hour + time.Duration(s.r.IntN(3600))*time.Second)
	if s.line != nil && s.chance(0.4) {
		label := pick(s.r, []string{"更新时间：", "修改时间：", "更新日期："})
		u := later.Format(layout)
		if s.chance(0.5) {
			insertAfter(d, text("\u00a0\u00a0"+label+u))
		} else {
			insertAfter(d, withKids(elem("span"), text(label+u)))
			insertAfter(d, text(" "))
		}
	}
	if s.head == nil || !s.chance(0.6) {
		return
	}
	var mt time.Time
	switch {
	case s.printed == precMinute && s.chance(0.5):
		mt = s.truth.Published.Truncate(time.Minute).Add(time.Duration(1+s.r.IntN(59)) * time.Second)
	case s.printed == precDay && s.minuteKnown && s.chance(0.5):
		mt = s.truth.Published
	default:
		mt = later
	}
	content := mt.Format("2006-01-02T15:04:05+08:00")
	var m *html.Node
	walk(s.head, func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.Data == "meta" && strings.EqualFold(attr(n, "property"), "article:published_time") {
			m = n
		}
		return true
	})
	if m == nil {
		m = elem("meta", "property", "article:published_time")
		s.head.AppendChild(m)
	}
	setAttr(m, "content", content)
}

// metaTags removes article meta tags: all of them or some.
func (s *state) metaTags() {
	if s.head == nil {
		return
	}
	all := s.chance(0.5)
	walk(s.head, func(n *html.Node) bool {
		if n.Type != html.ElementNode || n.Data != "meta" {
			return true
		}
		name := strings.ToLower(attr(n, "name") + attr(n, "property"))
		switch {
		case name == "" || name == "viewport" || name == "keywords":
		case all || s.chance(0.5):
			n.Parent.RemoveChild(n)
		}
		return true
	})
}

var (
	editors     = []string{"张伟", "李娜", "王芳", "刘洋", "陈静", "杨帆"}
	attachNames = []string{"2024年度工作要点", "报名登记表", "岗位信息表", "考核结果公示名单", "实施方案"}
	relTitles   = []string{"长沙市：“墩苗”历练锻造干部队伍", "岳阳县：党建引领激活基层治理", "湘潭市召开组织工作会议", "郴州市：柔性引才为发展注入动能"}
)

// extras adds a summary box before the body, and an attachment list, an
// editor line, an image caption and a 相关阅读 list in the body container.
func (s *state) extras() {
	done := false
	for !done {
		if s.chance(0.4) {
			s.summary()
			done = true
		}
		if s.chance(0.4) {
			s.attachments()
			done = true
		}
		if s.chance(0.4) {
			s.caption()
			done = true
		}
		if s.chance(0.5) {
			ed := pick(s.r, editors)
			var n *html.Node
			switch s.r.IntN(4) {
			case 0:
				n = withKids(elem("p", "style", "text-align:right"), text("（责任编辑："+ed+"）"))
			case 1:
				n = withKids(elem("div"), text("责任编辑："+ed))
			case 2:
				n = withKids(elem("p"), text("编辑："+ed))
			default:
				n = withKids(elem("p", "align", "right"), text("[责任编辑："+ed+"]"))
			}
			s.content.AppendChild(n)
			done = true
		}
		if s.chance(0.4) {
			box := elem("div")
			if s.chance(0.5) {
				box.AppendChild(withKids(elem("h4"), text("相关阅读")))
				ul := elem("ul")
				for _, t := range relTitles[:2+s.r.IntN(3)] {
					ul.AppendChild(withKids(elem("li"), withKids(elem("a", "href", "/c/2023/05/06/1"+strconv.Itoa(len(t))+".html"), text(t))))
				}
				box.AppendChild(ul)
			} else {
				box.AppendChild(withKids(elem("p"), withKids(elem("strong"), text("相关阅读："))))
				for i, t := range relTitles[:2+s.r.IntN(3)] {
					box.AppendChild(withKids(elem("p"), withKids(elem("a", "href", "/c/2023/05/07/2"+strconv.Itoa(i)+".html"), text(t))))
				}
			}
			s.content.AppendChild(box)
			done = true
		}
	}
}

// firstSentence returns the first sentence of the body.
func (s *state) firstSentence() string {
	first, _, _ := strings.Cut(s.truth.Body, "\n")
	if i := strings.Index(first, "。"); i >= 0 {
		return first[:i+len("。")]
	}
	return first
}

func (s *state) summary() {
	first := s.firstSentence()
	var n *html.Node
	switch s.r.IntN(4) {
	case 0:
		n = withKids(elem("div", "class", "summary"), withKids(elem("b"), text("【导语】")), text(first))
	case 1:
		n = withKids(elem("div"), text("摘要："+first))
	case 2:
		n = withKids(elem("p"), withKids(elem("strong"), text("内容摘要：")), text(first))
	default:
		n = withKids(elem("div", "style", "border:1px solid #ddd;padding:10px;background:#f5f5f5"), withKids(elem("span"), text("【摘要】")), text(first))
	}
	if okInFlow(s.content) {
		s.content.Parent.InsertBefore(n, s.content)
	} else {
		s.content.InsertBefore(n, s.content.FirstChild)
	}
}

func (s *state) attachments() {
	ext := []string{".pdf", ".doc", ".docx", ".xls", ".xlsx", ".zip"}
	box := elem("div")
	k := 1 + s.r.IntN(2)
	var lines []string
	if k == 1 {
		name := pick(s.r, attachNames) + pick(s.r, ext)
		box.AppendChild(withKids(elem("p"), text("附件："), withKids(elem("a", "href", "/uploadfiles/fj/a1"+name[strings.LastIndexByte(name, '.'):]), text(name))))
		lines = append(lines, "附件："+name)
	} else {
		box.AppendChild(withKids(elem("p"), text("附件：")))
		lines = append(lines, "附件：")
		for i := 1; i <= k; i++ {
			name := strconv.Itoa(i) + "." + attachNames[(i+s.r.IntN(5))%len(attachNames)] + pick(s.r, ext)
			box.AppendChild(withKids(elem("p"), withKids(elem("a", "href", "/uploadfiles/fj/a"+strconv.Itoa(i)+name[strings.LastIndexByte(name, '.'):]), text(name))))
			lines = append(lines, name)
		}
	}
	// Attachments come before an editor line at the end of the body.
	var at *html.Node
	for _, c := range children(s.content) {
		if t := textOf(c); strings.Contains(t, "编辑：") || strings.Contains(t, "编辑:") {
			at = c
		}
	}
	s.content.InsertBefore(box, at)
	s.truth.Body += "\n" + strings.Join(lines, "\n")
}

// caption gives the first image of the body a <figure> with a caption, or
// adds one after the first paragraph.
func (s *state) caption() {
	capText := "图为" + pick(s.r, []string{"座谈会现场。", "学员在企业参观学习。", "党员志愿者入户走访。"})
	var img *html.Node
	walk(s.content, func(n *html.Node) bool {
		if img == nil && n.Type == html.ElementNode && n.Data == "img" {
			img = n
		}
		return img == nil
	})
	fig := elem("figure", "style", "text-align:center")
	if img != nil {
		blk := img
		for blk.Parent != s.content {
			blk = blk.Parent
		}
		if squeeze(textOf(blk)) != "" || !okInFlow(blk) {
			return
		}
		img.Parent.RemoveChild(img)
		replace(blk, fig)
		fig.AppendChild(img)
	} else {
		var firstP *html.Node
		for _, c := range children(s.content) {
			if c.Type == html.ElementNode && (c.Data == "p" || c.Data == "div") && squeeze(textOf(c)) != "" {
				firstP = c
				break
			}
		}
		if firstP == nil {
			return
		}
		insertAfter(firstP, fig)
		fig.AppendChild(elem("img", "src", "/uploadfiles/reskin/photo1.jpg", "alt", ""))
	}
	fig.AppendChild(withKids(elem("figcaption"), text(capText)))
}

package simsite

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type itemKind uint8

const (
	itemText itemKind = iota
	itemHeading
	itemImage
	itemAttach
	itemAttachRow // a row of an attachment table: head is its number, link the file name; no asset on the header row
)

// item is one block of an article body.
type item struct {
	kind   itemKind
	sents  []string // itemText: the sentences of the paragraph
	head   string   // itemHeading: the heading; itemAttach: text before the link
	link   string   // itemAttach: the link text
	asset  string   // itemImage, itemAttach: root-relative path of the file
	quoted bool     // itemText starting with a quote (never revised)
}

func (it item) text() string {
	switch it.kind {
	case itemText:
		return strings.Join(it.sents, "")
	case itemHeading:
		return it.head
	case itemAttach:
		return it.head + it.link
	case itemAttachRow:
		return it.head + " " + it.link
	}
	return ""
}

// Date formats of the source/time line.
const (
	fmtMinDash  = iota // 2024-01-29 15:20
	fmtMinCN           // 2024年01月29日 15:20
	fmtDaySlash        // 2024/1/29
	fmtDayDash         // 2024-01-29
	fmtDayCN           // 2024年1月29日
)

var dateLayouts = []string{"2006-01-02 15:04", "2006年01月02日 15:04", "2006/1/2", "2006-01-02", "2006年1月2日"}

// charset declarations of a page.
type charsetDecl uint8

const (
	declUTF8Both       charsetDecl = iota // header and <meta charset>
	declUTF8Header                        // header only
	declUTF8Meta                          // <meta http-equiv> only
	declGBKHeader                         // header only
	declGBKMetaEquiv                      // <meta http-equiv … charset=gb2312> only
	declGBKMetaCharset                    // <meta charset="gbk"> only
	declGBKNone                           // not declared at all
)

// plan is everything about an article that is generated from (seed, id).
type plan struct {
	id        int
	meta      artMeta
	title     string
	tc        textCtx
	source    string
	author    string
	editor    string
	edLabel   string // 责任编辑 or 编辑
	srcLabel  string
	timeLabel string
	colon     string
	sep       string
	dateFmt   int
	srcFirst  bool
	gbk       bool
	decl      charsetDecl
	desc      string
	items     []item
	breaks    []int // index of the first item of pages 2..n
}

// published returns the truth time: the minute when any copy's page states
// it, else the date at 00:00.
func (p *plan) published(s *Site) time.Time {
	t := minuteTime(p.meta.minute)
	if p.dateFmt <= fmtMinCN || minuteMeta(s.skinOf(p.meta, 0)) {
		return t
	}
	y, mo, d := t.Date()
	return time.Date(y, mo, d, 0, 0, 0, 0, cst)
}

// minuteMeta reports whether the skin states the minute in a meta tag even
// when the visible line gives only the date.
func minuteMeta(k skin) bool { return k == skinTRS || k == skinHanweb || k == skinGov }

// titleOf generates the title of article id cheaply (lists need only this).
func (s *Site) titleOf(id int, m artMeta) (string, textCtx) {
	r := newRNG(s.seed, tagTitle, uint64(id))
	topic := s.cols[m.col].topic
	if topic < 0 || r.chance(0.3) {
		topic = r.intn(numTopics)
	}
	ci := r.intn(len(cities))
	county := -1
	if r.chance(0.75) {
		county = r.intn(len(cities[ci].counties))
	}
	year := minuteTime(m.minute).Year()
	tc := newTextCtx(topic, ci, county, year, nil)
	place := tc.place
	if county >= 0 && r.chance(0.15) {
		place = tc.city.name + place
	}
	method := pick(&r, titleMethods[topic])
	purpose := pick(&r, titlePurposes[topic])
	var t string
	switch x := r.intn(10); {
	case x < 7:
		t = place + "：" + method + purpose
	case x < 8:
		t = place + method + purpose
	case x < 9:
		t = place + "召开" + strconv.Itoa(year) + "年度" + pick(&r, meetings)
	default:
		t = place + "：以" + method + purpose
	}
	return t, tc
}

// plan generates article id at its current version.
func (s *Site) plan(id int, m artMeta) *plan {
	title, tc := s.titleOf(id, m)
	r := newRNG(s.seed, tagPlan, uint64(id))
	tc.r = &r
	p := &plan{id: id, meta: m, title: title, tc: tc}
	c := s.cols[m.col]
	if !r.chance(0.08) {
		p.source = tc.expand(pick(&r, sources))
	}
	if r.chance(0.25) {
		p.author = personName(&r)
		if r.chance(0.3) {
			p.author += " " + personName(&r)
		}
	}
	if r.chance(0.85) {
		p.editor = personName(&r)
	}
	p.edLabel = pick(&r, []string{"责任编辑", "责任编辑", "编辑"})
	p.srcLabel = pick(&r, []string{"文章来源", "来源", "信息来源", "来源"})
	p.timeLabel = pick(&r, []string{"时间", "发布时间", "发布时间", "發佈時間"})
	p.colon = pick(&r, []string{"：", "：", ":", ": "})
	p.sep = pick(&r, []string{"&nbsp;&nbsp;", "&nbsp;&nbsp;&nbsp;&nbsp;", "　", "  ", " | "})
	p.srcFirst = r.chance(0.6)
	switch x := r.intn(100); {
	case x < 45:
		p.dateFmt = fmtMinDash
	case x < 65:
		p.dateFmt = fmtMinCN
	case x < 80:
		p.dateFmt = fmtDaySlash
	case x < 90:
		p.dateFmt = fmtDayDash
	default:
		p.dateFmt = fmtDayCN
	}
	if m.col2 != noCol && p.dateFmt > fmtMinCN {
		// Both copies must state the same precision.
		p.dateFmt = fmtMinDash
	}
	p.gbk = c.gbk
	if p.gbk {
		switch x := r.intn(100); {
		case x < 35:
			p.decl = declGBKHeader
		case x < 60:
			p.decl = declGBKMetaEquiv
		case x < 80:
			p.decl = declGBKMetaCharset
		default:
			p.decl = declGBKNone
		}
	} else {
		switch x := r.intn(100); {
		case x < 70:
			p.decl = declUTF8Both
		case x < 85:
			p.decl = declUTF8Header
		default:
			p.decl = declUTF8Meta
		}
	}
	nImages := 0
	switch x := r.intn(100); {
	case x < 25:
		nImages = 1
	case x < 35:
		nImages = r.between(2, 3)
	}
	nAttach := 0
	if r.chance(0.12) {
		nAttach = r.between(1, 2)
	}
	s.genBody(p, nImages, nAttach, &r)
	if c.isTopic() {
		s.addAttachTable(p) // rednet.go
	}
	for _, it := range p.items {
		if it.kind == itemText {
			p.desc = truncRunes(it.text(), 80)
			break
		}
	}
	s.applyRedesign(p)
	return p
}

func truncRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// sentencePicker draws sentences of a topic (70%) or shared ones (30%),
// each bank without replacement until it is used up, and never the same
// sentence twice in a row.
type sentencePicker struct {
	tc    *textCtx
	pools [2][]string
	last  string
}

func (sp *sentencePicker) next() string {
	r := sp.tc.r
	k := 0
	if !r.chance(0.7) {
		k = 1
	}
	if len(sp.pools[k]) == 0 {
		if k == 0 {
			sp.pools[k] = append(sp.pools[k][:0], sentences[sp.tc.topic]...)
		} else {
			sp.pools[k] = append(sp.pools[k][:0], sharedSentences...)
		}
	}
	pool := sp.pools[k]
	i := r.intn(len(pool))
	if pool[i] == sp.last && len(pool) > 1 {
		i = (i + 1) % len(pool)
	}
	t := pool[i]
	pool[i] = pool[len(pool)-1]
	sp.pools[k] = pool[:len(pool)-1]
	sp.last = t
	return sp.tc.expand(t)
}

func (sp *sentencePicker) paragraph() item {
	r := sp.tc.r
	it := item{kind: itemText}
	n := r.between(2, 4)
	if r.chance(0.2) {
		q := pick(r, quotes[sp.tc.topic])
		if r.chance(0.3) {
			q = pick(r, sharedQuotes)
		}
		it.sents = append(it.sents, sp.tc.expand(q))
		it.quoted = true
		n--
	}
	for range n {
		it.sents = append(it.sents, sp.next())
	}
	return it
}

func runeLen(it item) int { return utf8.RuneCountInString(it.text()) }

// genBody generates the body items of p, then applies p's revisions.
func (s *Site) genBody(p *plan, nImages, nAttach int, pr *rng) {
	r := newRNG(s.seed, tagBody, uint64(p.id))
	tc := p.tc
	tc.r = &r
	sp := &sentencePicker{tc: &tc}
	pages := int(p.meta.pages)
	target := r.between(400, 1500)
	if r.chance(0.3) {
		target = r.between(1500, 2700)
	}
	if pages > 1 {
		target = pages * r.between(1300, 2000)
	}

	lead := item{kind: itemText, sents: []string{tc.expand(pick(&r, leads[tc.topic]))}}
	for range r.between(0, 2) {
		lead.sents = append(lead.sents, sp.next())
	}
	items := []item{lead}
	length := runeLen(lead)
	if target >= 900 {
		nh := max(2, min(target/600, 9))
		hs := append(append([]string{}, headings[tc.topic]...), sharedHeadings...)
		per := (target - length) / nh
		for h := 0; h < nh && length < target; h++ {
			j := r.intn(len(hs))
			items = append(items, item{kind: itemHeading, head: hs[j]})
			hs = append(hs[:j], hs[j+1:]...)
			if len(hs) == 0 {
				hs = append(append([]string{}, headings[tc.topic]...), sharedHeadings...)
			}
			length += 8
			sec := 0
			for sec < per && length < target {
				it := sp.paragraph()
				n := runeLen(it)
				sec += n
				length += n
				items = append(items, it)
			}
		}
	} else {
		for length < target {
			it := sp.paragraph()
			length += runeLen(it)
			items = append(items, it)
		}
	}
	if r.chance(0.5) {
		items = append(items, item{kind: itemText, sents: []string{tc.expand(pick(&r, closings))}})
	}

	// Page breaks, on version 1, so that a revision changes one sentence only.
	if pages > 1 {
		total := 0
		for _, it := range items {
			total += runeLen(it)
		}
		acc := 0
		for i, it := range items {
			if len(p.breaks) == pages-1 {
				break
			}
			if acc >= total*(len(p.breaks)+1)/pages && i > 0 && items[i-1].kind != itemHeading {
				p.breaks = append(p.breaks, i)
			}
			acc += runeLen(it)
		}
		for len(p.breaks) < pages-1 { // a very long last paragraph: split after it
			next := 1
			if n := len(p.breaks); n > 0 {
				next = p.breaks[n-1] + 1
			}
			p.breaks = append(p.breaks, min(next, len(items)-1))
		}
	}

	p.items = items
	s.revise(p)
	s.addAssets(p, nImages, nAttach, pr)
}

// revise replaces one sentence per revision after the first.
func (s *Site) revise(p *plan) {
	for v := 2; v <= int(p.meta.version); v++ {
		r := newRNG(s.seed, tagRevise, uint64(p.id), uint64(v), 7)
		tc := p.tc
		tc.r = &r
		sp := &sentencePicker{tc: &tc}
		var cands []int
		for i, it := range p.items {
			if it.kind == itemText && !it.quoted {
				cands = append(cands, i)
			}
		}
		if len(cands) == 0 {
			return
		}
		i := pick(&r, cands)
		sents := append([]string(nil), p.items[i].sents...)
		j := r.intn(len(sents))
		old := sents[j]
		for tries := 0; tries < 20 && sents[j] == old; tries++ {
			sents[j] = sp.next()
		}
		if sents[j] == old {
			sents[j] = "（" + strings.TrimSuffix(old, "。") + "。）"
		}
		p.items[i].sents = sents
	}
}

// addAssets inserts images after random paragraphs and appends attachment
// links, keeping page breaks on the same paragraphs.
func (s *Site) addAssets(p *plan, nImages, nAttach int, r *rng) {
	if nImages == 0 && nAttach == 0 {
		return
	}
	m := p.meta
	t := minuteTime(m.minute)
	ymd := t.Format("20060102")
	doc := strconv.Itoa(s.docID(p.id, 0))
	dir := "/uploadfiles/" + ymd[:6] + "/"
	prefix := ymd + "_" + doc + "_"
	c := s.cols[m.col]
	if m.col2 == noCol && c.plat == platTRS {
		// TRS keeps files next to the article: ./W020240129….jpg.
		ap := s.articlePath(p.id, m, 0, 0)
		dir = ap[:strings.LastIndexByte(ap, '/')+1]
		prefix = "W0" + ymd + doc
	}
	after := map[int]int{} // item index → image number
	for k := 1; k <= nImages; k++ {
		i := r.intn(len(p.items))
		if p.items[i].kind != itemText {
			continue
		}
		if _, dup := after[i]; !dup {
			after[i] = k
		}
	}
	var out []item
	var breaks []int
	bi := 0
	for i, it := range p.items {
		if bi < len(p.breaks) && p.breaks[bi] == i {
			breaks = append(breaks, len(out))
			bi++
		}
		out = append(out, it)
		if k, ok := after[i]; ok {
			out = append(out, item{kind: itemImage, asset: dir + prefix + strconv.Itoa(k) + ".jpg"})
		}
	}
	if nAttach > 0 {
		pre := prefix
		if strings.HasPrefix(prefix, "W0") {
			pre = "P0" + prefix[2:]
		}
		if nAttach == 1 {
			ext := pick(r, attachmentExts)
			out = append(out, item{kind: itemAttach, head: "附件：",
				link:  p.tc.expand(pick(r, attachmentNames)) + ext,
				asset: dir + pre + "a1" + ext})
		} else {
			out = append(out, item{kind: itemText, sents: []string{"附件："}, quoted: true})
			for k := 1; k <= nAttach; k++ {
				ext := pick(r, attachmentExts)
				out = append(out, item{kind: itemAttach, head: "",
					link:  strconv.Itoa(k) + "." + p.tc.expand(pick(r, attachmentNames)) + ext,
					asset: dir + pre + "a" + strconv.Itoa(k) + ext})
			}
		}
	}
	p.items, p.breaks = out, breaks
}

// pageItems returns the items shown on page pg.
func (p *plan) pageItems(pg int) []item {
	lo, hi := 0, len(p.items)
	if pg > 0 {
		lo = p.breaks[pg-1]
	}
	if pg < len(p.breaks) {
		hi = p.breaks[pg]
	}
	return p.items[lo:hi]
}

package simsite

import (
	"strconv"
	"strings"
	"time"
)

// platform is the CMS a column is published with; it decides the URL scheme
// of the column's articles and how long articles are split.
type platform uint8

const (
	platRednet  platform = iota // /c/2024/01/29/123456.html, 123456_2.html
	platTRS                     // /col/slug/202401/t20240129_123456.html, t…_1.html
	platHanweb                  // /art/2024/1/29/art_1229_123456.html, art_…_2.html
	platChannel                 // rednet layout: /content/2024/01/29/123456.html or /content/7801/45/123456.html
)

// pagerStyle is how a column's list is paginated.
type pagerStyle uint8

const (
	pagerNumbered pagerStyle = iota // index.html, index_1.html … with numbered links
	pagerPrevNext                   // ?page=N with 首页/上一页/下一页/尾页 only
	pagerScript                     // createPageHTML(总页数, 当前页, "index", "html") only
	pagerHanweb                     // shell page + /module/web/jpage/dataproxy.jsp
)

// skin is the article template.
type skin uint8

const (
	skinRednet skin = iota // h1, div.article-content, og: tags, visible pager
	skinModern             // article.detail, h2, div.detail-content.content
	skinTRS                // TRS meta tags, div.TRS_Editor, createPageHTML pager
	skinLegacy             // table layout, td.content#fontzoom, <br> paragraphs
	skinHanweb             // Hanweb meta tags, div#zoom.main-txt
	skinDetail             // rednet's detail template: h1.detail_title, div.content_info, section#articlecontent
	skinGov                // TRS government template: h2 + subtitle, <i> labels, 更新时间, 摘要, <div> paragraphs
	skinVSB                // VSB (webber) table template: td title, "来源: | 发布时间: | 浏览次数:" line, div.v_news_content
)

var skinNames = [...]string{skinRednet: "rednet", skinModern: "modern", skinTRS: "trs", skinLegacy: "legacy",
	skinHanweb: "hanweb", skinDetail: "detail", skinGov: "gov", skinVSB: "vsb"}

// revampDay is the first day of the site's new templates: articles
// published from then on render with their column's revamped skin, older
// ones keep the old one, as happens when a CMS is upgraded without
// regenerating the archive.
var revampDay = time.Date(2023, 1, 1, 0, 0, 0, 0, cst)

// revamped returns the skin that replaced k on revampDay (k itself when its
// columns kept their template).
func revamped(k skin) skin {
	switch k {
	case skinRednet:
		return skinDetail
	case skinTRS:
		return skinGov
	case skinLegacy:
		return skinVSB
	}
	return k
}

// skinOf returns the template of copy of an article.
func (s *Site) skinOf(m artMeta, copy int) skin {
	k := s.cols[m.colOf(copy)].skin
	if !minuteTime(m.minute).Before(revampDay) {
		return revamped(k)
	}
	return k
}

type column struct {
	idx      int
	name     string
	slug     string
	topic    int // preferred topic, -1 for a mixed column
	style    pagerStyle
	plat     platform
	skin     skin
	gbk      bool
	perPage  int
	hanwebID int
	unitID   int
	dir      string // "/c/slug/", "/col/slug/", "/col/col1229/"; "/channel/" or "/topic/N/" in the rednet layout
	channel  int    // rednet layout: the channel ID in /channel/ID.html and /content/ID/NN/…
	topicNo  int    // rednet layout: N of /topic/N/index.html for a topic (专题), else 0
	variant  int    // rednet layout: which list markup the column uses
	weight   float64
	items    []uint32 // id<<1 | copy, oldest first; guarded by Site.mu
}

var columnBank = []struct {
	name, slug string
	topic      int
}{
	{"要闻动态", "yaowen", -1},
	{"干部工作", "ganbu", topicCadre},
	{"基层党建", "dangjian", topicParty},
	{"人才工作", "rencai", topicTalent},
	{"市州传真", "shizhou", -1},
	{"组工信息", "zgxx", -1},
	{"乡村振兴", "xczx", topicRural},
	{"党员教育", "dyjy", topicParty},
	{"公务员管理", "gwygl", topicCadre},
	{"先锋风采", "xffc", topicParty},
	{"理论研究", "lilun", -1},
	{"人才服务", "rcfw", topicTalent},
}

func (s *Site) buildColumns(n int) {
	if s.rn != nil {
		s.buildRednetColumns(n)
		return
	}
	r := newRNG(s.seed, tagColumns)
	order := make([]int, len(columnBank)-1)
	for i := range order {
		order[i] = i + 1
	}
	for i := len(order) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		order[i], order[j] = order[j], order[i]
	}
	order = append([]int{0}, order...)

	styles := []pagerStyle{pagerNumbered, pagerPrevNext, pagerScript, pagerHanweb}
	for i := len(styles) - 1; i > 0; i-- {
		j := r.intn(i + 1)
		styles[i], styles[j] = styles[j], styles[i]
	}
	numberedOnTRS := r.chance(0.5)
	// The fifth column gives the platform that got one column so far its
	// second skin.
	if numberedOnTRS {
		styles = append(styles, pagerPrevNext)
	} else {
		styles = append(styles, pagerScript)
	}
	for len(styles) < n {
		styles = append(styles, pick(&r, []pagerStyle{pagerNumbered, pagerNumbered, pagerPrevNext, pagerScript, pagerScript, pagerHanweb}))
	}

	nextSkin := map[platform]int{platRednet: r.intn(2), platTRS: r.intn(2)}
	for i := range n {
		c := &column{idx: i, style: styles[i]}
		if i < len(order) {
			b := columnBank[order[i]]
			c.name, c.slug, c.topic = b.name, b.slug, b.topic
		} else {
			c.name = "专栏" + strconv.Itoa(i+1)
			c.slug = "zl" + strconv.Itoa(i+1)
			c.topic = -1
		}
		switch c.style {
		case pagerNumbered:
			c.plat = platRednet
			if numberedOnTRS || i >= 5 && r.chance(0.5) {
				c.plat = platTRS
			}
		case pagerPrevNext:
			c.plat = platRednet
		case pagerScript:
			c.plat = platTRS
		case pagerHanweb:
			c.plat = platHanweb
		}
		switch c.plat {
		case platRednet:
			c.skin = []skin{skinRednet, skinModern}[nextSkin[platRednet]%2]
			nextSkin[platRednet]++
		case platTRS:
			c.skin = []skin{skinTRS, skinLegacy}[nextSkin[platTRS]%2]
			nextSkin[platTRS]++
		case platHanweb:
			c.skin = skinHanweb
		}
		c.perPage = pick(&r, []int{15, 18, 20, 20, 24, 25})
		c.hanwebID = 1229 + 17*i
		c.unitID = 4711641 + 3*i
		switch c.plat {
		case platRednet:
			c.dir = "/c/" + c.slug + "/"
		case platTRS:
			c.dir = "/col/" + c.slug + "/"
		case platHanweb:
			c.dir = "/col/col" + strconv.Itoa(c.hanwebID) + "/"
			c.perPage = 15
		}
		c.weight = 1 + float64(r.intn(1000))/1000
		s.cols = append(s.cols, c)
		s.colByDir[c.dir] = c
		if c.plat == platHanweb {
			s.colByHW[c.hanwebID] = c
		}
	}

	// GBK columns: about one in six, never the first nor a Hanweb shell;
	// weighted so that GBK pages are about 18% of the articles.
	var cands []*column
	for _, c := range s.cols[1:] {
		if c.plat != platHanweb {
			cands = append(cands, c)
		}
	}
	numGBK := max(1, n/6)
	for range numGBK {
		if len(cands) == 0 {
			break
		}
		j := r.intn(len(cands))
		cands[j].gbk = true
		cands = append(cands[:j], cands[j+1:]...)
	}
	var utf float64
	for _, c := range s.cols {
		if !c.gbk {
			utf += c.weight
		}
	}
	for _, c := range s.cols {
		if c.gbk {
			c.weight = utf * 0.18 / 0.82 / float64(numGBK)
		}
	}
}

// listPath returns the path of page n (0-based) of column c's list.
func (c *column) listPath(n int) string {
	if c.plat == platChannel {
		return c.rednetListPath(n)
	}
	if n == 0 {
		return c.dir + "index.html"
	}
	switch c.style {
	case pagerPrevNext:
		return c.dir + "index.html?page=" + strconv.Itoa(n+1)
	case pagerHanweb:
		return c.dir + "index.html"
	}
	return c.dir + "index_" + strconv.Itoa(n) + ".html"
}

func (c *column) pageCount(items int) int {
	return max(1, (items+c.perPage-1)/c.perPage)
}

// docID is the number in an article copy's URL.
func (s *Site) docID(id, copy int) int { return s.docBase + 2*id + copy }

func (s *Site) fromDocID(doc int) (id, copy int) {
	d := doc - s.docBase
	if d < 2 {
		return 0, 0
	}
	return d / 2, d % 2
}

func pad2(b *strings.Builder, n int) {
	if n < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.Itoa(n))
}

// articlePath returns the path of page pg (0-based) of copy of article id.
func (s *Site) articlePath(id int, m artMeta, copy, pg int) string {
	c := s.cols[m.colOf(copy)]
	if c.plat == platChannel {
		return s.rednetArticlePath(id, m, c, copy, pg)
	}
	t := minuteTime(m.minute)
	y, mo, d := t.Date()
	doc := strconv.Itoa(s.docID(id, copy))
	var b strings.Builder
	b.Grow(48)
	switch c.plat {
	case platRednet:
		b.WriteString("/c/")
		b.WriteString(strconv.Itoa(y))
		b.WriteByte('/')
		pad2(&b, int(mo))
		b.WriteByte('/')
		pad2(&b, d)
		b.WriteByte('/')
		b.WriteString(doc)
		if pg > 0 {
			b.WriteByte('_')
			b.WriteString(strconv.Itoa(pg + 1))
		}
	case platTRS:
		b.WriteString(c.dir)
		b.WriteString(strconv.Itoa(y))
		pad2(&b, int(mo))
		b.WriteString("/t")
		b.WriteString(strconv.Itoa(y))
		pad2(&b, int(mo))
		pad2(&b, d)
		b.WriteByte('_')
		b.WriteString(doc)
		if pg > 0 {
			b.WriteByte('_')
			b.WriteString(strconv.Itoa(pg))
		}
	case platHanweb:
		b.WriteString("/art/")
		b.WriteString(strconv.Itoa(y))
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(int(mo)))
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(d))
		b.WriteString("/art_")
		b.WriteString(strconv.Itoa(c.hanwebID))
		b.WriteByte('_')
		b.WriteString(doc)
		if pg > 0 {
			b.WriteByte('_')
			b.WriteString(strconv.Itoa(pg + 1))
		}
	}
	b.WriteString(".html")
	return b.String()
}

// trsBase is the page name createPageHTML gets on TRS article pages.
func (s *Site) trsBase(id int, m artMeta, copy int) string {
	p := s.articlePath(id, m, copy, 0)
	return strings.TrimSuffix(p[strings.LastIndexByte(p, '/')+1:], ".html")
}

// parseArticlePath maps a path to (id, copy, page) and reports whether it is
// exactly the path of an existing article page.
func (s *Site) parseArticlePath(path string) (id int, m artMeta, copy, pg int, ok bool) {
	if !strings.HasSuffix(path, ".html") {
		return
	}
	seg := strings.TrimSuffix(path[strings.LastIndexByte(path, '/')+1:], ".html")
	parts := strings.Split(seg, "_")
	var docStr, pgStr string
	pgOffset := 1 // page-number suffix minus page index
	switch {
	case strings.HasPrefix(seg, "art_"):
		if len(parts) < 3 || len(parts) > 4 {
			return
		}
		docStr = parts[2]
		if len(parts) == 4 {
			pgStr = parts[3]
		}
	case strings.HasPrefix(seg, "t"):
		if len(parts) < 2 || len(parts) > 3 {
			return
		}
		docStr = parts[1]
		if len(parts) == 3 {
			pgStr = parts[2]
		}
		pgOffset = 0
	default:
		if len(parts) > 2 {
			return
		}
		docStr = parts[0]
		if len(parts) == 2 {
			pgStr = parts[1]
		}
	}
	doc, err := strconv.Atoi(docStr)
	if err != nil {
		return
	}
	if pgStr != "" {
		n, err := strconv.Atoi(pgStr)
		if err != nil {
			return
		}
		pg = n - pgOffset
		if pg < 1 {
			return
		}
	}
	id, copy = s.fromDocID(doc)
	m, exists := s.meta(id)
	if !exists || copy >= m.copies() || pg >= int(m.pages) {
		return
	}
	if s.articlePath(id, m, copy, pg) != path {
		return
	}
	return id, m, copy, pg, true
}

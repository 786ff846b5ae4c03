package extract

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// labelKind is what a visible label introduces.
type labelKind int

const (
	lblSource labelKind = iota + 1
	lblTime
	lblAuthor
	lblEditor
	lblOther // a label that only ends the previous value (浏览次数, 字号…)
)

// labelWords lists the labels of the source/time line, simplified and
// traditional. Longer words come first in the compiled pattern.
var labelWords = map[labelKind][]string{
	lblSource: {"来源于", "來源於", "文章来源", "文章來源", "信息来源", "信息來源", "稿件来源", "稿件來源", "新闻来源", "新聞來源",
		"内容来源", "內容來源", "消息来源", "消息來源", "资料来源", "資料來源", "来源", "來源", "出处", "出處",
		"稿源", "供稿单位", "供稿單位", "供稿", "发布机构", "發佈機構", "發布機構", "发布单位", "發佈單位", "發布單位", "发文机关", "發文機關"},
	lblTime: {"发布时间", "發佈時間", "發布時間", "发表时间", "發表時間", "发稿时间", "發稿時間", "更新时间", "更新時間",
		"更新日期", "修改时间", "修改時間", "修改日期", "最后更新", "最後更新",
		"发布日期", "發佈日期", "發布日期", "发表日期", "發表日期", "成文日期", "印发日期", "印發日期", "刊发时间", "刊發時間",
		"录入时间", "錄入時間", "添加时间", "添加時間", "上传时间", "上傳時間", "日期", "时间", "時間", "发布于", "發佈於", "发布", "發佈", "發布"},
	lblAuthor: {"作者", "記者", "记者", "撰稿人", "撰稿", "撰文", "通讯员", "通訊員", "文图", "文圖", "供图", "攝影", "摄影", "采写", "採寫", "采编"},
	lblEditor: {"责任编辑", "責任編輯", "值班编辑", "值班編輯", "网络编辑", "網絡編輯", "编辑", "編輯", "责编", "責編",
		"审核", "審核", "校对", "校對", "终审", "終審", "初审", "初審", "复审", "複審", "编审", "編審", "主编", "主編", "审校", "審校", "签发", "簽發"},
	lblOther: {"浏览次数", "瀏覽次數", "浏览量", "瀏覽量", "浏览", "瀏覽", "点击数", "點擊數", "点击率", "點擊率", "点击量", "點擊量", "点击", "點擊",
		"阅读量", "閱讀量", "阅读次数", "閱讀次數", "阅读数", "閱讀數", "阅读", "閱讀", "访问量", "訪問量", "字号", "字號", "字体", "字體",
		"分享到", "分享", "打印", "关闭", "關閉", "收藏", "索引号", "索引號", "所属分类", "所屬分類", "分类", "分類", "标签", "標籤", "关键词", "關鍵詞", "文号", "文號", "发文字号", "發文字號", "主题分类"},
}

// labelKinds and labelsByFirst index labelWords; they are built once at
// initialisation and only read afterwards.
var (
	labelKinds    = map[string]labelKind{}
	labelsByFirst = map[rune][][]rune{} // label words by first rune, longest first
)

func init() {
	for k, ws := range labelWords {
		for _, w := range ws {
			labelKinds[w] = k
			rs := []rune(w)
			labelsByFirst[rs[0]] = append(labelsByFirst[rs[0]], rs)
		}
	}
	for _, ws := range labelsByFirst {
		sort.Slice(ws, func(i, j int) bool {
			if len(ws[i]) != len(ws[j]) {
				return len(ws[i]) > len(ws[j])
			}
			return string(ws[i]) < string(ws[j])
		})
	}
}

// isGap reports whether r may separate the characters of a spaced-out
// label (来　源) or a label from its value.
func isGap(r rune) bool { return r == ' ' || r == '\u3000' || r == '\u00a0' || r == '\t' }

// matchLabelAt matches a label word at byte offset i of s, allowing up to
// three gap characters between its characters (来　源, 作 者). It returns
// the word and the offset after it.
func matchLabelAt(s string, i int) (string, int, bool) {
	r, size := utf8.DecodeRuneInString(s[i:])
	for _, w := range labelsByFirst[r] {
		j := i + size
		ok := true
		for _, want := range w[1:] {
			gaps := 0
			for j < len(s) {
				c, n := utf8.DecodeRuneInString(s[j:])
				if !isGap(c) || gaps == 3 {
					break
				}
				j += n
				gaps++
			}
			c, n := utf8.DecodeRuneInString(s[j:])
			if c != want {
				ok = false
				break
			}
			j += n
		}
		if ok {
			return string(w), j, true
		}
	}
	return "", i, false
}

// labelSep reads the separator after a label at offset i: gaps, then a
// colon, a bar or a slash. It reports the offset after it, whether a
// colon or bar was seen, whether a slash was, and whether there was any
// separator at all.
func labelSep(s string, i int) (end int, colon, bar, slash, ok bool) {
	j := i
	gaps := 0
	for j < len(s) {
		c, n := utf8.DecodeRuneInString(s[j:])
		if !isGap(c) && c != '\n' && c != '\r' {
			break
		}
		j += n
		gaps++
	}
	if j < len(s) {
		c, n := utf8.DecodeRuneInString(s[j:])
		switch c {
		case ':', '：':
			return j + n, true, false, false, true
		case '|', '｜', '丨':
			return j + n, false, true, false, true
		case '/':
			if gaps == 0 {
				return j + n, false, false, true, true
			}
		}
	}
	return j, false, false, false, gaps > 0
}

// updateLabels are the time labels of a modification, not a publication.
var updateLabels = map[string]bool{"更新时间": true, "更新時間": true, "更新日期": true, "修改时间": true, "修改時間": true,
	"修改日期": true, "最后更新": true, "最後更新": true}

// weakLabels are labels that are also common words inside other words.
var weakLabels = map[string]bool{"时间": true, "時間": true, "日期": true, "发布": true, "發佈": true, "發布": true,
	"来源": true, "來源": true, "出处": true, "出處": true, "供稿": true, "审核": true, "審核": true, "编辑": true, "編輯": true,
	"来源于": true, "來源於": true, "摄影": true, "攝影": true, "文图": true, "文圖": true, "撰稿": true, "主编": true, "主編": true, "签发": true, "簽發": true}

// labelMatch is one label found in a line.
type labelMatch struct {
	kind       labelKind
	word       string
	start, end int // byte offsets of the label and its colon
	colon      bool
}

// findLabels returns the labels in a line. A label must not follow a Han
// character (活动时间 is not a time label), and a label without a colon
// only counts before a date or after a gap.
func findLabels(s string) []labelMatch {
	var out []labelMatch
	for i := 0; i < len(s); {
		word, wend, ok := matchLabelAt(s, i)
		if !ok {
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
			continue
		}
		start := i
		end, colon, bar, slash, sepOK := labelSep(s, wend)
		if !sepOK {
			i = wend
			continue
		}
		i = end
		m := [2]int{start, end}
		k := labelKinds[word]
		if bar {
			// 编辑|张三 in WeChat-style footers.
			if k == lblOther || k == lblTime {
				continue
			}
			colon = true
		}
		if prev := lastRune(s[:m[0]]); m[0] > 0 && unicode.Is(unicode.Han, prev) && !strings.ContainsRune("日号號秒分", prev) {
			// 活动时间、资金来源 are text, but 证券时报网作者：… and
			// 湖南组工阅读：… are labels.
			if !colon || weakLabels[word] {
				continue
			}
		}
		if !colon {
			if slash {
				// 文/张三, 编辑/李四
				if k != lblAuthor && k != lblEditor && word != "文" {
					continue
				}
			} else if k != lblOther {
				// "来源 红星云": accept only when the next text is a date
				// (for time labels) or when the label starts the line
				// or follows a gap.
				rest := s[m[1]:]
				if k == lblTime {
					if _, p := parseDate(prefix(rest, 40), time.UTC); p == precNone || !startsWithDigit(rest) {
						continue
					}
				} else if !(m[0] == 0 || strings.HasSuffix(s[:m[0]], "  ")) {
					continue
				}
			} else {
				continue
			}
		}
		out = append(out, labelMatch{kind: k, word: word, start: m[0], end: m[1], colon: colon})
	}
	// "文/张三" has no entry in the table; recognise it here.
	if i := strings.Index(s, "文/"); i >= 0 && (i == 0 || !unicode.Is(unicode.Han, lastRune(s[:i]))) {
		out = append(out, labelMatch{kind: lblAuthor, word: "文", start: i, end: i + len("文/")})
		sort.Slice(out, func(a, b int) bool { return out[a].start < out[b].start })
	}
	return out
}

// startsWithDigit reports whether the first non-space rune of s is a
// digit (ASCII or full-width).
func startsWithDigit(s string) bool {
	for _, r := range s {
		if isSpace(r) {
			continue
		}
		return r >= '0' && r <= '9' || r >= '０' && r <= '９'
	}
	return false
}

func prefix(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

func lastRune(s string) rune {
	rs := []rune(s)
	if len(rs) == 0 {
		return 0
	}
	return rs[len(rs)-1]
}

// metaLine is what a visible source/time line says.
type metaLine struct {
	seg            int
	source         string
	sourceLabel    string
	author, editor string
	date           time.Time
	prec           precision
	dateLabel      string // the label before the date, "" when unlabeled
	labels         int
	onlyEditor     bool // every label is an editor or author label
}

var valueStopRe = regexp.MustCompile(`\s{2,}|[|｜丨【】\[\]<>《》]`)

// parseMetaLine reads labels and values from one line (gap text).
func parseMetaLine(s string, loc *time.Location) metaLine {
	ml := metaLine{onlyEditor: true}
	labels := findLabels(s)
	ml.labels = len(labels)
	for i, l := range labels {
		end := len(s)
		if i+1 < len(labels) {
			end = labels[i+1].start
		}
		val := s[l.end:end]
		if l.kind != lblEditor && l.kind != lblAuthor && l.kind != lblOther {
			ml.onlyEditor = false
		}
		switch l.kind {
		case lblSource:
			if ml.source == "" {
				ml.source = cleanValue(val, true)
				ml.sourceLabel = l.word
			}
		case lblTime:
			// A line with 发布时间 and 更新时间 states publication in the
			// first; an update time counts only in a line with no other.
			if ml.prec == precNone || (updateLabels[ml.dateLabel] && !updateLabels[l.word]) {
				if t, p := parseDate(val, loc); p != precNone {
					ml.date, ml.prec, ml.dateLabel = t, p, l.word
				}
			}
		case lblAuthor:
			if ml.author == "" {
				ml.author = cleanValue(val, false)
			}
		case lblEditor:
			if ml.editor == "" {
				ml.editor = cleanValue(val, false)
			}
		}
	}
	if updateLabels[ml.dateLabel] {
		// "2024-01-29 15:20 更新时间：2024-02-03": the unlabeled date
		// before the update time is the publication.
		for _, l := range labels {
			if updateLabels[l.word] {
				if t, p := parseDate(s[:l.start], loc); p != precNone {
					ml.date, ml.prec, ml.dateLabel = t, p, ""
				}
				break
			}
		}
	}
	if ml.prec == precNone && len(labels) > 0 {
		// "2024-01-29 15:20 来源：新华网": an unlabeled date in a line with
		// other labels.
		if t, p := parseDate(s, loc); p != precNone {
			ml.date, ml.prec = t, p
		}
	}
	return ml
}

// cleanValue cuts a label's value at the next gap or separator, and for a
// source also before a date.
func cleanValue(v string, source bool) string {
	v = strings.TrimLeft(v, " :：/|｜丨")
	if t := strings.TrimSpace(v); strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：") {
		if !strings.ContainsAny(strings.TrimRight(t, ":："), ":：") && valueStopRe.FindStringIndex(t) == nil {
			return "" // the "value" is the next label: 作者：  转载请注明：
		}
	}
	if loc := valueStopRe.FindStringIndex(v); loc != nil {
		if loc[0] == 0 {
			v = strings.TrimLeft(v[loc[1]:], " ")
			if loc := valueStopRe.FindStringIndex(v); loc != nil {
				v = v[:loc[0]]
			}
		} else {
			v = v[:loc[0]]
		}
	}
	if source {
		if m := dateRe.FindStringIndex(v); m != nil {
			v = v[:m[0]]
		}
	}
	// "张三 转载请注明：…": an unknown label ends the value.
	if ci := strings.IndexAny(v, ":："); ci >= 0 {
		v = strings.TrimSpace(v[:ci])
		if sp := strings.LastIndexAny(v, " "); sp >= 0 {
			v = v[:sp]
		} else {
			v = ""
		}
	}
	v = strings.TrimFunc(v, func(r rune) bool {
		return isSpace(r) || strings.ContainsRune(":：，,。；;()（）[]【】\"'“”|", r)
	})
	v = normalize(v)
	if strings.ContainsAny(v, "，。！？@") || strings.Contains(v, "http") || strings.Trim(v, "0123456789 ") == "" {
		return ""
	}
	if runeLen(v) > 40 {
		if f := strings.Fields(v); len(f) > 0 && runeLen(f[0]) <= 40 {
			v = f[0]
		} else {
			return ""
		}
	}
	return v
}

// metaNames lists meta tag names per field, most specific first.
var metaNames = map[string][]string{
	"title":     {"articletitle", "og:title", "twitter:title", "title"},
	"published": {"pubdate", "publishdate", "article:published_time", "og:article:published_time", "og:release_date", "publish_date", "publish-date", "publishtime", "firstpublishedtime", "datepublished", "dc.date.issued", "dc.date", "dcterms.created", "sentdate", "apub:time", "date"},
	// Modification times: better than nothing, worse than a visible line.
	"modified": {"dateupdate", "datemodified", "article:modified_time", "og:updated_time", "lastmodified", "last-modified"},
	"source":   {"contentsource", "source", "article:source", "copyfrom"},
	"column":   {"columnname", "column", "catalogname"},
	"author":   {"author", "article:author", "contentauthor"},
}

// meta returns the first meta tag value for a field and the tag's name.
func (a *analysis) meta(field string) (string, string) {
	for _, n := range metaNames[field] {
		if v, ok := a.metas[n]; ok && strings.TrimSpace(v) != "" {
			return normalize(html.UnescapeString(v)), a.metaKeys[n]
		}
	}
	return "", ""
}

// titleSepRe splits a <title> into the headline and site-name parts.
var titleSepRe = regexp.MustCompile(`\s+[-–—|｜·]\s+|\s*(?:_|｜|\||--|——|－|–|::)\s*`)

// cleanTitle drops site-name suffixes such as " - 红星网", "_红星网" and
// "|…" from a document title.
func cleanTitle(t string) string {
	t = normalize(t)
	parts := titleSepRe.Split(t, -1)
	best := ""
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if best == "" && runeLen(p) >= 4 {
			best = p
		}
	}
	if best == "" {
		for _, p := range parts {
			if runeLen(p) > runeLen(best) {
				best = strings.TrimSpace(p)
			}
		}
	}
	return best
}

// overlap returns the length of the longest common substring of a and b
// divided by the length of a: how much of a appears in b.
func overlap(a, b string) float64 {
	ra := overlapRunes(a)
	if len(ra) == 0 {
		return 0
	}
	return float64(commonRun(ra, overlapRunes(b))) / float64(len(ra))
}

// overlapRunes returns the first 300 runes of s, the part overlap
// compares.
func overlapRunes(s string) []rune {
	rs := []rune(s)
	return rs[:min(len(rs), 300)]
}

// commonRun returns the length of the longest common substring of a and
// b.
func commonRun(a, b []rune) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	var buf [2 * 301]int32
	var prev, cur []int32
	if len(b) <= 300 {
		prev, cur = buf[:len(b)+1], buf[301:302+len(b)]
	} else {
		prev, cur = make([]int32, len(b)+1), make([]int32, len(b)+1)
	}
	best := int32(0)
	for i := 1; i <= len(a); i++ {
		ai := a[i-1]
		for j := 1; j <= len(b); j++ {
			if ai == b[j-1] {
				v := prev[j-1] + 1
				cur[j] = v
				if v > best {
					best = v
				}
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return int(best)
}

// titleClass reports whether a lower-case class/id string names a title:
// title, headline, biaoti, subject, heading, or the words tit, bt, h1.
func titleClass(ci string) bool {
	if containsAny(ci, []string{"title", "headline", "biaoti", "subject", "heading"}) {
		return !strings.Contains(ci, "subtitle") && !strings.Contains(ci, "sub-title")
	}
	for _, w := range strings.FieldsFunc(ci, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		if w == "tit" || w == "bt" || w == "h1" {
			return true
		}
	}
	return false
}

// headline finds the segment holding the page's headline: a short segment
// (preferably a heading or an element named like a title) that best
// overlaps ref, the document title, close before the content container
// (whose first segment is cstart). Without a match it takes the heading
// right before the container. It returns the segment index (or -1), the
// text and the rule.
func (a *analysis) headline(ref string, cstart, cend int) (int, string, string) {
	bestA, bestB := -1, -1
	refR := overlapRunes(ref)
	refPairs := bigrams(ref)
	titleEl := map[*html.Node]bool{}
	var scoreA, scoreB float64
	var ruleA, ruleB string
	for i := range a.segs {
		s := &a.segs[i]
		if s.n < 4 || s.n > 150 {
			continue
		}
		// Only a segment matching the title or standing just before the
		// text can win; the rest need no closer look.
		var sr []rune
		matchable := ref != "" && (cend < 0 || i <= cend)
		if matchable {
			sr = overlapRunes(s.text)
			matchable = mayOverlap(sr, refPairs, 0.6)
		}
		if !matchable && !(cstart >= 0 && i <= cstart && cstart-i <= 6) || crumbLike(s.text) {
			continue
		}
		bonus, rule := 0.0, ""
		switch s.heading {
		case 1:
			bonus, rule = 3, "h1"
		case 2:
			bonus, rule = 2, "h2"
		case 3:
			bonus, rule = 1.5, "h3"
		case 4, 5, 6:
			bonus, rule = 1, fmt.Sprintf("h%d", s.heading)
		}
		if n := titleElement(s.node, titleEl); n != nil && bonus < 1.5 {
			bonus, rule = 1.5, describe(n)
		}
		if s.linkN*2 > s.n && bonus == 0 {
			continue
		}
		if s.neg {
			bonus -= 2
		}
		d := 40
		if cstart >= 0 {
			switch {
			case i <= cstart:
				d = cstart - i
			default:
				d = (i-cstart)*3 + 2
			}
		}
		prox := float64(min(d, 40)) * 0.1
		if matchable {
			common := float64(commonRun(sr, refR))
			if sim := common / float64(len(sr)); sim >= 0.6 {
				sc := sim*10 + common/float64(len(refR))*4 + bonus - prox
				if rule == "" {
					rule = describe(s.node)
				}
				if bestA < 0 || sc > scoreA {
					bestA, scoreA, ruleA = i, sc, rule+" matching <title>"
				}
				continue
			}
		}
		if bonus > 0 && s.n >= 6 && cstart >= 0 && i <= cstart && cstart-i <= 6 && s.punct <= 2 {
			sc := bonus - float64(cstart-i)*0.5
			if bestB < 0 || sc > scoreB {
				bestB, scoreB, ruleB = i, sc, rule+" before the text"
			}
		}
	}
	if bestA >= 0 && bestB >= 0 && a.segs[bestA].n <= 8 && a.segs[bestB].n > a.segs[bestA].n {
		// A short match is a column or site name in the title (新闻动态 -
		// 某某网); the heading before the text is the headline.
		bestA = -1
	}
	if bestA >= 0 {
		return bestA, a.segs[bestA].text, ruleA
	}
	if bestB >= 0 {
		return bestB, a.segs[bestB].text, ruleB
	}
	return -1, "", ""
}

// mergeTitle grows a headline segment over neighbours in the same block
// (a title broken by <br>) while the result still lies in ref and covers
// more of it. It returns the first and last segment and the text.
func (a *analysis) mergeTitle(i int, ref string) (int, int, string) {
	from, to := i, i
	text := a.segs[i].text
	if ref == "" {
		return from, to, text
	}
	// Spaces are compared away: a <title> often spaces what the
	// headline does not (2007　年末).
	ref = dropSpaces(ref)
	cov := overlap(ref, dropSpaces(text))
	for {
		grown := false
		if from > 0 && a.segs[from-1].node == a.segs[i].node && a.segs[from-1].n > 0 {
			t := joinText(a.segs[from-1].text, text)
			if c := overlap(ref, dropSpaces(t)); c > cov && overlap(dropSpaces(t), ref) >= 0.8 {
				from, text, cov, grown = from-1, t, c, true
			}
		}
		if to+1 < len(a.segs) && a.segs[to+1].node == a.segs[i].node && a.segs[to+1].n > 0 {
			t := joinText(text, a.segs[to+1].text)
			if c := overlap(ref, dropSpaces(t)); c > cov && overlap(dropSpaces(t), ref) >= 0.8 {
				to, text, cov, grown = to+1, t, c, true
			}
		}
		if !grown {
			return from, to, text
		}
	}
}

// dropSpaces returns s without white space.
func dropSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if isSpace(r) {
			return -1
		}
		return r
	}, s)
}

// joinText joins two lines as a browser would join wrapped text: without
// a space between wide characters.
func joinText(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	if isWide(lastRune(a)) && isWide([]rune(b)[0]) {
		return a + b
	}
	return a + " " + b
}

// bigrams returns the set of pairs of adjacent runes of s.
func bigrams(s string) map[uint64]bool {
	set := map[uint64]bool{}
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 {
			set[uint64(prev)<<32|uint64(r)] = true
		}
		prev = r
	}
	return set
}

// mayOverlap reports whether overlap of s with a text whose bigrams are
// pairs can reach min: a common substring of L runes brings L-1 of s's
// bigrams, so too few shared bigrams rule it out without the quadratic
// comparison.
func mayOverlap(s []rune, pairs map[uint64]bool, min float64) bool {
	if len(s) < 2 {
		return true
	}
	in := 0
	for i := 1; i < len(s); i++ {
		if pairs[uint64(s[i-1])<<32|uint64(s[i])] {
			in++
		}
	}
	return float64(in) >= min*float64(len(s))-1
}

// titleElement returns n or an ancestor within two levels whose class or
// id names a title, or nil.
func titleElement(n *html.Node, memo map[*html.Node]bool) *html.Node {
	for i := 0; n != nil && i < 3; i, n = i+1, n.Parent {
		if n.Type != html.ElementNode || len(n.Attr) == 0 {
			continue
		}
		is, ok := memo[n]
		if !ok {
			ci := classID(n)
			is = ci != " " && titleClass(ci)
			memo[n] = is
		}
		if is {
			return n
		}
	}
	return nil
}

// describe names an element as tag#id.class for Explain.
func describe(n *html.Node) string {
	if n == nil {
		return ""
	}
	s := n.Data
	if id := strings.TrimSpace(attr(n, "id")); id != "" {
		s += "#" + strings.Fields(id)[0]
	}
	if c := strings.Fields(attr(n, "class")); len(c) > 0 {
		s += "." + c[0]
	}
	return s
}

var (
	crumbLabelRe    = regexp.MustCompile(`(当前位置|當前位置|您的位置|你的位置|您现在的位置|您現在的位置|现在位置|現在位置|所在位置|当前栏目|當前欄目|位置)\s*[:：]?`)
	crumbClassWords = newWordSet(`crumb|position|location|weizhi|dqwz|curpos|bread|daohang|\bpath\b|\bwz\b|lujing`)
	crumbSepRe      = regexp.MustCompile(`\s*(?:>>|-->|=>|->|»|›|＞|→|>|/|\\|\s-\s|::)\s*`)
	crumbDropRe     = regexp.MustCompile(`^(正文|详情|詳情|内容|內容|正文内容|文章内容|详细内容|詳細內容|详细信息|阅读文章|浏览文章|查看内容|信息详情|详情页|文章|新闻详情|新聞詳情|文章详情|正文阅读)$`)
	crumbHomeRe     = regexp.MustCompile(`(?i)^(首页|首頁|网站首页|網站首頁|主页|主頁|home|返回首页)$`)
)

// breadcrumb finds the 当前位置 trail and returns its items, with the
// leading label, trailing 正文-like items and an item repeating title
// removed.
func (a *analysis) breadcrumb(title string) []string {
	for _, s := range a.segs {
		if s.n > 200 || s.n == 0 {
			continue
		}
		text := s.text
		var loc []int
		if strings.Contains(text, "位置") || strings.Contains(text, "栏目") || strings.Contains(text, "欄目") {
			loc = crumbLabelRe.FindStringIndex(text)
		}
		if loc == nil || (strings.HasPrefix(text[loc[0]:], "位置") && loc[0] > 0) {
			if !crumbSep(text) || !crumbClass(s.node) || (len(s.links) == 0 && len(crumbSepRe.Split(text, -1)) < 2) {
				continue
			}
			loc = []int{0, 0}
		}
		rest := text[loc[1]:]
		items := crumbItems(rest, s)
		var out []string
		for _, it := range items {
			it = strings.TrimSpace(strings.Trim(it, ":：>»| "))
			if it == "" || crumbDropRe.MatchString(it) {
				continue
			}
			if title != "" && runeLen(it) >= 6 && overlap(it, title) >= 0.6 {
				continue
			}
			out = append(out, it)
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// crumbItems splits a breadcrumb into items at separators, or at link
// boundaries when it has none.
func crumbItems(text string, s segment) []string {
	if crumbSep(text) {
		return crumbSepRe.Split(text, -1)
	}
	var items []string
	for _, l := range s.links {
		if t := normalize(nodeText(l)); t != "" {
			items = append(items, t)
		}
	}
	// Trailing text after the last link (the current column) counts too.
	if len(items) > 0 {
		last := items[len(items)-1]
		if i := strings.LastIndex(text, last); i >= 0 {
			if tail := strings.TrimSpace(text[i+len(last):]); tail != "" {
				items = append(items, tail)
			}
		}
	} else {
		items = strings.Fields(text)
	}
	return items
}

func crumbClass(n *html.Node) bool {
	for i := 0; n != nil && i < 3; i, n = i+1, n.Parent {
		if n.Type == html.ElementNode && crumbClassWords.match(classID(n)) {
			return true
		}
	}
	return false
}

// columnFromCrumb returns the breadcrumb's last column, or "".
func columnFromCrumb(items []string) string {
	for i := len(items) - 1; i >= 0; i-- {
		if crumbHomeRe.MatchString(items[i]) {
			return ""
		}
		if runeLen(items[i]) <= 30 {
			return items[i]
		}
	}
	return ""
}

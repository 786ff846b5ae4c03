package extract

import (
	"strings"
	"unicode/utf8"
)

// Line tests of the boilerplate classifier, written out instead of as
// regular expressions: they run on every segment of every page. \s in
// the comments means ASCII white space, as in a regular expression.

// isASCIISpace reports whether c is white space as \s means it in a
// regular expression: space, \t, \n, \r, \f.
func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// skipSpace returns s without leading ASCII white space.
func skipSpace(s string) string {
	i := 0
	for i < len(s) && isASCIISpace(s[i]) {
		i++
	}
	return s[i:]
}

// skipDigits returns s without leading ASCII digits, and how many there
// were.
func skipDigits(s string) (string, int) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[i:], i
}

// hasPrefixAny reports whether s starts with any of ps.
func hasPrefixAny(s string, ps ...string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// followedBy reports whether some occurrence of word in s is followed by
// one of nexts, after ASCII white space when spaces is set.
func followedBy(s, word string, spaces bool, nexts ...string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		rest := s[i+j+len(word):]
		if spaces {
			rest = skipSpace(rest)
		}
		if hasPrefixAny(rest, nexts...) {
			return true
		}
		i += j + len(word)
	}
}

// footerMark reports whether s has a footer pattern: ICP\s*备, 您是第\s*N\s*位
// (a visitor counter), 访问量：, 主办：, 承办：.
func footerMark(s string) bool {
	if followedBy(s, "ICP", true, "备", "證", "证") {
		return true
	}
	for i := 0; ; {
		j := strings.Index(s[i:], "您是第")
		if j < 0 {
			break
		}
		rest := s[i+j+len("您是第"):]
		rest, _ = skipDigits(skipSpace(rest))
		if strings.HasPrefix(skipSpace(rest), "位") {
			return true
		}
		i += j + len("您是第")
	}
	for _, w := range []string{"访问量", "訪問量", "主办", "主辦", "承办", "承辦"} {
		if followedBy(s, w, false, ":", "：") {
			return true
		}
	}
	return false
}

// widgetLine reports whether a short line is a page control: [打印]
// 【关闭】…, 大 中 小 font buttons, 评论(3), 点赞 12, 阅读 345, 在看,
// 收藏, 举报, 投诉, 已输入0字.
func widgetLine(t string) bool {
	controls := []string{"打印", "关闭", "關閉", "收藏", "返回", "顶部", "纠错", "字体"}
	if followedBy(t, "【", true, controls...) || followedBy(t, "[", true, controls...) {
		return true
	}
	for i := 0; ; {
		j := strings.Index(t[i:], "大")
		if j < 0 {
			break
		}
		rest := t[i+j+len("大"):]
		if r := skipSpace(rest); len(r) < len(rest) && strings.HasPrefix(r, "中") {
			r2 := r[len("中"):]
			if r3 := skipSpace(r2); len(r3) < len(r2) && strings.HasPrefix(r3, "小") {
				return true
			}
		}
		i += j + len("大")
	}
	for i := 0; ; {
		j := strings.Index(t[i:], "已输入")
		if j < 0 {
			break
		}
		if rest, n := skipDigits(t[i+j+len("已输入"):]); n > 0 && strings.HasPrefix(rest, "字") {
			return true
		}
		i += j + len("已输入")
	}
	switch t {
	case "在看", "收藏", "举报", "投诉":
		return true
	}
	if rest, ok := strings.CutPrefix(t, "评论"); ok {
		rest = skipSpace(rest)
		open := hasPrefixAny(rest, "(", "（")
		if open {
			_, n := utf8.DecodeRuneInString(rest)
			rest = rest[n:]
		}
		rest, _ = skipDigits(rest)
		if rest == "" || ((rest == ")" || rest == "）") && open) || (!open && (rest == ")" || rest == "）")) {
			return true
		}
	}
	if rest, ok := strings.CutPrefix(t, "点赞"); ok {
		if rest, _ = skipDigits(skipSpace(rest)); rest == "" {
			return true
		}
	}
	for _, w := range []string{"阅读", "閱讀"} {
		if rest, ok := strings.CutPrefix(t, w); ok {
			if rest, n := skipDigits(skipSpace(rest)); n > 0 && rest == "" {
				return true
			}
		}
	}
	return false
}

// openedBy reports whether t starts with one of words, after an optional
// opening bracket and ASCII white space; ASCII letters match in any case.
func openedBy(t string, words []string) bool {
	for _, b := range []string{"【", "[", "(", "（"} {
		if strings.HasPrefix(t, b) {
			t = t[len(b):]
			break
		}
	}
	t = skipSpace(t)
	for _, w := range words {
		if len(t) >= len(w) && (t[:len(w)] == w || w[0] < utf8.RuneSelf && strings.EqualFold(t[:len(w)], w)) {
			return true
		}
	}
	return false
}

// pagerLine reports whether a line is only a pager: digits, white space,
// . · … / « » < > ‹ › 【 】 [ ], and the words 上一页, 下一页, 首页, 尾页…,
// 共\s*N\s*页, 第\s*N\s*页, 跳转, go.
func pagerLine(t string) bool {
	if t == "" {
		return false
	}
	for t != "" {
		c := t[0]
		if isDigit(c) || isASCIISpace(c) || c == '.' || c == '/' || c == '<' || c == '>' || c == '[' || c == ']' {
			t = t[1:]
			continue
		}
		if c == 'g' || c == 'G' {
			if len(t) >= 2 && (t[1] == 'o' || t[1] == 'O') {
				t = t[2:]
				continue
			}
			return false
		}
		r, n := utf8.DecodeRuneInString(t)
		switch r {
		case '·', '…', '»', '«', '‹', '›', '【', '】':
			t = t[n:]
			continue
		case '共', '第':
			rest, digits := skipDigits(skipSpace(t[n:]))
			rest = skipSpace(rest)
			units := "页頁"
			if r == '共' {
				units = "页頁条"
			}
			u, un := utf8.DecodeRuneInString(rest)
			if digits == 0 || !strings.ContainsRune(units, u) {
				return false
			}
			t = rest[un:]
			continue
		}
		matched := false
		for _, w := range pagerWords {
			if strings.HasPrefix(t, w) {
				t, matched = t[len(w):], true
				break
			}
		}
		if !matched {
			return false
		}
	}
	return true
}

// crumbLike reports whether a line reads like a breadcrumb, never a
// headline: it starts with 首页 or Home and a separator, names 当前位置 or
// 您的位置, or holds two > or » separators around one word.
func crumbLike(t string) bool {
	for _, w := range []string{"首页", "首頁", "网站首页", "主页", "Home"} {
		if rest, ok := strings.CutPrefix(t, w); ok && hasPrefixAny(skipSpace(rest), "-", "—", ">", "»", "/") {
			return true
		}
	}
	if strings.Contains(t, "当前位置") || strings.Contains(t, "您的位置") {
		return true
	}
	var seps []int
	for i, r := range t {
		if r == '>' || r == '»' {
			seps = append(seps, i)
		}
	}
	for a := 0; a < len(seps); a++ {
		for b := a + 1; b < len(seps); b++ {
			_, n := utf8.DecodeRuneInString(t[seps[a]:])
			mid := strings.Trim(t[seps[a]+n:seps[b]], " \t\n\r\f")
			if mid != "" && !strings.ContainsAny(mid, " \t\n\r\f") {
				return true
			}
		}
	}
	return false
}

// crumbSep reports whether a line holds a breadcrumb separator: > » › ＞ →
// / \ :: or a dash between spaces.
func crumbSep(t string) bool {
	if strings.ContainsAny(t, ">/\\»›＞→") || strings.Contains(t, "::") {
		return true
	}
	for i := 1; i+1 < len(t); i++ {
		if t[i] == '-' && isASCIISpace(t[i-1]) && isASCIISpace(t[i+1]) {
			return true
		}
	}
	return false
}

package extract

import "strings"

// wordSet is a list of words to look for in lower-case ASCII strings such
// as class and id values: a cheaper stand-in for a regular expression that
// only alternates literals. A word written with a leading or trailing \b
// must start or end at a boundary between an ASCII letter, digit or '_'
// and anything else, as \b does in a regular expression.
type wordSet []wordPat

type wordPat struct {
	w           string
	left, right bool
}

// newWordSet builds a wordSet from words separated by |.
func newWordSet(spec string) wordSet {
	var ws wordSet
	for _, w := range strings.Split(spec, "|") {
		p := wordPat{}
		if strings.HasPrefix(w, `\b`) {
			p.left, w = true, w[2:]
		}
		if strings.HasSuffix(w, `\b`) {
			p.right, w = true, w[:len(w)-2]
		}
		if w != "" {
			p.w = w
			ws = append(ws, p)
		}
	}
	return ws
}

// isWordByte reports whether c is an ASCII letter, digit or '_'.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// match reports whether s holds any of the words.
func (ws wordSet) match(s string) bool {
	for _, p := range ws {
		for i := 0; i+len(p.w) <= len(s); {
			j := strings.Index(s[i:], p.w)
			if j < 0 {
				break
			}
			j += i
			end := j + len(p.w)
			if (!p.left || j == 0 || !isWordByte(s[j-1])) && (!p.right || end == len(s) || !isWordByte(s[end])) {
				return true
			}
			i = j + 1
		}
	}
	return false
}

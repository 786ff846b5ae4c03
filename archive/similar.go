package archive

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Comparing two extractions of what may be one article. Text is folded
// first: NFKC (full-width letters and digits become ASCII), lower case,
// and everything but letters and digits dropped, so that white space,
// punctuation and paragraph breaks do not count.
const (
	// minFoldedRunes is how long both folded bodies must be for two
	// articles to be compared at all; shorter ones match by content hash
	// only.
	minFoldedRunes = 20
	// shingleRunes is the length of the overlapping runs of folded runes
	// whose sets are compared for near-duplicates.
	shingleRunes = 4
	// nearContainment is the share of one body's shingles that the other
	// must hold for the two to be near-duplicates.
	nearContainment = 0.6
)

// relation is how a new article relates to a stored one of the same
// folded title and day.
type relation int

const (
	unrelated relation = iota
	// nearDuplicate: similar bodies, but each has text the other lacks
	// (an edited re-post): a record of its own, linked by DuplicateOf.
	nearDuplicate
	// sameArticle: one body's text contains the other's (extraction
	// noise): the new URL becomes an alias.
	sameArticle
)

// foldText appends the folded form of s to dst. The common runes are
// folded here (ASCII, CJK ideographs, full-width forms, CJK punctuation);
// NFKC is asked about the others one by one, so that a sequence of a
// letter and a combining mark is not composed.
func foldText(dst []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			dst = foldASCII(dst, byte(r))
		case 0x4E00 <= r && r <= 0x9FFF: // CJK Unified Ideographs
			dst = utf8.AppendRune(dst, r)
		case 0x3000 <= r && r <= 0x303F: // CJK symbols and punctuation
		case 0xFF01 <= r && r <= 0xFF5E: // full-width ASCII
			dst = foldASCII(dst, byte(r-0xFEE0))
		default:
			var buf [utf8.UTFMax]byte
			for _, m := range norm.NFKC.String(string(buf[:utf8.EncodeRune(buf[:], r)])) {
				if unicode.IsLetter(m) || unicode.IsNumber(m) {
					dst = utf8.AppendRune(dst, unicode.ToLower(m))
				}
			}
		}
	}
	return dst
}

// foldASCII appends c lower-cased if it is a letter or digit.
func foldASCII(dst []byte, c byte) []byte {
	switch {
	case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		return append(dst, c)
	case 'A' <= c && c <= 'Z':
		return append(dst, c+'a'-'A')
	}
	return dst
}

// foldTitle returns the folded title, the key of the title index.
func foldTitle(title string) string { return string(foldText(nil, title)) }

// folded is a body prepared for comparison.
type folded struct {
	paras    []string // folded lines, none empty
	all      string   // paras joined without separators
	runes    int      // runes in all
	shingles []uint64 // sorted distinct hashes of every shingleRunes runes of all; see shingled
}

// shingled returns f.shingles, computing them the first time.
func (f *folded) shingled() []uint64 {
	if f.shingles == nil {
		f.shingles = shingles(f.all)
	}
	return f.shingles
}

// foldBody folds each line of body.
func foldBody(body string) *folded {
	f := &folded{}
	var all []byte
	for line := range strings.Lines(body) {
		start := len(all)
		all = foldText(all, line)
		if len(all) > start {
			f.paras = append(f.paras, string(all[start:]))
		}
	}
	f.all = string(all)
	f.runes = utf8.RuneCountInString(f.all)
	return f
}

// shingles returns the sorted distinct hashes of every run of shingleRunes
// runes of s (one, of all of s, if it is shorter).
func shingles(s string) []uint64 {
	const prime = 0x100000001b3
	var win [shingleRunes]rune
	n := 0
	out := make([]uint64, 0, len(s)/3+1)
	for _, r := range s {
		copy(win[:], win[1:])
		win[shingleRunes-1] = r
		if n++; n < shingleRunes {
			continue
		}
		var h uint64 = 0xcbf29ce484222325
		for _, x := range win {
			h = (h ^ uint64(x)) * prime
		}
		out = append(out, h)
	}
	if n > 0 && n < shingleRunes {
		var h uint64 = 0xcbf29ce484222325
		for _, x := range win[shingleRunes-n:] {
			h = (h ^ uint64(x)) * prime
		}
		out = append(out, h)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// containment returns the share of a's shingles that b has too.
func containment(a, b *folded) float64 {
	as, bs := a.shingled(), b.shingled()
	if len(as) == 0 {
		return 0
	}
	common := 0
	i, j := 0, 0
	for i < len(as) && j < len(bs) {
		switch x, y := as[i], bs[j]; {
		case x == y:
			common++
			i++
			j++
		case x < y:
			i++
		default:
			j++
		}
	}
	return float64(common) / float64(len(as))
}

// within reports whether every folded line of a is in b's folded text:
// a's text is b's with nothing added, only lines left out, punctuation,
// white space or line breaks changed.
func within(a, b *folded) bool {
	for _, p := range a.paras {
		if !strings.Contains(b.all, p) {
			return false
		}
	}
	return true
}

// relate compares the stored body old with the new body cur. For
// sameArticle, curFuller reports whether cur is the fuller one: it
// contains old's text and has more.
func relate(old, cur *folded) (rel relation, curFuller bool) {
	if old.runes < minFoldedRunes || cur.runes < minFoldedRunes {
		return unrelated, false
	}
	oldIn, curIn := within(old, cur), within(cur, old)
	switch {
	case oldIn && curIn:
		return sameArticle, false
	case oldIn:
		return sameArticle, cur.runes > old.runes
	case curIn:
		return sameArticle, false
	}
	if max(containment(old, cur), containment(cur, old)) >= nearContainment {
		return nearDuplicate, false
	}
	return unrelated, false
}

// merge returns the version to keep when art is folded into a record
// whose latest version is old: old's fields, except that art's body and
// title replace old's when art is fuller (useBody), and that each field
// old lacks is taken from art: source, column, author, editor, a
// publication time (or the minute, when old has only the day), and the
// images or attachments when art has more. changed reports whether the
// result differs from old.
func merge(old *version, art *Article, useBody bool) (v version, changed bool) {
	v = *old
	set := func(dst *string, src string) {
		if *dst == "" && src != "" {
			*dst, changed = src, true
		}
	}
	if useBody && (art.Body != old.Body || art.Title != old.Title) {
		v.Title, v.Body, changed = art.Title, art.Body, true
		v.Hash = contentHash(art.Title, art.Body)
	}
	set(&v.Source, art.Source)
	set(&v.Column, art.Column)
	set(&v.Author, art.Author)
	set(&v.Editor, art.Editor)
	if p := art.Published; !p.IsZero() && !p.Equal(old.Published) {
		if old.Published.IsZero() || atMidnight(old.Published) && !atMidnight(p) && dayOf(p) == dayOf(old.Published) {
			v.Published, changed = p, true
		}
	}
	if len(art.Images) > len(old.Images) {
		v.Images, changed = art.Images, true
	}
	if len(art.Attachments) > len(old.Attachments) {
		v.Attachments, changed = art.Attachments, true
	}
	return v, changed
}

// atMidnight reports whether t is 00:00:00 Beijing time, which is how a
// page that gives only the day is read.
func atMidnight(t time.Time) bool {
	t = t.In(cst)
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

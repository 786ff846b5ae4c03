package serve

import (
	"encoding/binary"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The search index is an inverted index of characters and character
// bigrams, the usual way to search Chinese text, which has no spaces
// between words: every character of a document is a key, and so is every
// pair of adjacent characters within a run of letters and digits. A query
// is cut the same way; a document matches when it holds all the query's
// keys, and, for a run of three characters or more (whose bigrams could
// each occur apart), when its text holds the run itself, which is checked
// on the candidates the keys leave.
//
// Documents are numbered 0, 1, 2, … newest first, so a posting list in
// increasing order is already in the order results are shown. A posting
// list is stored as varint gaps, or as a bitmap when that is smaller (a
// character that most documents hold); all lists share one byte slice and
// the keys are one sorted slice, so the index costs little beyond the
// postings themselves.

// fold maps a rune to the form it is indexed and searched in: lower case,
// full-width ASCII as ASCII, the ideographic space as a space. It maps one
// rune to one rune, so positions in folded text are positions in the
// original.
func fold(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	case r >= 0x4E00 && r <= 0x9FFF: // CJK unified ideographs: no case
		return r
	case r >= 0xFF01 && r <= 0xFF5E:
		return fold(r - 0xFEE0)
	case r == 0x3000:
		return ' '
	}
	return unicode.ToLower(r)
}

// foldString returns s folded rune by rune.
func foldString(s string) string {
	return strings.Map(fold, s)
}

// stable reports whether folded text t can only come from itself, so
// that it can be looked for in text that was not folded: no rune of t has
// an upper-case or full-width form.
func stable(t string) bool {
	for _, r := range t {
		if r < 0x80 || unicode.SimpleFold(r) != r {
			return false
		}
	}
	return true
}

// isWord reports whether r, folded, is part of a searchable run.
func isWord(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	case r >= 0x4E00 && r <= 0x9FFF:
		return true
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// key packs a character (r2 = 0) or a bigram into an index key.
func key(r1, r2 rune) uint64 {
	return uint64(uint32(r1))<<32 | uint64(uint32(r2))
}

// runs splits folded text into its runs of letters and digits.
func runs(folded string) []string {
	return strings.FieldsFunc(folded, func(r rune) bool { return !isWord(r) })
}

// appendKeys appends the keys of text s, folded as it goes, to dst: each
// character of each run, and each pair of adjacent characters. Keys may
// repeat.
func appendKeys(dst []uint64, s string) []uint64 {
	var prev rune = -1
	for _, r := range s {
		r = fold(r)
		if !isWord(r) {
			prev = -1
			continue
		}
		dst = append(dst, key(r, 0))
		if prev >= 0 {
			dst = append(dst, key(prev, r))
		}
		prev = r
	}
	return dst
}

// queryKeys returns the keys a document must hold to match the folded run.
func queryKeys(run string) []uint64 {
	if utf8.RuneCountInString(run) == 1 {
		r, _ := utf8.DecodeRuneInString(run)
		return []uint64{key(r, 0)}
	}
	var ks []uint64
	prev := rune(-1)
	for _, r := range run {
		if prev >= 0 {
			ks = append(ks, key(prev, r))
		}
		prev = r
	}
	return ks
}

// index is a frozen inverted index over documents 0 … n-1.
type index struct {
	n    int
	keys []uint64 // sorted
	offs []uint64 // posting of keys[i] is data[offs[i]:offs[i+1]]
	data []byte   // per posting: a tag byte, then the posting
}

const (
	tagGaps   = 0 // uvarint count, then uvarint gaps (the first from 0)
	tagBitmap = 1 // uvarint count, then one bit per document
)

// indexBuilder collects postings for documents added in increasing order.
type indexBuilder struct {
	slot  map[uint64]int32
	lists []buildList
}

type buildList struct {
	key  uint64
	last uint32
	n    uint32
	gaps []byte
}

func newIndexBuilder() *indexBuilder {
	return &indexBuilder{slot: make(map[uint64]int32, 1<<16)}
}

// addKeys indexes document doc, which must be greater than every document
// added before, under keys ks (repeats are ignored).
func (b *indexBuilder) addKeys(doc uint32, ks []uint64) {
	for _, k := range ks {
		i, ok := b.slot[k]
		if !ok {
			i = int32(len(b.lists))
			b.slot[k] = i
			b.lists = append(b.lists, buildList{key: k})
		}
		l := &b.lists[i]
		if l.n > 0 && l.last == doc {
			continue
		}
		l.gaps = binary.AppendUvarint(l.gaps, uint64(doc-l.last))
		l.last = doc
		l.n++
	}
}

// finish freezes the index of n documents; the builder must not be used
// again.
func (b *indexBuilder) finish(n int) *index {
	slices.SortFunc(b.lists, func(x, y buildList) int {
		switch {
		case x.key < y.key:
			return -1
		case x.key > y.key:
			return 1
		}
		return 0
	})
	bitmapLen := (n + 7) / 8
	size := 0
	for _, l := range b.lists {
		size += 1 + binary.MaxVarintLen32 + min(len(l.gaps), bitmapLen)
	}
	ix := &index{
		n:    n,
		keys: make([]uint64, len(b.lists)),
		offs: make([]uint64, len(b.lists)+1),
		data: make([]byte, 0, size),
	}
	for i := range b.lists {
		l := &b.lists[i]
		ix.keys[i] = l.key
		ix.offs[i] = uint64(len(ix.data))
		if len(l.gaps) <= bitmapLen {
			ix.data = append(ix.data, tagGaps)
			ix.data = binary.AppendUvarint(ix.data, uint64(l.n))
			ix.data = append(ix.data, l.gaps...)
		} else {
			ix.data = append(ix.data, tagBitmap)
			ix.data = binary.AppendUvarint(ix.data, uint64(l.n))
			start := len(ix.data)
			ix.data = append(ix.data, make([]byte, bitmapLen)...)
			bm := ix.data[start:]
			doc := uint64(0)
			for p := l.gaps; len(p) > 0; {
				g, w := binary.Uvarint(p)
				p = p[w:]
				doc += g
				bm[doc/8] |= 1 << (doc % 8)
			}
		}
		l.gaps = nil
	}
	ix.offs[len(b.lists)] = uint64(len(ix.data))
	b.lists, b.slot = nil, nil
	return ix
}

// posting is one key's documents.
type posting struct {
	n      int    // number of documents
	bitmap []byte // set for a bitmap posting
	gaps   []byte // set for a gap posting (after the count)
}

// lookup returns the posting of k; ok is false when no document has k.
func (ix *index) lookup(k uint64) (p posting, ok bool) {
	i, found := slices.BinarySearch(ix.keys, k)
	if !found {
		return posting{}, false
	}
	raw := ix.data[ix.offs[i]:ix.offs[i+1]]
	cnt, w := binary.Uvarint(raw[1:])
	if raw[0] == tagBitmap {
		return posting{n: int(cnt), bitmap: raw[1+w:]}, true
	}
	return posting{n: int(cnt), gaps: raw[1+w:]}, true
}

// has reports whether doc is in the bitmap posting p.
func (p posting) has(doc uint32) bool {
	return p.bitmap[doc/8]&(1<<(doc%8)) != 0
}

// appendDocs appends p's documents in [lo, hi) to dst, in increasing order.
func (p posting) appendDocs(dst []uint32, lo, hi uint32) []uint32 {
	if p.bitmap != nil {
		for doc := lo; doc < hi; doc++ {
			if p.has(doc) {
				dst = append(dst, doc)
			}
		}
		return dst
	}
	doc := uint32(0)
	for g := p.gaps; len(g) > 0; {
		v, w := binary.Uvarint(g)
		g = g[w:]
		doc += uint32(v)
		if doc >= hi {
			break
		}
		if doc >= lo {
			dst = append(dst, doc)
		}
	}
	return dst
}

// intersect keeps the documents of docs (increasing) that are in p.
func (p posting) intersect(docs []uint32) []uint32 {
	out := docs[:0]
	if p.bitmap != nil {
		for _, d := range docs {
			if p.has(d) {
				out = append(out, d)
			}
		}
		return out
	}
	doc, g, i := uint32(0), p.gaps, 0
	for len(g) > 0 && i < len(docs) {
		v, w := binary.Uvarint(g)
		g = g[w:]
		doc += uint32(v)
		for i < len(docs) && docs[i] < doc {
			i++
		}
		if i < len(docs) && docs[i] == doc {
			out = append(out, doc)
			i++
		}
	}
	return out
}

// candidates returns the documents in [lo, hi) holding every key, in
// increasing order; nil when some key is in no document.
func (ix *index) candidates(keys []uint64, lo, hi uint32) []uint32 {
	ps := make([]posting, 0, len(keys))
	for _, k := range keys {
		p, ok := ix.lookup(k)
		if !ok {
			return nil
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		return nil
	}
	slices.SortFunc(ps, func(a, b posting) int { return a.n - b.n })
	docs := ps[0].appendDocs(make([]uint32, 0, min(ps[0].n, int(hi-lo))), lo, hi)
	for _, p := range ps[1:] {
		if len(docs) == 0 {
			break
		}
		docs = p.intersect(docs)
	}
	return docs
}

// size returns the bytes the index holds.
func (ix *index) size() int {
	return len(ix.keys)*8 + len(ix.offs)*8 + len(ix.data)
}

// Package bodyscore scores an extracted article body against its ground
// truth by the rule of the scrapinghub article-extraction benchmark
// (corpus/scrapinghub/README.md): both texts are cut into words, the words
// into overlapping 4-word shingles, and the shingles matched with their
// multiplicity.
//
// The extractor's test and the extraction benchmark (bench/extract) both
// score with it, so that their figures agree.
package bodyscore

import (
	"strings"
	"unicode"
)

// Words cuts a text into maximal runs of Unicode letters, digits and '_',
// as Python's \w+ does (combining marks are not word characters there).
func Words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_')
	})
}

// shingles returns the multiset of a text's 4-word windows; a text of one
// to three words gives one short shingle, a text with no words none.
func shingles(w []string) map[string]int {
	out := make(map[string]int, len(w))
	switch {
	case len(w) == 0:
	case len(w) < 4:
		out[strings.Join(w, " ")]++
	default:
		for i := 0; i+4 <= len(w); i++ {
			out[strings.Join(w[i:i+4], " ")]++
		}
	}
	return out
}

// Page is one page's result: its shingle counts and whether the predicted
// word sequence is exactly the truth's.
type Page struct {
	TP, FP, FN int
	Exact      bool
}

// Score matches a predicted body's shingles against the truth's.
func Score(pred, truth string) Page {
	pw, tw := Words(pred), Words(truth)
	p, t := shingles(pw), shingles(tw)
	s := Page{Exact: strings.Join(pw, " ") == strings.Join(tw, " ")}
	for k, n := range p {
		m := t[k]
		s.TP += min(n, m)
		s.FP += max(n-m, 0)
	}
	for k, m := range t {
		s.FN += max(m-p[k], 0)
	}
	return s
}

// HasPrecision reports whether the prediction has a shingle, so that the
// page counts towards the corpus precision.
func (s Page) HasPrecision() bool { return s.TP+s.FP > 0 }

// HasRecall reports whether the truth has a shingle, so that the page
// counts towards the corpus recall.
func (s Page) HasRecall() bool { return s.TP+s.FN > 0 }

// Precision is the share of predicted shingles that are true; 0 without
// any.
func (s Page) Precision() float64 {
	if !s.HasPrecision() {
		return 0
	}
	return float64(s.TP) / float64(s.TP+s.FP)
}

// Recall is the share of true shingles predicted; 0 without any.
func (s Page) Recall() float64 {
	if !s.HasRecall() {
		return 0
	}
	return float64(s.TP) / float64(s.TP+s.FN)
}

// F1 is the page's own harmonic mean of precision and recall, for listing
// the weakest pages; the corpus F1 is not the mean of these (see
// Aggregate).
func (s Page) F1() float64 {
	return harmonic(s.Precision(), s.Recall())
}

// Metrics are a corpus's figures.
type Metrics struct {
	P, R, F1, Accuracy float64
}

// Aggregate computes the corpus figures: P is the mean page precision over
// the pages with a predicted shingle, R the mean page recall over the pages
// with a true shingle, F1 the harmonic mean of the two means, Accuracy the
// share of exact pages.
func Aggregate(pages []Page) Metrics {
	var sp, sr float64
	var np, nr, exact int
	for _, s := range pages {
		if s.HasPrecision() {
			sp += s.Precision()
			np++
		}
		if s.HasRecall() {
			sr += s.Recall()
			nr++
		}
		if s.Exact {
			exact++
		}
	}
	var m Metrics
	if np > 0 {
		m.P = sp / float64(np)
	}
	if nr > 0 {
		m.R = sr / float64(nr)
	}
	m.F1 = harmonic(m.P, m.R)
	if len(pages) > 0 {
		m.Accuracy = float64(exact) / float64(len(pages))
	}
	return m
}

func harmonic(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

package main

import (
	"math"
	"math/rand/v2"
	"strings"
	"unicode"
)

// The scoring rule of the scrapinghub article-extraction benchmark, as its
// README (corpus/scrapinghub/README.md) states it.

// words cuts a text into maximal runs of Unicode letters, digits and '_',
// as Python's \w+ does (combining marks are not word characters there).
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_')
	})
}

// shingles returns the multiset of a text's 4-word windows; a text of one
// to three words gives one short shingle, a text with no words none.
func shingles(s string) map[string]int {
	w := words(s)
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

// pageScore is one page's result under the benchmark's rule.
type pageScore struct {
	tp, fp, fn float64 // shingle counts divided by their sum
	exact      bool    // the predicted word sequence is exactly the truth's
}

// hasP reports whether the prediction has a shingle, so the page counts
// towards precision.
func (s pageScore) hasP() bool { return s.tp+s.fp > 0 }

// hasR reports whether the truth has a shingle, so the page counts towards
// recall.
func (s pageScore) hasR() bool { return s.tp+s.fn > 0 }

func (s pageScore) precision() float64 { return s.tp / (s.tp + s.fp) }
func (s pageScore) recall() float64    { return s.tp / (s.tp + s.fn) }

// f1 is the page's own F1, used only to list the weakest pages.
func (s pageScore) f1() float64 {
	var p, r float64
	if s.hasP() {
		p = s.precision()
	}
	if s.hasR() {
		r = s.recall()
	}
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// score matches a prediction's shingles against the truth's with
// multiplicity.
func score(pred, truth string) pageScore {
	p, t := shingles(pred), shingles(truth)
	var tp, fp, fn int
	for k, n := range p {
		m := t[k]
		tp += min(n, m)
		fp += max(n-m, 0)
	}
	for k, m := range t {
		fn += max(m-p[k], 0)
	}
	s := pageScore{exact: strings.Join(words(pred), " ") == strings.Join(words(truth), " ")}
	if sum := float64(tp + fp + fn); sum > 0 {
		s.tp, s.fp, s.fn = float64(tp)/sum, float64(fp)/sum, float64(fn)/sum
	}
	return s
}

// metrics are the corpus figures.
type metrics struct {
	P, R, F1, Accuracy float64
}

// aggregate computes the corpus figures: P is the mean page precision over
// pages with a predicted shingle, R the mean page recall over pages with a
// true shingle, F1 the harmonic mean of the two means, Accuracy the share
// of exact pages.
func aggregate(pages []pageScore, idx []int) metrics {
	var sp, sr float64
	var np, nr, exact int
	for _, i := range idx {
		s := pages[i]
		if s.hasP() {
			sp += s.precision()
			np++
		}
		if s.hasR() {
			sr += s.recall()
			nr++
		}
		if s.exact {
			exact++
		}
	}
	var m metrics
	if np > 0 {
		m.P = sp / float64(np)
	}
	if nr > 0 {
		m.R = sr / float64(nr)
	}
	if m.P+m.R > 0 {
		m.F1 = 2 * m.P * m.R / (m.P + m.R)
	}
	if len(idx) > 0 {
		m.Accuracy = float64(exact) / float64(len(idx))
	}
	return m
}

// bootstrap returns the corpus figures and, for each, the standard
// deviation over n resamples of the pages drawn with replacement. The
// resampling is seeded, so a run's ± values are reproducible.
func bootstrap(pages []pageScore, n int) (metrics, metrics) {
	all := make([]int, len(pages))
	for i := range all {
		all[i] = i
	}
	m := aggregate(pages, all)
	if n <= 1 || len(pages) == 0 {
		return m, metrics{}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	idx := make([]int, len(pages))
	var sum, sq [4]float64
	for range n {
		for i := range idx {
			idx[i] = rng.IntN(len(pages))
		}
		b := aggregate(pages, idx)
		for j, v := range [4]float64{b.P, b.R, b.F1, b.Accuracy} {
			sum[j] += v
			sq[j] += v * v
		}
	}
	var sd [4]float64
	for j := range sd {
		mean := sum[j] / float64(n)
		sd[j] = math.Sqrt(max(sq[j]/float64(n)-mean*mean, 0))
	}
	return m, metrics{sd[0], sd[1], sd[2], sd[3]}
}

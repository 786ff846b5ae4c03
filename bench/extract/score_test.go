package main

import (
	"math"
	"testing"
)

func TestWords(t *testing.T) {
	got := words("Hello, wörld — it's 2019_x! 你好。")
	want := []string{"Hello", "wörld", "it", "s", "2019_x", "你好"}
	if len(got) != len(want) {
		t.Fatalf("words = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("words = %q, want %q", got, want)
		}
	}
}

func TestScore(t *testing.T) {
	cases := []struct {
		pred, truth string
		p, r        float64
		hasP, hasR  bool
		exact       bool
	}{
		{"a b c d e", "a b c d e", 1, 1, true, true, true},
		{"a b c d e f", "a b c d e", 2.0 / 3, 1, true, true, false},
		{"", "a b c d e", 0, 0, false, true, false},
		{"a b", "a b", 1, 1, true, true, true}, // one short shingle
		{"x y z w", "", 0, 0, true, false, false},
		{"", "", 0, 0, false, false, true},
		{"a b c d a b c d", "a b c d", 0.2, 1, true, true, false}, // multiplicity
	}
	for _, tc := range cases {
		s := score(tc.pred, tc.truth)
		if s.hasP() != tc.hasP || s.hasR() != tc.hasR || s.exact != tc.exact {
			t.Errorf("score(%q, %q) = %+v", tc.pred, tc.truth, s)
			continue
		}
		if tc.hasP && math.Abs(s.precision()-tc.p) > 1e-9 || tc.hasR && math.Abs(s.recall()-tc.r) > 1e-9 {
			t.Errorf("score(%q, %q): P %.3f R %.3f, want %.3f %.3f", tc.pred, tc.truth, s.precision(), s.recall(), tc.p, tc.r)
		}
	}
}

func TestAggregate(t *testing.T) {
	pages := []pageScore{
		score("a b c d e", "a b c d e"),
		score("", "a b c d e"),      // recall 0, no precision
		score("x y z w", "a b c d"), // both 0
	}
	m, sd := bootstrap(pages, 50)
	if math.Abs(m.P-0.5) > 1e-9 || math.Abs(m.R-1.0/3) > 1e-9 || math.Abs(m.F1-0.4) > 1e-9 || math.Abs(m.Accuracy-1.0/3) > 1e-9 {
		t.Errorf("aggregate = %+v", m)
	}
	if sd.F1 <= 0 {
		t.Errorf("bootstrap gave no spread: %+v", sd)
	}
}

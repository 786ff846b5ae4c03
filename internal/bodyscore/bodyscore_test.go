package bodyscore

import (
	"math"
	"slices"
	"testing"
)

func TestWords(t *testing.T) {
	got := Words("Hello, wörld — it's 2019_x! 你好。")
	want := []string{"Hello", "wörld", "it", "s", "2019_x", "你好"}
	if !slices.Equal(got, want) {
		t.Fatalf("Words = %q, want %q", got, want)
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
		{"a, b. c d!", "a b c d", 1, 1, true, true, true},         // punctuation is not a word
	}
	for _, tc := range cases {
		s := Score(tc.pred, tc.truth)
		if s.HasPrecision() != tc.hasP || s.HasRecall() != tc.hasR || s.Exact != tc.exact {
			t.Errorf("Score(%q, %q) = %+v", tc.pred, tc.truth, s)
			continue
		}
		if math.Abs(s.Precision()-tc.p) > 1e-9 || math.Abs(s.Recall()-tc.r) > 1e-9 {
			t.Errorf("Score(%q, %q): P %.3f R %.3f, want %.3f %.3f", tc.pred, tc.truth, s.Precision(), s.Recall(), tc.p, tc.r)
		}
	}
}

func TestAggregate(t *testing.T) {
	m := Aggregate([]Page{
		Score("a b c d e", "a b c d e"),
		Score("", "a b c d e"),      // recall 0, no precision
		Score("x y z w", "a b c d"), // both 0
	})
	want := Metrics{P: 0.5, R: 1.0 / 3, F1: 0.4, Accuracy: 1.0 / 3}
	for _, f := range []struct {
		name      string
		got, want float64
	}{{"P", m.P, want.P}, {"R", m.R, want.R}, {"F1", m.F1, want.F1}, {"Accuracy", m.Accuracy, want.Accuracy}} {
		if math.Abs(f.got-f.want) > 1e-9 {
			t.Errorf("Aggregate: %s = %.4f, want %.4f", f.name, f.got, f.want)
		}
	}
	if got := Aggregate(nil); got != (Metrics{}) {
		t.Errorf("Aggregate(nil) = %+v, want zeros", got)
	}
}

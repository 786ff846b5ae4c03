package main

import (
	"testing"

	"github.com/hnredstar/crawler/internal/bodyscore"
)

func TestBootstrap(t *testing.T) {
	pages := []bodyscore.Page{
		bodyscore.Score("a b c d e", "a b c d e"),
		bodyscore.Score("", "a b c d e"),
		bodyscore.Score("x y z w", "a b c d"),
	}
	m, sd := bootstrap(pages, 50)
	if want := bodyscore.Aggregate(pages); m != want {
		t.Errorf("bootstrap figures %+v, want the corpus's %+v", m, want)
	}
	if sd.F1 <= 0 || sd.P <= 0 {
		t.Errorf("bootstrap gave no spread: %+v", sd)
	}
	if _, sd := bootstrap(pages, 1); sd != (bodyscore.Metrics{}) {
		t.Errorf("one sample gave a spread: %+v", sd)
	}
}

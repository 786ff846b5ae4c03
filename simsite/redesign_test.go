package simsite

import (
	"html"
	"strings"
	"testing"
)

// TestRedesign checks that the articles after Options.RedesignAfter lose
// their source, in the ground truth and on the page, and that the others,
// and every other field, are as on a site without a redesign.
func TestRedesign(t *testing.T) {
	const after = 40
	plainSite := New(Options{Seed: 5, Articles: 60})
	site := New(Options{Seed: 5, Articles: 60, RedesignAfter: after})
	plain, truth := plainSite.Truth(""), site.Truth("")
	// page returns the text of an article's first page.
	page := func(s *Site, a Article) string {
		rec := serveLocal(s.Handler(), "GET", a.URLs[0])
		if rec.Code != 200 {
			rec = serveLocal(s.Handler(), "GET", a.URLs[0]) // a transient 503
		}
		b := rec.Body.Bytes()
		if a.Encoding == "gbk" {
			return html.UnescapeString(decodeGBK(t, b))
		}
		return html.UnescapeString(string(b))
	}
	withSource := 0
	for i, a := range truth {
		p := plain[i]
		if a.Title != p.Title || a.Body != p.Body || !a.Published.Equal(p.Published) {
			t.Fatalf("article %d: the redesign changed more than the source", a.ID)
		}
		if a.ID <= after {
			if a.Source != p.Source {
				t.Errorf("article %d before the redesign: source %q, want %q", a.ID, a.Source, p.Source)
			}
			continue
		}
		if a.Source != "" {
			t.Errorf("article %d after the redesign: source %q, want none", a.ID, a.Source)
		}
		if p.Source == "" {
			continue
		}
		withSource++
		// The source's name may also appear in the footer or the body:
		// the redesigned page names it fewer times.
		was, is := strings.Count(page(plainSite, p), p.Source), strings.Count(page(site, a), p.Source)
		if is >= was {
			t.Errorf("article %d after the redesign: page names the source %q %d times, as before", a.ID, p.Source, is)
		}
	}
	if withSource < 5 {
		t.Fatalf("only %d redesigned articles had a source to lose; pick another seed", withSource)
	}
}

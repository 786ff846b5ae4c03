package reskin

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// Truth is what a reader sees as the article.
type Truth struct {
	Title  string
	Source string // "" when the page names none
	// Published is the publication time as the page states it: to the
	// second, the minute, or the day at 00:00.
	Published time.Time
	Body      string // paragraphs joined by "\n"
}

// Op is a set of transformations.
type Op uint16

// The transformations; see the package documentation.
const (
	Whitespace Op = 1 << iota
	Names
	Wrappers
	Paragraphs
	Headline
	Labels
	MetaLine
	Dates
	MetaTags
	Extras

	// All is every transformation.
	All = Extras<<1 - 1
)

// Ops lists the single transformations in the order Mutate applies them.
var Ops = []Op{MetaLine, Labels, Dates, MetaTags, Headline, Extras, Paragraphs, Wrappers, Names, Whitespace}

var opNames = map[Op]string{
	Whitespace: "whitespace", Names: "names", Wrappers: "wrappers", Paragraphs: "paragraphs",
	Headline: "headline", Labels: "labels", MetaLine: "metaline", Dates: "dates", MetaTags: "metatags",
	Extras: "extras",
}

// String names the transformations of o, joined by "+".
func (o Op) String() string {
	var parts []string
	for _, s := range Ops {
		if o&s != 0 {
			parts = append(parts, opNames[s])
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "+")
}

// ErrNotFound says the page does not show the truth's title or body, so
// there is nothing to keep unchanged.
var ErrNotFound = errors.New("reskin: the page does not show the truth's title or body")

// precision of a printed time.
type precision uint8

const (
	precDay precision = iota
	precMinute
	precSecond
)

// state is a page being rewritten and what is known about it.
type state struct {
	r     *rand.Rand
	doc   *html.Node
	head  *html.Node
	body  *html.Node
	truth Truth

	title   *html.Node // the headline element
	content *html.Node // the body container
	line    *html.Node // the source/time line; nil when not found
	date    *html.Node // text node holding the printed date; nil when not found
	source  *html.Node // text node holding the source; nil when none

	minuteKnown bool      // truth.Published is a minute the page states somewhere
	printed     precision // precision of the printed date
	seconds     int       // seconds printed, when printed is precSecond
}

// Mutate rewrites page, an article page in UTF-8 whose article is truth,
// with the transformations in ops, each in a way drawn from seed. It
// returns the new page and the truth of what it shows.
func Mutate(page []byte, truth Truth, ops Op, seed uint64) ([]byte, Truth, error) {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil, truth, fmt.Errorf("reskin: parse page: %w", err)
	}
	s := &state{r: rand.New(rand.NewPCG(seed, uint64(ops))), doc: doc, truth: truth}
	if err := s.locate(); err != nil {
		return nil, truth, err
	}
	for _, o := range Ops {
		if ops&o == 0 {
			continue
		}
		switch o {
		case MetaLine:
			s.metaLine()
		case Labels:
			s.labels()
		case Dates:
			s.dates()
		case MetaTags:
			s.metaTags()
		case Headline:
			s.headline()
		case Extras:
			s.extras()
		case Paragraphs:
			s.paragraphs()
		case Wrappers:
			s.wrappers()
		case Names:
			s.names()
		case Whitespace:
			s.whitespace()
		}
	}
	s.truth.Published = s.published()
	var b bytes.Buffer
	if err := html.Render(&b, doc); err != nil {
		return nil, truth, fmt.Errorf("reskin: render page: %w", err)
	}
	return b.Bytes(), s.truth, nil
}

// dateRE matches a printed date with an optional time of day.
var dateRE = regexp.MustCompile(`(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?`)

// locate finds the headline, the body container and the source/time line.
func (s *state) locate() error {
	s.head, s.body = find(s.doc, "head"), find(s.doc, "body")
	if s.body == nil {
		return ErrNotFound
	}
	lines := strings.Split(s.truth.Body, "\n")
	first, last := squeeze(lines[0]), squeeze(lines[len(lines)-1])
	title := squeeze(s.truth.Title)
	texts := map[*html.Node]string{}
	var squeezed func(n *html.Node) string
	squeezed = func(n *html.Node) string {
		if t, ok := texts[n]; ok {
			return t
		}
		t := squeeze(textOf(n))
		texts[n] = t
		return t
	}
	// The deepest elements whose text is the title, and that holds the first
	// and the last line of the body.
	walk(s.body, func(n *html.Node) bool {
		if n.Type != html.ElementNode || hidden(n) {
			return false
		}
		t := squeezed(n)
		if t == title && (s.title == nil || contains(s.title, n)) {
			s.title = n
		}
		if first != "" && strings.Contains(t, first) && strings.Contains(t, last) && (s.content == nil || contains(s.content, n)) {
			s.content = n
		}
		return true
	})
	if s.title == nil || s.content == nil || contains(s.title, s.content) || contains(s.content, s.title) {
		return ErrNotFound
	}
	s.minuteKnown = s.truth.Published.Hour() != 0 || s.truth.Published.Minute() != 0 || s.truth.Published.Second() != 0
	s.printed = precDay

	// The printed date: the first date between the headline and the body.
	after, before := false, true
	src := squeeze(s.truth.Source)
	walk(s.body, func(n *html.Node) bool {
		if n == s.title {
			after = true
			return false
		}
		if n == s.content {
			before = false
			return false
		}
		if hidden(n) || !after || !before {
			return before
		}
		if n.Type == html.TextNode {
			if s.date == nil {
				if m := dateRE.FindStringSubmatch(n.Data); m != nil {
					s.date = n
					if m[4] != "" {
						s.printed = precMinute
						s.minuteKnown = true
					}
					if m[6] != "" {
						s.printed = precSecond
						s.seconds, _ = strconv.Atoi(m[6])
					}
				}
			}
			if src != "" && s.source == nil && strings.Contains(squeeze(n.Data), src) {
				s.source = n
			}
		}
		return true
	})
	if s.date == nil {
		return nil
	}
	line := s.date.Parent
	if s.source != nil {
		line = lca(s.date, s.source)
	}
	for line != nil && !isBlock(line) {
		line = line.Parent
	}
	if line == nil || contains(line, s.title) || contains(line, s.content) || line == s.body {
		return nil
	}
	s.line = line
	return nil
}

// published returns the publication time the page now shows.
func (s *state) published() time.Time {
	t := s.truth.Published
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	minute := t.Truncate(time.Minute)
	if s.date == nil {
		return t
	}
	switch s.printed {
	case precSecond:
		return minute.Add(time.Duration(s.seconds) * time.Second)
	case precMinute:
		if mt, ok := s.metaTime(minute, time.Minute); ok {
			return mt
		}
		return minute
	}
	if mt, ok := s.metaTime(day, 24*time.Hour); ok {
		return mt
	}
	return day
}

// dateMetas name the meta tags that state a publication time.
var dateMetas = map[string]bool{
	"pubdate": true, "publishdate": true, "article:published_time": true, "og:article:published_time": true,
	"og:release_date": true, "publish_date": true, "publish-date": true, "publishtime": true,
	"firstpublishedtime": true, "datepublished": true, "dc.date.issued": true, "dc.date": true,
	"dcterms.created": true, "date": true,
}

var metaTimeRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?`)

// metaTime returns the most precise time a date meta tag states within span
// from start, and reports whether one does.
func (s *state) metaTime(start time.Time, span time.Duration) (time.Time, bool) {
	var best time.Time
	found := false
	if s.head == nil {
		return best, false
	}
	walk(s.head, func(n *html.Node) bool {
		if n.Type != html.ElementNode || n.Data != "meta" {
			return true
		}
		name := strings.ToLower(attr(n, "name") + attr(n, "property"))
		m := metaTimeRE.FindStringSubmatch(strings.TrimSpace(attr(n, "content")))
		if !dateMetas[name] || m == nil {
			return true
		}
		v := make([]int, 7)
		for i := 1; i < 7; i++ {
			v[i], _ = strconv.Atoi(m[i])
		}
		mt := time.Date(v[1], time.Month(v[2]), v[3], v[4], v[5], v[6], 0, start.Location())
		if mt.Before(start) || !mt.Before(start.Add(span)) {
			return true
		}
		if !found || (best.Second() == 0 && mt.Second() != 0) {
			best, found = mt, true
		}
		return true
	})
	return best, found
}

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func (s *state) chance(p float64) bool { return s.r.Float64() < p }

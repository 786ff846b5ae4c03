package extract

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
)

// Sentinel errors returned by this package. Test for them with errors.Is.
var (
	// ErrNoArticle reports that a page carries no article: it is a list,
	// a challenge, or has no main text.
	ErrNoArticle = errors.New("extract: no article on page")
)

// Options are optional site hints, usually from config.yaml. The zero value
// means pure heuristics.
type Options struct {
	// CSS selectors for the article's title, source, publication time,
	// body container and column name.
	Title, Source, Published, Body, Column string
	// ArticleURL and ListURL are regular expressions matched against a
	// page's absolute URL; a match decides the page kind.
	ArticleURL, ListURL []string
	// Location is the time zone of dates that carry none; nil means
	// Asia/Shanghai (a fixed +08:00 zone when tzdata is unavailable).
	Location *time.Location
}

// Extractor turns parsed pages into articles and links. Build one with New;
// it is safe for concurrent use. A nil or zero Extractor uses pure
// heuristics.
type Extractor struct {
	title, source, published, body, column goquery.Matcher
	raw                                    Options
	articleURL, listURL                    []*regexp.Regexp
	loc                                    *time.Location
}

// New compiles the options. The error names the bad option and its value,
// e.g. `extract.body: invalid selector "div[": …`.
func New(opts Options) (*Extractor, error) {
	e := &Extractor{raw: opts, loc: opts.Location}
	sels := []struct {
		key string
		val string
		dst *goquery.Matcher
	}{
		{"title", opts.Title, &e.title},
		{"source", opts.Source, &e.source},
		{"published", opts.Published, &e.published},
		{"body", opts.Body, &e.body},
		{"column", opts.Column, &e.column},
	}
	for _, s := range sels {
		if s.val == "" {
			continue
		}
		m, err := cascadia.Compile(s.val)
		if err != nil {
			return nil, fmt.Errorf("extract.%s: invalid selector %q: %w", s.key, s.val, err)
		}
		*s.dst = m
	}
	res := []struct {
		key  string
		vals []string
		dst  *[]*regexp.Regexp
	}{
		{"article_url", opts.ArticleURL, &e.articleURL},
		{"list_url", opts.ListURL, &e.listURL},
	}
	for _, r := range res {
		for i, v := range r.vals {
			re, err := regexp.Compile(v)
			if err != nil {
				return nil, fmt.Errorf("extract.%s[%d]: invalid regular expression %q: %w", r.key, i, v, err)
			}
			*r.dst = append(*r.dst, re)
		}
	}
	if e.loc == nil {
		e.loc = defaultLocation()
	}
	return e, nil
}

// defaultLocation returns Asia/Shanghai, or a fixed +08:00 zone named CST
// when the time zone database is unavailable.
func defaultLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// location returns the extractor's time zone, tolerating a nil receiver.
func (e *Extractor) location() *time.Location {
	if e == nil || e.loc == nil {
		return defaultLocation()
	}
	return e.loc
}

// matchAny reports whether any of res matches s.
func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// Kind is what a page is, as far as the crawler cares.
type Kind int

// Page kinds. The article kind is named ArticlePage because Article is
// the type of an extracted article.
const (
	Other       Kind = iota // anything else: home page, about page, search form…
	List                    // a column list page (or a Hanweb datastore answer)
	ArticlePage             // an article page
	Challenge               // an anti-bot challenge: a script that sets a cookie and reloads
)

var kindNames = [...]string{"other", "list", "article", "challenge"}

// String returns the kind's lower-case name.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// MarshalText encodes the kind as its name, so JSON shows "article".
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText decodes a kind name written by MarshalText.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, n := range kindNames {
		if n == string(b) {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("extract: unknown page kind %q", b)
}

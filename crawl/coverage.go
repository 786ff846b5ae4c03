package crawl

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/canon"
	"github.com/hnredstar/crawler/extract"
)

// What a field needs to count as present, and what makes a value look
// wrong (see CoverageCounter):
const (
	// MinBodyRunes is the shortest body, in runes once trimmed, that
	// counts: shorter ones are a caption or a stray line, not the text.
	MinBodyRunes = 50
	// MaxSourceRunes is the longest plausible source (来源), a name: a
	// longer one is a sentence caught by mistake.
	MaxSourceRunes = 30
	// FutureSlack is how far past its fetch time a publication time may
	// lie before it looks wrong (time zones, clocks, dates set ahead).
	FutureSlack = 24 * time.Hour
	// SharedTitleMin is how many articles must share one title, more than
	// half of their column's or of all the articles counted, for that
	// title to look like the site's name rather than the articles'.
	SharedTitleMin = 5
	// maxExamples is how many URLs FieldCounts.Lacking keeps per field.
	maxExamples = 3
	// maxSiteNames bounds the site names remembered per counter.
	maxSiteNames = 32
)

// When a run's coverage counts as drift (see Drift):
const (
	// DriftMinArticles is the fewest articles a run (or, per column, a
	// column of the run) must have archived to be compared.
	DriftMinArticles = 20
	// DriftMinHistory is the fewest articles the baseline must count.
	DriftMinHistory = 50
	// DriftMinDrop is the smallest fall of the usable share, baseline
	// minus run, that is drift: 0.30 is 30 percentage points.
	DriftMinDrop = 0.30
	// HistoryArticles is how many articles of the previous runs, newest
	// first, Baseline sums: enough to be steady, few enough that a lasting
	// change of the site becomes the new normal after some runs.
	HistoryArticles = 200
)

// sentencePunct are the marks that end or split a sentence; a source
// holding one is a sentence, not a name.
const sentencePunct = "。！？；!?;\n"

// cst is China Standard Time: a publication time of 00:00 there is a date
// without a time (the extractor's rendering of a date-only line).
var cst = time.FixedZone("CST", 8*3600)

// CoverageCounter counts field coverage over articles, for a run's report
// (AddArticle) or over an archive (AddRecord). An article
//
//   - has a title, a source or a column when the field is not blank;
//   - has a publication time when it is known to the minute: a time of
//     00:00 Beijing time counts as a date only;
//   - has a body when it holds at least MinBodyRunes runes.
//
// Values that look wrong are counted as suspect: a source longer than
// MaxSourceRunes runes or holding sentence punctuation (。！？；); a
// publication time more than FutureSlack after the article was fetched
// (or after now, for a record without a fetch time); a title equal to the
// site's name as a page states it (og:site_name, or the last part of a
// <title> such as "…_红星网"), or shared by at least SharedTitleMin
// articles and more than half of those of its column, or of all those
// counted.
//
// A CoverageCounter is not safe for concurrent use.
type CoverageCounter struct {
	now func() time.Time
	cov archive.Coverage
	// The title checks need every article: titles are kept as hashes by
	// column, with example URLs only for repeated ones and site names, so
	// that a backfill of 100,000 articles holds a few MB.
	siteNames map[uint64]bool
	columns   map[string]int32 // column name → index into colNames
	colNames  []string
	titles    map[titleKey]int32
	titleURLs map[titleKey][]string
}

// titleKey is a title, by its hash, in a column, by its index.
type titleKey struct {
	col int32
	h   uint64
}

// hash64 is 64-bit FNV-1a.
func hash64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// NewCoverageCounter returns an empty counter; now (default time.Now) is
// the reference for records without a fetch time.
func NewCoverageCounter(now func() time.Time) *CoverageCounter {
	if now == nil {
		now = time.Now
	}
	return &CoverageCounter{
		now:       now,
		cov:       archive.Coverage{FieldCounts: newFieldCounts(), Columns: map[string]*archive.FieldCounts{}},
		siteNames: map[uint64]bool{},
		columns:   map[string]int32{},
		titles:    map[titleKey]int32{},
		titleURLs: map[titleKey][]string{},
	}
}

func newFieldCounts() archive.FieldCounts {
	c := archive.FieldCounts{Have: map[string]int{}, Suspect: map[string]int{}}
	for _, f := range archive.CoverageFields {
		c.Have[f] = 0
	}
	for _, f := range []string{"title", "source", "published"} {
		c.Suspect[f] = 0
	}
	return c
}

// AddArticle counts an article as the crawler archives it; siteName is the
// name of the site its page states ("" if none, see SiteName).
func (c *CoverageCounter) AddArticle(a *archive.Article, siteName string) {
	u, err := canon.URL(a.URL)
	if err != nil {
		u = a.URL
	}
	if n := strings.TrimSpace(siteName); n != "" && len(c.siteNames) < maxSiteNames {
		c.siteNames[hash64(n)] = true
	}
	c.add(u, a.Title, a.Source, a.Body, a.Column, a.Published, a.FetchedAt)
}

// AddRecord counts an archived record.
func (c *CoverageCounter) AddRecord(r archive.Record) {
	c.add(r.URL, r.Title, r.Source, r.Body, r.Column, r.Published, r.FetchedAt)
}

func (c *CoverageCounter) add(url, title, source, body, column string, published, fetched time.Time) {
	col := c.cov.Columns[column]
	if col == nil {
		column = strings.Clone(column) // kept: not a slice of a larger text
		fc := newFieldCounts()
		col = &fc
		c.cov.Columns[column] = col
		c.columns[column] = int32(len(c.colNames))
		c.colNames = append(c.colNames, column)
	}
	title, source = strings.TrimSpace(title), strings.TrimSpace(source)
	if fetched.IsZero() {
		fetched = c.now()
	}
	have := map[string]bool{
		"title":     title != "",
		"source":    source != "",
		"published": !published.IsZero() && hasTime(published),
		"body":      atLeastRunes(strings.TrimSpace(body), MinBodyRunes),
		"column":    strings.TrimSpace(column) != "",
	}
	suspect := map[string]bool{
		"source":    have["source"] && (utf8.RuneCountInString(source) > MaxSourceRunes || strings.ContainsAny(source, sentencePunct)),
		"published": have["published"] && published.After(fetched.Add(FutureSlack)),
	}
	for _, fc := range []*archive.FieldCounts{&c.cov.FieldCounts, col} {
		fc.Articles++
		for _, f := range archive.CoverageFields {
			if have[f] {
				fc.Have[f]++
			}
			if suspect[f] {
				fc.Suspect[f]++
			}
			if !have[f] || suspect[f] {
				addExample(fc, f, url)
			}
		}
	}
	if title != "" {
		k := titleKey{c.columns[column], hash64(title)}
		c.titles[k]++
		// Examples of a title that may turn out suspect: one shared by
		// others (the first one is not kept), or the site's name.
		if us := c.titleURLs[k]; len(us) < maxExamples && (c.titles[k] > 1 || c.siteNames[k.h]) {
			c.titleURLs[k] = append(us, url)
		}
	}
}

// atLeastRunes reports whether s holds at least n runes, reading no more
// of it than it needs to.
func atLeastRunes(s string, n int) bool {
	if len(s) < n {
		return false
	}
	for range s {
		if n--; n <= 0 {
			return true
		}
	}
	return n <= 0
}

// hasTime reports whether t, in Beijing time, is more than a date.
func hasTime(t time.Time) bool {
	t = t.In(cst)
	return t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0
}

func addExample(fc *archive.FieldCounts, field, url string) {
	if len(fc.Lacking[field]) >= maxExamples || slices.Contains(fc.Lacking[field], url) {
		return
	}
	if fc.Lacking == nil {
		fc.Lacking = map[string][]string{}
	}
	fc.Lacking[field] = append(fc.Lacking[field], url)
}

// Coverage returns the counts so far, the title checks that need every
// article (site names, shared titles) included. The counter may go on
// counting; the result is a copy.
func (c *CoverageCounter) Coverage() archive.Coverage {
	out := archive.Coverage{FieldCounts: copyCounts(c.cov.FieldCounts), Columns: map[string]*archive.FieldCounts{}}
	for name, fc := range c.cov.Columns {
		cp := copyCounts(*fc)
		out.Columns[name] = &cp
	}
	overall := map[uint64]int{} // title hash → articles, over all columns
	for k, n := range c.titles {
		overall[k.h] += int(n)
	}
	shared := func(n, of int) bool { return n >= SharedTitleMin && 2*n > of }
	var suspect []titleKey
	for k, n := range c.titles {
		col := out.Columns[c.colNames[k.col]]
		if c.siteNames[k.h] || shared(int(n), col.Articles) || shared(overall[k.h], out.Articles) {
			suspect = append(suspect, k)
		}
	}
	// In a fixed order, so the examples are the same from one call to the
	// next.
	slices.SortFunc(suspect, func(a, b titleKey) int {
		if a.col != b.col {
			return int(a.col - b.col)
		}
		return cmp.Compare(a.h, b.h)
	})
	for _, k := range suspect {
		col := out.Columns[c.colNames[k.col]]
		for _, fc := range []*archive.FieldCounts{&out.FieldCounts, col} {
			fc.Suspect["title"] += int(c.titles[k])
			for _, u := range c.titleURLs[k] {
				addExample(fc, "title", u)
			}
		}
	}
	return out
}

func copyCounts(c archive.FieldCounts) archive.FieldCounts {
	out := archive.FieldCounts{Articles: c.Articles, Have: maps.Clone(c.Have), Suspect: maps.Clone(c.Suspect)}
	if len(c.Lacking) > 0 {
		out.Lacking = map[string][]string{}
		for f, us := range c.Lacking {
			out.Lacking[f] = slices.Clone(us)
		}
	}
	return out
}

// SiteName returns the name of the site a page states: its og:site_name,
// else the last part of its <title> after a separator ("标题_红星网",
// "标题 - 红星网", "标题|红星网"), else "".
func SiteName(p *extract.Page) string {
	if p == nil || p.Doc == nil {
		return ""
	}
	if n, ok := p.Doc.Find(`meta[property="og:site_name"]`).Attr("content"); ok && strings.TrimSpace(n) != "" {
		return strings.TrimSpace(n)
	}
	title := strings.TrimSpace(p.Doc.Find("head title").First().Text())
	for _, sep := range []string{" - ", " – ", " — ", "--", "_", "|", "－", "—"} {
		if i := strings.LastIndex(title, sep); i > 0 {
			if n := strings.TrimSpace(title[i+len(sep):]); n != "" && utf8.RuneCountInString(n) <= MaxSourceRunes {
				return n
			}
		}
	}
	return ""
}

// ArchiveCoverage counts the coverage of the latest version of every
// record in a.
func ArchiveCoverage(ctx context.Context, a *archive.Archive) (archive.Coverage, error) {
	c := NewCoverageCounter(nil)
	err := a.ForEach(ctx, archive.Filter{}, func(r archive.Record) error {
		c.AddRecord(r)
		return nil
	})
	if err != nil {
		return archive.Coverage{}, err
	}
	return c.Coverage(), nil
}

// Baseline sums the coverage of previous runs, newest first as
// archive.Runs returns them, until it counts HistoryArticles articles;
// runs without coverage are skipped.
func Baseline(history []archive.Run) archive.Coverage {
	b := archive.Coverage{FieldCounts: newFieldCounts(), Columns: map[string]*archive.FieldCounts{}}
	for _, r := range history {
		if b.Articles >= HistoryArticles {
			break
		}
		if r.Coverage == nil || r.Coverage.Articles == 0 {
			continue
		}
		addCounts(&b.FieldCounts, r.Coverage.FieldCounts)
		for name, fc := range r.Coverage.Columns {
			col := b.Columns[name]
			if col == nil {
				c := newFieldCounts()
				col = &c
				b.Columns[name] = col
			}
			addCounts(col, *fc)
		}
	}
	return b
}

func addCounts(dst *archive.FieldCounts, src archive.FieldCounts) {
	dst.Articles += src.Articles
	for f, n := range src.Have {
		dst.Have[f] += n
	}
	for f, n := range src.Suspect {
		dst.Suspect[f] += n
	}
}

// Drift returns the fields whose usable share (present and not suspect)
// among the run's articles fell far below the baseline's: by at least
// DriftMinDrop, with at least DriftMinArticles articles in the run and
// DriftMinHistory in the baseline. Each column is compared the same way,
// for the fields that did not drift overall, so that a redesign of one
// column's template is caught too. Fields come in CoverageFields order,
// overall first, then columns by name.
func Drift(run, baseline archive.Coverage) []archive.Drift {
	var out []archive.Drift
	overall := map[string]bool{}
	compare := func(column string, r, b *archive.FieldCounts) {
		if r == nil || b == nil || r.Articles < DriftMinArticles || b.Articles < DriftMinHistory {
			return
		}
		for _, f := range archive.CoverageFields {
			if column != "" && overall[f] {
				continue
			}
			share, base := r.Usable(f), b.Usable(f)
			if base-share < DriftMinDrop-1e-9 {
				continue
			}
			if column == "" {
				overall[f] = true
			}
			out = append(out, archive.Drift{
				Field: f, Column: column, Articles: r.Articles, Share: share,
				Baseline: base, History: b.Articles, Examples: slices.Clone(r.Lacking[f]),
			})
		}
	}
	compare("", &run.FieldCounts, &baseline.FieldCounts)
	for _, name := range slices.Sorted(maps.Keys(run.Columns)) {
		if name == "" {
			continue
		}
		compare(name, run.Columns[name], baseline.Columns[name])
	}
	return out
}

package serve

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// query is what the list page and the API filter by.
type query struct {
	Q      string    // words to search title and body for; "" lists everything
	Column string    // "" for every column
	Since  time.Time // inclusive; zero for no bound
	Until  time.Time // exclusive; zero for no bound
}

// result is the outcome of a query: the matching documents, newest first.
type result struct {
	docs  []uint32
	terms []string // folded runs of the query, for highlighting
}

// parseDate reads a date parameter: 2024-01-29, 2024-01, "2024-01-29 15:20"
// or RFC 3339; times without a zone are Beijing time.
func parseDate(name, v string, l *labels) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02 15:04", "2006-01-02T15:04", "2006-01"} {
		if t, err := time.ParseInLocation(layout, v, beijing); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf(l.ErrDateFmt, name, v)
}

// dateRange returns the positions [lo, hi) of the documents published in
// [since, until); with neither bound, every document, undated ones too.
func (s *snapshot) dateRange(since, until time.Time) (lo, hi int) {
	if since.IsZero() && until.IsZero() {
		return 0, len(s.docs)
	}
	// docs[:dated] are ordered by publication time, newest first.
	hi = s.dated
	if !since.IsZero() {
		hi = sort.Search(s.dated, func(i int) bool { return s.docs[i].rec.Published.Before(since) })
	}
	if !until.IsZero() {
		lo = sort.Search(s.dated, func(i int) bool { return s.docs[i].rec.Published.Before(until) })
	}
	return lo, max(lo, hi)
}

// maxTerms caps the words of one query.
const maxTerms = 32

// search returns the documents matching q, newest first. A document
// matches when every run of letters and digits of q.Q occurs in its title
// or body (case and full-width forms folded), it is in q.Column and was
// published in [q.Since, q.Until).
func (s *snapshot) search(q query) result {
	lo, hi := s.dateRange(q.Since, q.Until)
	col := -1
	if q.Column != "" {
		col = slices.Index(s.columns, q.Column)
		if col < 0 {
			return result{}
		}
	}
	terms := runs(foldString(q.Q))
	slices.SortFunc(terms, func(a, b string) int { return len(b) - len(a) })
	terms = slices.Compact(terms)
	if len(terms) > maxTerms {
		terms = terms[:maxTerms]
	}
	var docs []uint32
	if len(terms) == 0 {
		docs = make([]uint32, 0, hi-lo)
		for i := lo; i < hi; i++ {
			if col < 0 || int(s.docs[i].col) == col {
				docs = append(docs, uint32(i))
			}
		}
		return result{docs: docs}
	}
	var keys []uint64
	var long []string // terms the keys do not settle
	for _, t := range terms {
		keys = append(keys, queryKeys(t)...)
		if utf8.RuneCountInString(t) > 2 {
			long = append(long, t)
		}
	}
	slices.Sort(keys)
	docs = s.ix.candidates(slices.Compact(keys), uint32(lo), uint32(hi))
	if col >= 0 {
		docs = slices.DeleteFunc(docs, func(d uint32) bool { return int(s.docs[d].col) != col })
	}
	if len(long) > 0 && len(docs) > 0 {
		docs = s.verify(docs, long)
	}
	return result{docs: docs, terms: terms}
}

// verify keeps the documents whose title or body holds every folded term.
func (s *snapshot) verify(docs []uint32, terms []string) []uint32 {
	keep := make([]bool, len(docs))
	allStable := true
	for _, t := range terms {
		allStable = allStable && stable(t)
	}
	parallelChunks(len(docs), func(lo, hi int) {
		var buf []byte
		for i := lo; i < hi; i++ {
			d := docs[i]
			title := foldString(s.docs[d].rec.Title)
			buf = s.codec.decompressTo(buf[:0], s.docs[d].body)
			body := buf
			if !allStable {
				body = []byte(foldString(string(buf)))
			}
			keep[i] = true
			for _, t := range terms {
				if !strings.Contains(title, t) && !bytes.Contains(body, []byte(t)) {
					keep[i] = false
					break
				}
			}
		}
	})
	out := docs[:0]
	for i, d := range docs {
		if keep[i] {
			out = append(out, d)
		}
	}
	return out
}

// cacheSize is the number of recent results a snapshot keeps, so that
// paging through a search, its chart and its API calls search once.
const cacheSize = 32

// resultCache holds the results of recent queries of one snapshot.
type resultCache struct {
	mu     sync.Mutex
	order  []string
	res    map[string]result
	months map[string][]monthCount
}

func (q query) cacheKey() string {
	return fmt.Sprintf("%q %q %d %d %t %t", q.Q, q.Column, q.Since.UnixNano(), q.Until.UnixNano(), q.Since.IsZero(), q.Until.IsZero())
}

// cachedSearch is search with a cache of recent results.
func (s *snapshot) cachedSearch(q query) result {
	k := q.cacheKey()
	c := &s.cache
	c.mu.Lock()
	r, ok := c.res[k]
	c.mu.Unlock()
	if ok {
		return r
	}
	r = s.search(q)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.res == nil {
		c.res, c.months = map[string]result{}, map[string][]monthCount{}
	}
	if _, ok := c.res[k]; !ok {
		if len(c.order) == cacheSize {
			delete(c.res, c.order[0])
			delete(c.months, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, k)
		c.res[k] = r
	}
	return r
}

// cachedMonths returns the month counts of r, the result of q.
func (s *snapshot) cachedMonths(q query, r result) []monthCount {
	k := q.cacheKey()
	c := &s.cache
	c.mu.Lock()
	m, ok := c.months[k]
	c.mu.Unlock()
	if ok {
		return m
	}
	m = s.months(r.docs)
	c.mu.Lock()
	if _, cached := c.res[k]; cached {
		c.months[k] = m
	}
	c.mu.Unlock()
	return m
}

package serve

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// monthCount is the number of matching articles of one column in one month.
type monthCount struct {
	Month  string `json:"month"` // 2024-01, Beijing time
	Column string `json:"column"`
	Count  int    `json:"count"`
}

// months counts docs (dated ones) by month and column, months in
// increasing order and columns as in s.columns within a month.
func (s *snapshot) months(docs []uint32) []monthCount {
	type mk struct {
		month int // year*12 + month-1
		col   uint16
	}
	counts := map[mk]int{}
	for _, d := range docs {
		p := s.docs[d].rec.Published
		if p.IsZero() {
			continue
		}
		p = p.In(beijing)
		counts[mk{p.Year()*12 + int(p.Month()) - 1, s.docs[d].col}]++
	}
	out := make([]monthCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, monthCount{Month: monthName(k.month), Column: s.columns[k.col], Count: n})
	}
	colIndex := make(map[string]int, len(s.columns))
	for i, c := range s.columns {
		colIndex[c] = i
	}
	sortMonthCounts(out, colIndex)
	return out
}

func sortMonthCounts(mc []monthCount, colIndex map[string]int) {
	slices.SortFunc(mc, func(a, b monthCount) int {
		if c := strings.Compare(a.Month, b.Month); c != 0 {
			return c
		}
		return colIndex[a.Column] - colIndex[b.Column]
	})
}

func monthName(m int) string {
	return fmt.Sprintf("%04d-%02d", m/12, m%12+1)
}

// chartPalette colours the columns with the most articles; the others
// share chartOther.
var chartPalette = []string{"#b8312f", "#2c6fbb", "#d9822b", "#3d9970", "#8e44ad", "#c0a300", "#16a2b8", "#7f5539", "#e83e8c"}

const chartOther = "#9aa0a6"

// chart is an SVG bar chart of articles per month, stacked by column.
type chart struct {
	W, H    int
	Bars    []chartBar
	YTicks  []chartLabel
	XLabels []chartLabel
	Legend  []legendItem
	Total   int
	Months  int
	Base    int // y of the x axis
	Left    int // x of the y axis
	Right   int
}

type chartBar struct {
	Month string
	Href  string // the list of that month
	Title string // tooltip
	Rects []chartRect
}

type chartRect struct {
	X, Y, W, H float64
	Fill       string
	Title      string
}

type chartLabel struct {
	X, Y float64
	Text string
}

type legendItem struct {
	Name, Fill string
	Count      int
}

// newChart lays out the chart of counts, its tooltips and legend in the
// language of l; href gives the list URL for a month (first day, first day
// of the next month).
func newChart(counts []monthCount, columns []string, l *labels, href func(since, until string) string) *chart {
	c := &chart{W: 960, H: 220, Left: 44, Right: 952, Base: 190}
	if len(counts) == 0 {
		return c
	}
	first, last := parseMonth(counts[0].Month), parseMonth(counts[len(counts)-1].Month)
	n := last - first + 1
	c.Months = n
	colour := map[string]string{}
	for i, name := range columns {
		if i < len(chartPalette) {
			colour[name] = chartPalette[i]
		} else {
			colour[name] = chartOther
		}
	}
	perMonth := make([][]monthCount, n)
	totals := make([]int, n)
	legend := map[string]int{}
	for _, mc := range counts {
		i := parseMonth(mc.Month) - first
		perMonth[i] = append(perMonth[i], mc)
		totals[i] += mc.Count
		legend[mc.Column] += mc.Count
		c.Total += mc.Count
	}
	peak := 1
	for _, t := range totals {
		peak = max(peak, t)
	}
	top := niceCeil(peak)
	plotH := float64(c.Base - 14)
	slot := float64(c.Right-c.Left) / float64(n)
	barW := min(max(slot*0.8, 1), 24)
	for i := range n {
		x := float64(c.Left) + float64(i)*slot + (slot-barW)/2
		m := monthName(first + i)
		next := monthName(first + i + 1)
		bar := chartBar{Month: m, Href: href(m+"-01", next+"-01"), Title: fmt.Sprintf(l.ChartBarFmt, m, totals[i])}
		y := float64(c.Base)
		for _, mc := range perMonth[i] {
			h := float64(mc.Count) / float64(top) * plotH
			y -= h
			bar.Rects = append(bar.Rects, chartRect{X: x, Y: y, W: barW, H: h, Fill: colour[mc.Column],
				Title: fmt.Sprintf(l.ChartRectFmt, m, l.ColumnName(mc.Column), mc.Count)})
		}
		c.Bars = append(c.Bars, bar)
		if mon := (first + i) % 12; mon == 0 || i == 0 {
			if mon == 0 || n < 12 || (12-mon) > 3 {
				c.XLabels = append(c.XLabels, chartLabel{X: x, Y: float64(c.Base + 16), Text: monthLabel(first+i, n)})
			}
		}
	}
	ticks := []int{0, top}
	if top%2 == 0 {
		ticks = []int{0, top / 2, top}
	}
	for _, v := range ticks {
		c.YTicks = append(c.YTicks, chartLabel{X: float64(c.Left - 6), Y: float64(c.Base) - float64(v)/float64(top)*plotH, Text: strconv.Itoa(v)})
	}
	other := 0
	for i, name := range columns {
		if legend[name] == 0 {
			continue
		}
		if i < len(chartPalette) {
			c.Legend = append(c.Legend, legendItem{Name: l.ColumnName(name), Fill: colour[name], Count: legend[name]})
		} else {
			other += legend[name]
		}
	}
	if other > 0 {
		c.Legend = append(c.Legend, legendItem{Name: l.OtherColumn, Fill: chartOther, Count: other})
	}
	return c
}

// monthLabel labels month m on an axis of n months: the year, or the
// month too on short spans.
func monthLabel(m, n int) string {
	if n <= 24 {
		return monthName(m)
	}
	return strconv.Itoa(m / 12)
}

func parseMonth(s string) int {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return 0
	}
	return t.Year()*12 + int(t.Month()) - 1
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten.
func niceCeil(n int) int {
	for p := 1; ; p *= 10 {
		for _, f := range []int{1, 2, 5} {
			if f*p >= n {
				return f * p
			}
		}
	}
}

// segment is a piece of text, highlighted when it matched the query.
type segment struct {
	Text string
	Hit  bool
}

// highlight cuts text into segments, marking every occurrence of the
// folded terms. With window > 0 it keeps only about window runes around
// the first occurrence (or the start of text), with "…" where cut.
func highlight(text string, terms []string, window int) []segment {
	orig := []rune(text)
	folded := make([]rune, len(orig))
	for i, r := range orig {
		folded[i] = fold(r)
	}
	hit := make([]bool, len(orig))
	first := -1
	for _, t := range terms {
		tr := []rune(t)
		if len(tr) == 0 {
			continue
		}
		for i := 0; i+len(tr) <= len(folded); i++ {
			if folded[i] == tr[0] && runesEqual(folded[i:i+len(tr)], tr) {
				for j := i; j < i+len(tr); j++ {
					hit[j] = true
				}
				if first < 0 || i < first {
					first = i
				}
			}
		}
	}
	lo, hi := 0, len(orig)
	if window > 0 && len(orig) > window {
		lo = max(first-window/4, 0)
		hi = min(lo+window, len(orig))
		lo = max(hi-window, 0)
	}
	var segs []segment
	if lo > 0 {
		segs = append(segs, segment{Text: "…"})
	}
	for i := lo; i < hi; {
		j := i
		for j < hi && hit[j] == hit[i] {
			j++
		}
		segs = append(segs, segment{Text: string(orig[i:j]), Hit: hit[i]})
		i = j
	}
	if hi < len(orig) {
		segs = append(segs, segment{Text: "…"})
	}
	return segs
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// snippet returns the part of document d's body to show in a list: around
// the first match of terms, or its beginning.
func (s *snapshot) snippet(d uint32, terms []string) []segment {
	body := s.body(d)
	// Only the start of a long body is needed when nothing matches early.
	if len(terms) == 0 && len(body) > 1024 {
		body = body[:1024]
		for !utf8.ValidString(body) {
			body = body[:len(body)-1]
		}
	}
	return highlight(strings.ReplaceAll(body, "\n", " "), terms, 120)
}

// pageOf returns page p (from 1) of size n of docs.
func pageOf(docs []uint32, p, n int) []uint32 {
	start := (p - 1) * n
	if start < 0 || start >= len(docs) {
		return nil
	}
	return docs[start:min(start+n, len(docs))]
}

package extract

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// precision is how much of a date a source states.
type precision int

const (
	precNone   precision = iota
	precMonth            // year and month (a URL like /202401/)
	precDay              // a calendar day
	precMinute           // day, hour and minute
	precSecond           // to the second
)

func (p precision) String() string {
	return [...]string{"none", "month", "day", "minute", "second"}[p]
}

var (
	// dateRe matches a calendar day with an optional time: 2024-01-29,
	// 2024/1/29, 2024.01.29, 2024年1月29日 15:20, 2024-01-29T15:20:33+08:00.
	dateRe = regexp.MustCompile(`((?:19|20)\d{2})\s*([-/.年])\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\s*[日号號])?` +
		`(?:(?:\s|T|,|，)*(?:(?:星期|周|週|礼拜|禮拜)[一二三四五六日天])?(?:\s|,|，)*(?:(上午|下午|晚上|凌晨|AM|PM|am|pm)\s*)?` +
		`(\d{1,2})\s*(?::|时|時|点|點)\s*(\d{1,2})(?:\s*(?::|分)\s*(\d{1,2})(?:\.\d+)?)?(?:\s*分)?(?:\s*秒)?` +
		`(?:\s*(Z|[+-]\d{2}:?\d{2}))?(?:\s*([AaPp][Mm])\b)?)?`)
	// cnDateRe matches a date written in Chinese numerals: 二〇二四年一月二十九日.
	cnDateRe = regexp.MustCompile(`([〇零○O一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*[日号]`)
)

// ParseDate returns the first date in s, in loc when s names no zone, and
// reports whether one was found. It understands 2024-01-29 15:20,
// 2024-01-29 15:20:33, 2024年01月29日 15:20, 2024年1月29日, 2024/1/29,
// 2024.01.29, ISO 8601 with a zone, full-width digits and dates in
// Chinese numerals. Times are kept to the second when the text gives
// seconds.
func ParseDate(s string, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = defaultLocation()
	}
	t, p := parseDate(s, loc)
	return t, p != precNone
}

// parseDate is ParseDate, also telling how precise the date is.
func parseDate(s string, loc *time.Location) (time.Time, precision) {
	if s == "" {
		return time.Time{}, precNone
	}
	if len(s) > 4096 {
		s = s[:4096]
	}
	if !mayHoldDate(s) {
		return time.Time{}, precNone
	}
	if strings.Contains(s, "\xef\xbc") || strings.Contains(s, "\xef\xbd") || strings.Contains(s, "\u3000") {
		// Full-width digits, colons or spaces (U+FF00–U+FF7F, U+3000).
		s = width.Narrow.String(s)
	}
	if strings.Contains(s, "\u00a0") {
		s = strings.ReplaceAll(s, "\u00a0", " ")
	}
	for _, m := range dateRe.FindAllStringSubmatchIndex(s, -1) {
		// Reject digits glued to the match (phone numbers, IDs).
		if m[0] > 0 && isDigit(s[m[0]-1]) {
			continue
		}
		if m[1] < len(s) && isDigit(s[m[1]]) {
			continue
		}
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return s[m[2*i]:m[2*i+1]]
		}
		y, mo, d := atoi(g(1)), atoi(g(3)), atoi(g(4))
		if !validDay(y, mo, d) {
			continue
		}
		if g(6) == "" {
			return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc), precDay
		}
		h, mi := atoi(g(6)), atoi(g(7))
		marker := g(5)
		if marker == "" {
			marker = g(10)
		}
		switch marker {
		case "下午", "晚上", "PM", "pm", "Pm", "pM":
			if h < 12 {
				h += 12
			}
		case "AM", "am", "Am", "aM", "凌晨", "上午":
			if h == 12 {
				h = 0
			}
		}
		if h > 23 || mi > 59 {
			return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc), precDay
		}
		zone := loc
		if z := g(9); z != "" {
			zone = parseZone(z, loc)
		}
		sec, p := 0, precMinute
		if g(8) != "" {
			if v := atoi(g(8)); v < 60 {
				sec, p = v, precSecond
			}
		}
		t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, zone).In(loc)
		return t, p
	}
	if m := cnDateRe.FindStringSubmatch(s); m != nil {
		y := 0
		for _, r := range m[1] {
			y = y*10 + cnDigit(r)
		}
		mo, d := cnNumber(m[2]), cnNumber(m[3])
		if y >= 1900 && validDay(y, mo, d) {
			return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc), precDay
		}
	}
	return time.Time{}, precNone
}

// mayHoldDate reports whether s can hold a date dateRe or cnDateRe
// matches: a year 19xx or 20xx in ASCII or full-width digits, or 年.
func mayHoldDate(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if (s[i] == '1' && s[i+1] == '9' || s[i] == '2' && s[i+1] == '0') && i+3 < len(s) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			return true
		}
	}
	return strings.Contains(s, "年") || strings.Contains(s, "\uff11\uff19") || strings.Contains(s, "\uff12\uff10")
}

// parseZone turns Z, +08:00 or +0800 into a location.
func parseZone(z string, loc *time.Location) *time.Location {
	if z == "Z" {
		return time.UTC
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	z = strings.ReplaceAll(z[1:], ":", "")
	if len(z) != 4 {
		return loc
	}
	off := sign * (atoi(z[:2])*3600 + atoi(z[2:])*60)
	if off == 8*3600 {
		return loc
	}
	return time.FixedZone("", off)
}

// cnDigit converts one Chinese numeral digit (〇 … 九) to an int.
func cnDigit(r rune) int {
	switch r {
	case '〇', '零', '○', 'O':
		return 0
	}
	if i := strings.IndexRune("一二三四五六七八九", r); i >= 0 {
		return i/len("一") + 1
	}
	return 0
}

// cnNumber converts 一 … 三十一 to an int.
func cnNumber(s string) int {
	rs := []rune(s)
	n := 0
	switch {
	case len(rs) == 1 && rs[0] == '十':
		n = 10
	case len(rs) == 1:
		n = cnDigit(rs[0])
	case len(rs) == 2 && rs[0] == '十':
		n = 10 + cnDigit(rs[1])
	case len(rs) == 2 && rs[1] == '十':
		n = cnDigit(rs[0]) * 10
	case len(rs) == 3 && rs[1] == '十':
		n = cnDigit(rs[0])*10 + cnDigit(rs[2])
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// validDay reports whether y-m-d is a real calendar day in a plausible
// range for web pages.
func validDay(y, m, d int) bool {
	if y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

var (
	urlDayRe   = regexp.MustCompile(`(?:^|[/_=-])t?((?:19|20)\d{2})[-/_]?(\d{2})[-/_]?(\d{2})(?:[/_.-]|$)`)
	urlDay2Re  = regexp.MustCompile(`/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/`)
	urlMonthRe = regexp.MustCompile(`/((?:19|20)\d{2})-?(\d{2})/`)
)

// urlDate finds a date in a URL path: /2024/01/29/, /2024/1/29/,
// t20240129_123456.html, /20240129/, or only a month: /202401/.
func urlDate(u string, loc *time.Location) (time.Time, precision) {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			u = u[i+3+j:]
		} else {
			return time.Time{}, precNone
		}
	}
	for _, re := range []*regexp.Regexp{urlDayRe, urlDay2Re} {
		for _, m := range re.FindAllStringSubmatch(u, -1) {
			y, mo, d := atoi(m[1]), atoi(m[2]), atoi(m[3])
			if validDay(y, mo, d) {
				return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc), precDay
			}
		}
	}
	for _, m := range urlMonthRe.FindAllStringSubmatch(u, -1) {
		y, mo := atoi(m[1]), atoi(m[2])
		if validDay(y, mo, 1) {
			return time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, loc), precMonth
		}
	}
	return time.Time{}, precNone
}

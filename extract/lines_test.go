package extract

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The line tests of lines.go replace regular expressions for speed; these
// are the expressions they stand for, to check them against.
var (
	refFooterRe = regexp.MustCompile(`ICP\s*[备證证]|您是第\s*\d*\s*位|访问量[:：]|訪問量[:：]|主[办辦][:：]|承[办辦][:：]`)
	refWidgetRe = regexp.MustCompile(`[【\[]\s*(?:打印|关闭|關閉|收藏|返回|顶部|纠错|字体)|大\s+中\s+小|^评论\s*[(（]?\d*[)）]?$|已输入\d+字|^点赞\s*\d*$|^在看$|^(?:阅读|閱讀)\s*\d+$|^收藏$|^举报$|^投诉$`)
	refPagerRe  = regexp.MustCompile(`^(?:[\d\s.·…/]|上一页|下一页|上页|下页|首页|尾页|末页|前页|后页|上一頁|下一頁|首頁|尾頁|末頁|共\s*\d+\s*[页頁条]|第\s*\d+\s*[页頁]|当前第|\[\s*\d+\s*\]|跳转|跳轉|转到|轉到|(?i:go)|»|«|<|>|‹|›|[【】\[\]])+$`)
	refCrumbRe  = regexp.MustCompile(`^(首页|首頁|网站首页|主页|Home)\s*[-—>»/]|当前位置|您的位置|[>»]\s*\S+\s*[>»]`)
	refSepRe    = regexp.MustCompile(`\s*(?:>>|-->|=>|->|»|›|＞|→|>|/|\\|\s-\s|::)\s*`)
)

// checkLineTests compares each line test with its regular expression.
func checkLineTests(t *testing.T, s string) {
	t.Helper()
	if got, want := footerMark(s), refFooterRe.MatchString(s); got != want {
		t.Errorf("footerMark(%q) = %v, want %v", s, got, want)
	}
	if got, want := widgetLine(s), refWidgetRe.MatchString(s); got != want {
		t.Errorf("widgetLine(%q) = %v, want %v", s, got, want)
	}
	if got, want := pagerLine(s), refPagerRe.MatchString(s); got != want {
		t.Errorf("pagerLine(%q) = %v, want %v", s, got, want)
	}
	if got, want := crumbLike(s), refCrumbRe.MatchString(s); got != want {
		t.Errorf("crumbLike(%q) = %v, want %v", s, got, want)
	}
	if got, want := crumbSep(s), refSepRe.MatchString(s); got != want {
		t.Errorf("crumbSep(%q) = %v, want %v", s, got, want)
	}
}

var lineSeeds = []string{
	"湘ICP备12345678号", "ICP 证 000", "您是第 1234 位访客", "您是第位", "访问量：99", "主办：中共湖南省委组织部", "承辦:某某",
	"【打印】", "[ 关闭 ]", "【字体：大 中 小】", "大 中 小", "大中小", "评论(3)", "评论（12）", "评论", "评论)", "评论 (", "点赞 12",
	"阅读 345", "阅读", "閱讀3", "在看", "收藏", "已输入0字", "已输入字",
	"1 2 3 4 下一页 尾页", "共 12 页", "共12条", "第 3 页", "当前第1页 GO", "[1] [2] [3]", "« 1 2 »", "go", "gone", "共页", "第页",
	"上一页", "…", "2024-01-29", "12", "", " ",
	"首页 > 新闻中心 > 正文", "Home / News", "当前位置：首页", "a > b > c", ">>", ">>>", "> a b >", "»x»", "首页", "Home",
	"a - b", "a-b", "a::b", "a/b", "→", "＞",
}

func TestLineTests(t *testing.T) {
	for _, s := range lineSeeds {
		checkLineTests(t, s)
	}
	// Every segment of the real pages.
	files, _ := filepath.Glob(filepath.Join(cnNewsDir, "*.html.gz"))
	for _, f := range files {
		p, err := Parse(readGz(t, f), "", "http://news.example.cn/a.html")
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.analysis().segs {
			checkLineTests(t, s.text)
		}
	}
}

// FuzzLineTests checks the line tests against their regular expressions.
func FuzzLineTests(f *testing.F) {
	for _, s := range lineSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkLineTests(t, s) })
}

var refPagerNumRe = regexp.MustCompile(`^[\[【(（]?\s*(?:第\s*)?(\d{1,4})\s*(?:页|頁)?\s*[\]】)）]?$`)

func TestPagerNumber(t *testing.T) {
	for _, s := range []string{"3", "[3]", "【12】", "(3)", "（3）", "第3页", "[ 第 3 頁 ]", "12345", "3页页", "第页", "a3", "3a", "[3", "3]", "", " 3 ", "[3]]"} {
		n, ok := pagerNumber(s)
		m := refPagerNumRe.FindStringSubmatch(s)
		if ok != (m != nil) || ok && strconv.Itoa(n) != strings.TrimLeft(m[1], "0") && !(n == 0 && strings.Trim(m[1], "0") == "") {
			t.Errorf("pagerNumber(%q) = %d, %v; want %v", s, n, ok, m)
		}
	}
}

// FuzzNormText checks that the one-pass normText agrees with normalize
// and nonSpace.
func FuzzNormText(f *testing.F) {
	for _, s := range []string{"", " a  b ", "中\n文", "a\u3000b", "x\u200by", "\t\tz", "2024年\n1月", "a \n b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, n, _ := normText(s)
		if text != normalize(s) || n != nonSpace(normalize(s)) {
			t.Errorf("normText(%q) = %q, %d; want %q, %d", s, text, n, normalize(s), nonSpace(normalize(s)))
		}
	})
}

var refShortDateRe = regexp.MustCompile(`(?:^|[^\d])(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:日|[^\d]|$)`)

// FuzzShortDate checks shortDate against its regular expression.
func FuzzShortDate(f *testing.F) {
	for _, s := range []string{"01-29", "1月29日", "2024-01-29", "123-4", "1 / 2", "12.345", "a1.2b", "15.30 3-4", "1-2-3", "9月"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mo, d, ok := shortDate(s)
		m := refShortDateRe.FindStringSubmatch(s)
		if ok != (m != nil) || ok && (mo != atoi(m[1]) || d != atoi(m[2])) {
			t.Errorf("shortDate(%q) = %d, %d, %v; want %q", s, mo, d, ok, m)
		}
	})
}

package reskin

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

const testPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>娄底市：外派竞学为干部提能发展提质 - 红星网</title>
<meta name="PubDate" content="2024-01-29 15:20">
<meta property="og:title" content="娄底市：外派竞学为干部提能发展提质">
</head><body>
<div class="nav"><a href="/">首页</a></div>
<div class="article">
<h1>娄底市：外派竞学为干部提能发展提质</h1>
<div class="info"><span>文章来源：红星云</span> <span>时间：2024-01-29</span></div>
<div class="article-content">
<p>2023年，娄底市委分批选派优秀年轻干部到杭州沉浸式竞学。在学习中解放思想、开阔视野。</p>
<p><strong>瞄准重点领域精准选派</strong></p>
<p style="text-align:center"><img src="/a.jpg"></p>
<p>市委选派干部到杭州学习，目的就是推动关键岗位更好领悟实践伟力。</p>
</div>
</div>
<div class="footer"><p>主办单位：中共湖南省委组织部</p></div>
</body></html>`

var testTruth = Truth{
	Title:     "娄底市：外派竞学为干部提能发展提质",
	Source:    "红星云",
	Published: time.Date(2024, 1, 29, 15, 20, 0, 0, time.FixedZone("CST", 8*3600)),
	Body:      "2023年，娄底市委分批选派优秀年轻干部到杭州沉浸式竞学。在学习中解放思想、开阔视野。\n瞄准重点领域精准选派\n市委选派干部到杭州学习，目的就是推动关键岗位更好领悟实践伟力。",
}

// visible returns the squeezed readable text of page's body.
func visible(t *testing.T, page []byte) string {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return squeeze(textOf(find(doc, "body")))
}

// TestMutateKeepsArticle checks that every op, alone and together, keeps
// the title, the source and every body line visible, in order, and that a
// seed names one variant.
func TestMutateKeepsArticle(t *testing.T) {
	for _, ops := range append(append([]Op{}, Ops...), All) {
		for seed := range uint64(20) {
			out, truth, err := Mutate([]byte(testPage), testTruth, ops, seed)
			if err != nil {
				t.Fatalf("%s seed %d: %v", ops, seed, err)
			}
			again, _, _ := Mutate([]byte(testPage), testTruth, ops, seed)
			if !bytes.Equal(out, again) {
				t.Fatalf("%s seed %d: two runs differ", ops, seed)
			}
			v := visible(t, out)
			at := strings.Index(v, squeeze(truth.Title))
			if at < 0 {
				t.Fatalf("%s seed %d: title not shown:\n%s", ops, seed, out)
			}
			if !strings.Contains(v, truth.Source) {
				t.Errorf("%s seed %d: source not shown", ops, seed)
			}
			for _, line := range strings.Split(truth.Body, "\n") {
				i := strings.Index(v[at:], squeeze(line))
				if i < 0 {
					t.Fatalf("%s seed %d: body line %q not shown in order:\n%s", ops, seed, line, out)
				}
				at += i
			}
		}
	}
}

// TestMutatePublished checks the truth's publication time against what the
// page prints: the day printed with no meta tag for it gives 00:00, the
// PubDate tag gives the minute, printed seconds count.
func TestMutatePublished(t *testing.T) {
	_, truth, err := Mutate([]byte(testPage), testTruth, Names, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !truth.Published.Equal(testTruth.Published) {
		t.Errorf("PubDate kept: published %v, want %v", truth.Published, testTruth.Published)
	}
	seen := map[string]bool{}
	for seed := range uint64(40) {
		out, truth, err := Mutate([]byte(testPage), testTruth, MetaTags|Dates, seed)
		if err != nil {
			t.Fatal(err)
		}
		p := truth.Published
		switch {
		case p.Hour() == 0 && p.Minute() == 0:
			seen["day"] = true
		case p.Second() != 0:
			seen["second"] = true
		default:
			seen["minute"] = true
		}
		if d := p.Format("2006"); !bytes.Contains(out, []byte(d)) {
			t.Errorf("seed %d: year %s not printed", seed, d)
		}
	}
	for _, k := range []string{"day", "minute", "second"} {
		if !seen[k] {
			t.Errorf("no variant published to the %s", k)
		}
	}
}

func TestMutateNotFound(t *testing.T) {
	tr := testTruth
	tr.Title = "别的标题"
	if _, _, err := Mutate([]byte(testPage), tr, All, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

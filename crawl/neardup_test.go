package crawl

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A site that cross-posts an article in a second column, whose template
// leaves out the source, the minute and a paragraph, and re-posts it with
// a figure corrected: the crawl archives the copy as an alias and the
// re-post as a near-duplicate of the article.
func TestCrawlFoldsNoisyCopies(t *testing.T) {
	const (
		title  = "娄底市：外派竞学为干部提能发展提质"
		orig   = "/c/2024/01/29/1001.html"
		mirror = "/col/ganbu/202401/t20240129_1001.html"
		repost = "/c/2024/01/29/1002.html"
	)
	paras := []string{
		"近日，娄底市委组织部选派32名年轻干部赴长沙、株洲等地跟班学习，为期三个月，这是该市连续第三年开展外派竞学活动。",
		"此次外派竞学聚焦产业发展、招商引资、城市建设等重点领域，采取一对一结对方式，让干部在实践中增长才干、在比较中找准差距。",
		"据介绍，自2021年以来，全市已累计选派干部586人次，推动落地项目43个，带回可复制可推广的经验做法一百余条。",
		"参训干部普遍反映，跟班学习开阔了视野、更新了观念，回到岗位后能够把学到的方法用到推动工作落实上来。",
		"下一步，娄底市将持续完善干部培养机制，健全跟踪管理和考核评价办法，为高质量发展提供坚强组织保障。",
	}
	page := func(info string, ps []string) string {
		return `<html><head><meta charset="utf-8"><title>` + title + `</title></head><body><h1>` + title +
			`</h1><div class="info">` + info + `</div><div class="content"><p>` + strings.Join(ps, "</p><p>") +
			`</p></div></body></html>`
	}
	var noisy []string
	for i, p := range paras {
		if i != 3 {
			noisy = append(noisy, strings.ReplaceAll(p, "，", ", "))
		}
	}
	corrected := append([]string(nil), paras...)
	corrected[2] = strings.Replace(corrected[2], "586人次", "568人次", 1)
	corrected = append(corrected, "（更正：原稿中累计选派人次有误，现已更正。）")

	mux := http.NewServeMux()
	mux.Handle("/{$}", htmlPage(`<html><body><a href="`+orig+`">一</a> <a href="`+mirror+`">二</a> <a href="`+repost+`">三</a></body></html>`))
	mux.Handle(orig, htmlPage(page("来源：娄底日报 时间：2024-01-29 15:20", paras)))
	mux.Handle(mirror, htmlPage(page("发布日期：2024-01-29", noisy)))
	mux.Handle(repost, htmlPage(page("来源：娄底日报 时间：2024-01-29 18:05", corrected)))
	site := httptest.NewServer(mux)
	defer site.Close()

	a := openTestArchive(t)
	res, err := Run(context.Background(), a, localOptions(site.URL))
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 2 || res.Aliased != 1 || len(res.Failures) > 0 {
		t.Fatalf("added %d, aliased %d, failures %v; want 2 added (the article and its re-post) and the copy aliased", res.Added, res.Aliased, res.Failures)
	}
	o, err1 := a.Lookup(site.URL + orig)
	m, err2 := a.Lookup(site.URL + mirror)
	r, err3 := a.Lookup(site.URL + repost)
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if o.ID != m.ID {
		t.Errorf("the copy is record %s, the article %s", m.ID, o.ID)
	}
	if o.Source != "娄底日报" || !strings.Contains(o.Body, "参训干部") || o.Published.Minute() != 20 {
		t.Errorf("the record lost the fuller extraction: source %q, published %v, body %q", o.Source, o.Published, o.Body)
	}
	// Which of the two came first depends on the order of fetches.
	if !(r.DuplicateOf == o.ID && o.DuplicateOf == "" || o.DuplicateOf == r.ID && r.DuplicateOf == "") {
		t.Errorf("article %s duplicate_of %q, re-post %s duplicate_of %q; want the later to name the earlier", o.ID, o.DuplicateOf, r.ID, r.DuplicateOf)
	}
}

package serve

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestLabelTables checks that both tables fill every label.
func TestLabelTables(t *testing.T) {
	for _, l := range languages {
		v := reflect.ValueOf(l).Elem()
		for i := range v.NumField() {
			if v.Field(i).String() == "" {
				t.Errorf("%s: label %s is empty", l.Param, v.Type().Field(i).Name)
			}
		}
	}
}

// TestLanguages checks that the pages are in Chinese unless the browser
// prefers English or ?lang= asks for it, and that links keep ?lang=.
func TestLanguages(t *testing.T) {
	_, ts := newTestServer(t, testArchive(t), Options{PageSize: 2})
	english := []string{">Source<", ">Published<", "Back to the list", "Other URLs with this article", "All columns",
		"Search titles", ">Search<", "articles ·", "articles, newest", "Page 1 of", "Older →", ">Reload<", "Versions", "Articles per month", "no date"}
	chinese := map[string][]string{
		"/":                       {"共 4 篇文章，按发布时间从新到旧", "全部栏目", "搜索标题和正文", ">搜索<", "第 1 页，共 2 页", "较旧 →", "每月文章数", ">重新载入<", "4 篇文章 · 5 个版本 · 1 个别名网址", `href="/?lang=en"`},
		"/?page=2":                {"2 个版本", "另见于 1 个网址", "无日期", "← 较新"},
		"/article/0000000001":     {">来源<", ">发布时间<", ">栏目<", ">原文链接<", ">存档副本<", "← 返回列表", ">图片<", ">附件<", ">版本<", "收录同一文章的其他网址", "2（当前显示）"},
		"/article/0000000001?v=1": {"这是第 1 版（共 2 版）", "查看最新版本"},
		"/article/0000000004":     {"无：这篇文章只在一个网址出现过。"},
		"/?since=soon":            {`since=&#34;soon&#34;：日期的写法应为`},
		"/?page=9":                {"没有第 9 页：一共只有 2 页"},
		"/article/0000000099":     {"存档中没有编号为 &#34;0000000099&#34; 的文章"},
		"/nope":                   {"没有这个页面"},
	}
	for path, want := range chinese {
		for _, accept := range []string{"", "zh-CN,zh;q=0.9,en;q=0.8", "fr-FR", "en-US,en;q=0.9"} {
			query := ""
			if strings.HasPrefix(accept, "en") {
				query = "lang=zh" // chooses over the browser's preference
			}
			p := path
			if query != "" {
				p = withLang(path, "zh")
			}
			_, _, body := getIn(t, ts, p, accept)
			if !strings.Contains(body, `<html lang="zh-CN">`) {
				t.Errorf("%s (Accept-Language %q): not lang=zh-CN", p, accept)
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("%s (Accept-Language %q): lacks %q", p, accept, w)
				}
			}
			for _, e := range english {
				if strings.Contains(body, e) {
					t.Errorf("%s (Accept-Language %q): English %q on a Chinese page", p, accept, e)
				}
			}
			if strings.Contains(body, "%!") {
				t.Errorf("%s: a label's format is wrong: %s", p, body)
			}
		}
	}

	// English: asked by the browser, or by ?lang=en.
	for _, c := range []struct{ path, accept string }{{"/article/0000000001", "en-GB,en;q=0.9,zh;q=0.5"}, {"/article/0000000001?lang=en", "zh-CN"}} {
		_, _, body := getIn(t, ts, c.path, c.accept)
		for _, w := range []string{`<html lang="en">`, ">Source<", ">Published<", ">Column<", ">Original<", "Back to the list", "Other URLs with this article"} {
			if !strings.Contains(body, w) {
				t.Errorf("%s (Accept-Language %q): lacks %q", c.path, c.accept, w)
			}
		}
		if strings.Contains(body, ">来源<") {
			t.Errorf("%s (Accept-Language %q): Chinese labels on an English page", c.path, c.accept)
		}
	}

	// ?lang= is kept by every link to the pages, the form and the reload.
	_, _, list := getIn(t, ts, "/?lang=en&q="+"%E5%B8%82", "zh-CN")
	for _, w := range []string{`<html lang="en">`, `<input type="hidden" name="lang" value="en">`, `action="/reload?lang=en"`,
		`href="/?lang=en"`, `href="/article/0000000002?lang=en&amp;q=%E5%B8%82"`, `href="/?lang=en&amp;q=%E5%B8%82&amp;since=2024-03-01&amp;until=2024-04-01"`,
		`href="/?lang=zh&amp;q=%E5%B8%82"`, "2 articles matching “市”"} {
		if !strings.Contains(list, w) {
			t.Errorf("list with ?lang=en lacks %s", w)
		}
	}
	_, _, paged := getIn(t, ts, "/?lang=en", "")
	if !strings.Contains(paged, `href="/?lang=en&amp;page=2"`) {
		t.Errorf("the pager drops ?lang=en")
	}
	_, _, art := getIn(t, ts, "/article/0000000001?lang=en&v=1", "")
	for _, w := range []string{`href="/?lang=en"`, `href="/article/0000000001?lang=en"`, `href="/?column=%E5%B9%B2%E9%83%A8%E5%B7%A5%E4%BD%9C&amp;lang=en"`, `href="/article/0000000001/stored?lang=en&amp;page=1&amp;v=1"`} {
		if !strings.Contains(art, w) {
			t.Errorf("article with ?lang=en lacks %s", w)
		}
	}

	// The API speaks English whatever the page language.
	_, _, api := getIn(t, ts, "/api/articles?since=soon&lang=zh", "zh-CN")
	var e map[string]string
	if err := json.Unmarshal([]byte(api), &e); err != nil || !strings.Contains(e["error"], "expected a date") {
		t.Errorf("API error %q, %v", api, err)
	}
}

// TestLoading checks that a server that has not loaded yet answers every
// page with 503 and a note, in the reader's language, then serves.
func TestLoading(t *testing.T) {
	path := testArchive(t)
	s, err := New(Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	ts := newHTTPServer(t, s)
	for _, c := range []struct{ path, accept, want string }{
		{"/", "", "正在载入存档"},
		{"/article/0000000001", "", "正在载入存档"},
		{"/?lang=en", "", "Loading the archive"},
		{"/", "en", "Loading the archive"},
		{"/api/articles", "", `"error":"the archive is still loading`},
	} {
		status, h, body := getIn(t, ts, c.path, c.accept)
		if status != 503 || h.Get("Retry-After") == "" || !strings.Contains(body, c.want) {
			t.Errorf("%s while loading: %d, Retry-After %q, %s", c.path, status, h.Get("Retry-After"), body)
		}
		if !strings.HasPrefix(c.path, "/api/") && !strings.Contains(body, `<meta http-equiv="refresh"`) {
			t.Errorf("%s: the loading page does not refresh itself", c.path)
		}
	}
	if status, _, _ := get(t, ts, "/static/style.css"); status != 200 {
		t.Errorf("style sheet while loading: %d", status)
	}
	if err := s.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status, _, body := get(t, ts, "/"); status != 200 || !strings.Contains(body, "共 4 篇文章") {
		t.Errorf("after loading: %d", status)
	}
}

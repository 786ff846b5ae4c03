package serve

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// labels are the words of the pages in one language. Every label of the
// web pages is here, one table per language (zhLabels, enLabels), so a
// translation is complete when its table is; the JSON API speaks English
// whatever the language of the pages. Fields ending in Fmt are
// fmt.Sprintf formats; their verbs are noted where they differ from %s.
type labels struct {
	Tag    string // the page's lang attribute
	Param  string // the value of ?lang= that chooses it
	Name   string // the language's own name, for the switch
	Switch string // the other language's name, in it, for the link to it

	Site        string // after the page title, and in the header
	StatsFmt    string // articles, versions, aliases (formatted numbers), time loaded
	Reload      string
	ReloadTitle string
	ReloadFmt   string // the last reload's error
	ViewOf      string // before the archive path in the footer
	FooterNote  string // after it, from its punctuation on

	SearchPlaceholder, SearchWords string
	Column, AllColumns             string
	From, Before                   string
	Search, Clear                  string

	ChartTitle, ChartInFmt                 string
	ChartCaption, ChartCaptionSearch       string
	ChartBarFmt, ChartRectFmt, OtherColumn string // bar: month, count; rect: month, column, count
	NoColumn                               string

	CountOneFmt, CountFmt           string // count
	CountMatchOneFmt, CountMatchFmt string // count, query
	NewestFirst                     string
	VersionsFmt                     string // %d versions
	AlsoAtOneFmt, AlsoAtFmt         string // %d other URLs
	Newer, Older, PageFmt           string // PageFmt: page, pages

	BackToList                             string
	OldVersionFmt                          string // %d version, %d latest, time fetched
	SeeLatest                              string
	DuplicateOf                            string
	Source, Published, Author, Editor      string
	Original, ArchivedCopy                 string
	NoBody                                 string
	Images, Attachments                    string
	FromOriginal                           string
	Versions, Version, Fetched, Title      string
	ContentHash, Shown                     string
	OtherURLs, NoOtherURLs                 string
	Record, ID, AsJSON                     string
	NoDate, Unknown                        string
	LoadingTitle, LoadingFmt, LoadingRetry string // LoadingFmt: archive path

	ErrNoPage, ErrNoArticleFmt, ErrBadVersionFmt, ErrNoVersionFmt string // %q ID; %q v; ID, %d v, %d latest
	ErrPastEndFmt, ErrQueryLongFmt, ErrDateFmt                    string // %d page, %d pages; %d limit; name, %q value
	ErrPageFmt, ErrPerPageFmt                                     string // %q value; %q value, %d max
	ErrLocked, ErrReloading, ErrReloadFmt                         string
	ErrStoredLocked, ErrNotFileFmt                                string // ErrNotFileFmt: %q URL, ID
}

// zhLabels are the pages in Chinese, the default: the archive's readers
// are Chinese-speaking.
var zhLabels = &labels{
	Tag: "zh-CN", Param: "zh", Name: "中文", Switch: "English",

	Site:        "红星网存档",
	StatsFmt:    "%s 篇文章 · %s 个版本 · %s 个别名网址 · 载入于 %s",
	Reload:      "重新载入",
	ReloadTitle: "重新读取存档文件",
	ReloadFmt:   "上次重新载入失败：%s",
	ViewOf:      "只读浏览",
	FooterNote:  "。文字按存档原样显示；存档中没有的图片和附件链接到原网站。",

	SearchPlaceholder: "搜索标题和正文，例如 乡村振兴",
	SearchWords:       "搜索词",
	Column:            "栏目",
	AllColumns:        "全部栏目",
	From:              "起始日期",
	Before:            "早于",
	Search:            "搜索",
	Clear:             "清除",

	ChartTitle:         "每月文章数",
	ChartInFmt:         "（%s）",
	ChartCaption:       "每月文章数，按栏目分色；点击某月查看该月文章。",
	ChartCaptionSearch: "每月符合搜索的文章数，按栏目分色；点击某月查看该月文章。",
	ChartBarFmt:        "%s：%d 篇",
	ChartRectFmt:       "%s %s：%d 篇",
	OtherColumn:        "其他栏目",
	NoColumn:           "（无栏目）",

	CountOneFmt:      "共 %s 篇文章",
	CountFmt:         "共 %s 篇文章",
	CountMatchOneFmt: "符合“%[2]s”的文章共 %[1]s 篇",
	CountMatchFmt:    "符合“%[2]s”的文章共 %[1]s 篇",
	NewestFirst:      "，按发布时间从新到旧",
	VersionsFmt:      "%d 个版本",
	AlsoAtOneFmt:     "另见于 %d 个网址",
	AlsoAtFmt:        "另见于 %d 个网址",
	Newer:            "← 较新",
	Older:            "较旧 →",
	PageFmt:          "第 %s 页，共 %s 页",

	BackToList:    "← 返回列表",
	OldVersionFmt: "这是第 %d 版（共 %d 版），抓取于 %s。",
	SeeLatest:     "查看最新版本",
	DuplicateOf:   "本文与较早的一篇文章几乎相同（修改后重发）：",
	Source:        "来源",
	Published:     "发布时间",
	Author:        "作者",
	Editor:        "编辑",
	Original:      "原文链接",
	ArchivedCopy:  "存档副本",
	NoBody:        "这篇文章没有正文。",
	Images:        "图片",
	Attachments:   "附件",
	FromOriginal:  "原网站",
	Versions:      "版本",
	Version:       "版本",
	Fetched:       "抓取时间",
	Title:         "标题",
	ContentHash:   "内容哈希",
	Shown:         "（当前显示）",
	OtherURLs:     "收录同一文章的其他网址",
	NoOtherURLs:   "无：这篇文章只在一个网址出现过。",
	Record:        "存档记录",
	ID:            "编号",
	AsJSON:        "JSON 格式",
	NoDate:        "无日期",
	Unknown:       "未知",
	LoadingTitle:  "正在载入存档",
	LoadingFmt:    "正在把存档 %s 读入内存，大的存档需要一分钟左右。",
	LoadingRetry:  "本页每隔几秒自动刷新，载入完成后显示文章列表。",

	ErrNoPage:        "没有这个页面",
	ErrNoArticleFmt:  "存档中没有编号为 %q 的文章",
	ErrBadVersionFmt: "v=%q：版本应为数字",
	ErrNoVersionFmt:  "文章 %s 没有第 %d 版（只有第 1 至 %d 版）",
	ErrPastEndFmt:    "没有第 %d 页：一共只有 %d 页",
	ErrQueryLongFmt:  "q：搜索词超过 %d 个字",
	ErrDateFmt:       "%s=%q：日期的写法应为 2024-01-29、2024-01、“2024-01-29 15:20”或 2024-01-29T15:20:00+08:00",
	ErrPageFmt:       "page=%q：页码应为从 1 起的数字",
	ErrPerPageFmt:    "per_page=%q：应为 1 至 %d 的数字",
	ErrLocked:        "无法重新载入：抓取程序正在写入存档。页面显示的是之前载入的文章；抓取结束后请再点重新载入。",
	ErrReloading:     "已经在重新载入，请稍候再打开列表。",
	ErrReloadFmt:     "无法重新载入：%s",
	ErrStoredLocked:  "抓取程序正在写入存档，存档副本暂时无法读取；请稍后再试，或打开原网站的网址：",
	ErrNotFileFmt:    "%q 不是文章 %s 的图片或附件",
}

// enLabels are the pages in English, on request.
var enLabels = &labels{
	Tag: "en", Param: "en", Name: "English", Switch: "中文",

	Site:        "红星网 archive",
	StatsFmt:    "%s articles · %s versions · %s aliases · loaded %s",
	Reload:      "Reload",
	ReloadTitle: "Read the archive file again",
	ReloadFmt:   "The last reload failed: %s",
	ViewOf:      "Read-only view of",
	FooterNote:  ". Text is shown as archived; images and attachments the archive does not hold lead to the original site.",

	SearchPlaceholder: "Search titles and bodies, e.g. 乡村振兴",
	SearchWords:       "Search words",
	Column:            "Column",
	AllColumns:        "All columns",
	From:              "From",
	Before:            "Before",
	Search:            "Search",
	Clear:             "Clear",

	ChartTitle:         "Articles per month",
	ChartInFmt:         " in %s",
	ChartCaption:       "Articles per month, by column; click a month to list it.",
	ChartCaptionSearch: "Articles per month matching the search, by column; click a month to list it.",
	ChartBarFmt:        "%s: %d",
	ChartRectFmt:       "%s %s: %d",
	OtherColumn:        "other columns",
	NoColumn:           "(no column)",

	CountOneFmt:      "%s article",
	CountFmt:         "%s articles",
	CountMatchOneFmt: "%s article matching “%s”",
	CountMatchFmt:    "%s articles matching “%s”",
	NewestFirst:      ", newest first",
	VersionsFmt:      "%d versions",
	AlsoAtOneFmt:     "also at %d other URL",
	AlsoAtFmt:        "also at %d other URLs",
	Newer:            "← Newer",
	Older:            "Older →",
	PageFmt:          "Page %s of %s",

	BackToList:    "← Back to the list",
	OldVersionFmt: "This is version %d of %d, fetched %s.",
	SeeLatest:     "See the latest version",
	DuplicateOf:   "This article nearly repeats an earlier one (re-posted with edits):",
	Source:        "Source",
	Published:     "Published",
	Author:        "Author",
	Editor:        "Editor",
	Original:      "Original",
	ArchivedCopy:  "archived copy",
	NoBody:        "This article has no body text.",
	Images:        "Images",
	Attachments:   "Attachments",
	FromOriginal:  "original site",
	Versions:      "Versions",
	Version:       "Version",
	Fetched:       "Fetched",
	Title:         "Title",
	ContentHash:   "Content hash",
	Shown:         " (shown)",
	OtherURLs:     "Other URLs with this article",
	NoOtherURLs:   "None: the article was found at one URL only.",
	Record:        "Record",
	ID:            "ID",
	AsJSON:        "As JSON",
	NoDate:        "no date",
	Unknown:       "unknown",
	LoadingTitle:  "Loading the archive",
	LoadingFmt:    "Reading the archive %s into memory; a large archive takes about a minute.",
	LoadingRetry:  "This page refreshes itself every few seconds and shows the list once the archive is loaded.",

	ErrNoPage:        "no such page",
	ErrNoArticleFmt:  "no article with ID %q in this archive",
	ErrBadVersionFmt: "v=%q: expected a version number",
	ErrNoVersionFmt:  "article %s has no version %d (versions 1 to %d)",
	ErrPastEndFmt:    "page %d: there are only %d pages",
	ErrQueryLongFmt:  "q: the search is longer than %d characters",
	ErrDateFmt:       `%s=%q: expected a date like 2024-01-29, 2024-01, "2024-01-29 15:20" or 2024-01-29T15:20:00+08:00`,
	ErrPageFmt:       "page=%q: expected a page number from 1",
	ErrPerPageFmt:    "per_page=%q: expected a number from 1 to %d",
	ErrLocked:        "Could not reload: a crawler is writing to the archive right now. The articles shown are those loaded before; reload again once the crawl has finished.",
	ErrReloading:     "A reload is already running; wait a moment and open the list again.",
	ErrReloadFmt:     "Could not reload: %s",
	ErrStoredLocked:  "A crawler is writing to the archive, so its copy cannot be read right now; try again later, or open the original address:",
	ErrNotFileFmt:    "%q is not an image or attachment of article %s",
}

// languages are the languages of the pages, the default first.
var languages = []*labels{zhLabels, enLabels}

// langMatcher matches Accept-Language against languages.
var langMatcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// pageLang returns the labels for r: those named by ?lang= (zh or en), or
// else the best match of Accept-Language, Chinese when nothing matches.
// explicit reports whether ?lang= chose them, in which case links keep it.
func pageLang(r *http.Request) (l *labels, explicit bool) {
	if p := r.URL.Query().Get("lang"); p != "" {
		for _, l := range languages {
			if strings.EqualFold(p, l.Param) {
				return l, true
			}
		}
	}
	if h := r.Header.Get("Accept-Language"); h != "" {
		tags, _, err := language.ParseAcceptLanguage(h)
		if err == nil && len(tags) > 0 {
			_, i, conf := langMatcher.Match(tags...)
			if conf != language.No {
				return languages[i], false
			}
		}
	}
	return zhLabels, false
}

// Count says how many articles a list holds, and for which search.
func (l *labels) Count(n int, q string) string {
	switch {
	case q == "" && n == 1:
		return fmt.Sprintf(l.CountOneFmt, thousands(n))
	case q == "":
		return fmt.Sprintf(l.CountFmt, thousands(n))
	case n == 1:
		return fmt.Sprintf(l.CountMatchOneFmt, thousands(n), q)
	}
	return fmt.Sprintf(l.CountMatchFmt, thousands(n), q)
}

// AlsoAt says at how many other URLs an article was found.
func (l *labels) AlsoAt(n int) string {
	if n == 1 {
		return fmt.Sprintf(l.AlsoAtOneFmt, n)
	}
	return fmt.Sprintf(l.AlsoAtFmt, n)
}

// Date formats a publication time in Beijing time, without the time of
// day when it is midnight.
func (l *labels) Date(t time.Time) string {
	if t.IsZero() {
		return l.NoDate
	}
	t = t.In(beijing)
	if t.Hour() == 0 && t.Minute() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04")
}

// Stamp formats a time to the second, in Beijing time.
func (l *labels) Stamp(t time.Time) string {
	if t.IsZero() {
		return l.Unknown
	}
	return t.In(beijing).Format("2006-01-02 15:04:05 MST")
}

// ColumnName names a column, the empty one too.
func (l *labels) ColumnName(c string) string {
	if c == "" {
		return l.NoColumn
	}
	return c
}

// withLang returns href (a path on this server, with or without a query)
// with ?lang=param added; an empty param leaves href as it is.
func withLang(href, param string) string {
	if param == "" {
		return href
	}
	u, err := url.Parse(href)
	if err != nil {
		return href
	}
	q := u.Query()
	q.Set("lang", param)
	u.RawQuery = q.Encode()
	return u.String()
}

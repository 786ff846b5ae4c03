// Package extract turns fetched pages into articles and links. It holds
// pure functions of a page's bytes and URL: no network, no clock, no
// package-level mutable state (only read-only tables).
//
// Decode converts a page to UTF-8 (Content-Type charset, then <meta>
// charset, then sniffing; GBK/GB2312 read as GB18030; decoders from
// golang.org/x/net/html/charset). Parse decodes and parses it with
// goquery, leaving script, style and svg elements empty: the HTML parser
// reads their text byte by byte, and they are half of many pages. The
// scripts the extractor reads (challenge markers, createPageHTML pagers)
// are kept aside. An Extractor, built by New from optional site hints (Options:
// CSS selectors and URL patterns, usually from config.yaml; the zero value
// means pure heuristics), then answers two questions:
//
//   - Links: is the page a list, an article (kind ArticlePage), an anti-bot
//     challenge or something else, and which links lead to the list's
//     items, to the list's other pages, to the article's other pages, and
//     elsewhere.
//   - Article: title, source, publication time, body text, images,
//     attachments, column, author and editor, with Explain naming the rule
//     behind each field (Explain["kind"] says why the page got its kind).
//
// Stitch joins the pages of a multi-page article.
//
// # Layers
//
// Each field comes from the most specific layer that has it: (1) the
// configured selectors; (2) government-CMS meta tags (ArticleTitle, PubDate,
// ContentSource, ColumnName, Author), og: tags, and for the body the one
// element marked itemprop="articleBody" when it overlaps the heuristic
// container; (3) the visible source/time line (文章来源：… 时间：…, simplified
// or traditional, any colon, &nbsp;, full-width spaces or | between fields),
// elements named like the field (<span class="source">) and, for the
// source, a name right after an unlabelled date line (2019-09-26 10:56
// 证券时报网); (4) generic heuristics. A meta source that only adds to the
// visible one (人民网-文化频道 原创稿 beside 人民网-文化频道) yields to it. The
// publication time is the one printed beside the headline (a configured
// selector overrides it): in a line with 发布时间 and 更新时间/修改时间 the
// publication, not the update. Meta tags (PubDate, article:published_time
// …) stand in when the page prints no time, and otherwise only refine what
// the page prints: the time of day of a printed day, the seconds of a
// printed minute; a meta time on another day (a later update) is ignored.
// Modification times and a date in the URL (/2024/01/29/, t20240129_,
// /202401/) are last resorts.
//
// # Heuristics
//
// The page is cut into segments: runs of inline text between block
// boundaries (block elements, <br>, and cells of layout rows, which join
// into one line). Each segment gets a value: text with sentence
// punctuation (，。 or Latin marks followed by a space) and few links is
// positive, proportional to its length; link-dense text, short labels and
// boilerplate are negative; regions whose class or id reads like
// navigation, footers, comments or share widgets turn negative; teaser
// lists (three or more similar items, each a linked headline plus a
// summary) turn negative. The main content is the element whose segments
// sum highest, narrowed to a child that holds the same sum or 80% of the
// positive text. Inside it the body drops boilerplate: share/print/font
// widgets, 相关阅读 and 上一篇/下一篇 lines, pagers (a lone "1", 上一页 1 2 3
// 下一页), 责任编辑/编辑/校对 lines (recorded as Editor; an editor line in
// the second half of the text ends the article), 作者 lines (Author), the
// source/time line, footers (主办单位, ICP备, 版权所有, visitor counters),
// |-separated keyword and place-name lists (SEO spam), advertisement
// labels, image captions (<figcaption>, small <figure>s, elements named
// like a caption or credit; their images stay), link lines before and
// after the text (a lone link line amid the text stays, unless its
// neighbours are links too or it is a shouted promotion in capitals) and
// stray one- to three-character controls at the edges.
//
// The headline is the short segment (a heading or an element named like a
// title preferred) that best overlaps <title> or og:title and stands close
// before the text; a short match on a generic title (the site or column
// name) loses to the heading right before the text; then the line right
// before the source/time line; then og:title and <title> without their
// " - 红星网" or "_红星网" suffixes.
//
// A list page has a block of similar items (grouped by the elements around
// each link) with dates nearby: eight or more, or fewer with a list pager
// and no article text. Pagination reads numbered and 下一页/尾页 links
// (deriving the whole range when 尾页 or 共N页 gives the last page), TRS
// createPageHTML(total, current, "index", "html") calls (arguments may be
// variables) and Hanweb datastores, for which it derives
// dataproxy.jsp?startrecord=S&endrecord=E&perpage=P requests covering
// totalRecord with the nextgroup link's parameters. An article's pages come
// from createPageHTML(N, 0, "t20240129_123456", "html") or from pager links
// whose file name extends the article's (123456_2.html).
//
// Copies annotated by mirrors with pinyin (學(xué)) lose the annotations in
// Parse (when at least three toned annotations occur). Hanweb datastores
// (<datastore><record><![CDATA[…]]>, inline in a column shell or as a
// dataproxy.jsp XML answer) are rewritten into div.datastore-record
// elements before parsing.
//
// # Caveats
//
// Heuristics fail on unusual markup; Explain says which rule fired so that
// a selector can be added to the site's hints. Traditional characters are
// kept as found. Pagers written only
// by scripts other than createPageHTML and jpage (goPage(2), <select>
// pagers) are not followed. Page.Doc has empty script, style and svg
// elements. docs/extraction.md has the measured accuracy and speed, and
// the known weaknesses.
package extract

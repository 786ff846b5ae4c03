// Package reskin rewrites an article page without changing what a reader
// sees as the article, for metamorphic tests of an extractor: whatever the
// markup, the extracted title, source, publication time and body must stay
// those of the [Truth].
//
// [Mutate] takes a page (UTF-8 HTML), the truth of its article and a set of
// [Op]s, and applies each op in a way drawn from a seed, so a (page, ops,
// seed) triple names one variant forever. The ops:
//
//   - [Whitespace]: whitespace-only text between elements removed (inline
//     elements touching: <span>来源：X</span><span>时间：…</span>) or added
//     between block elements.
//   - [Names]: class and id values replaced by meaningless tokens, or by
//     misleading ones (the body named "sidebar", the footer "content").
//   - [Wrappers]: extra wrapper elements, layout tables, <font> and
//     <center> around the title and the paragraphs.
//   - [Paragraphs]: <p> written as <div>, paragraphs as text separated by
//     <br><br>, the first paragraph as bare text in the container.
//   - [Headline]: the title in a div with a big font, a <strong> or a
//     <font>; a subtitle (引题/副标题) above or below it.
//   - [Labels]: the source and time labels respelled (来源, 文章来源, 稿件来源,
//     信息来源, 稿源, 出处; 时间, 发布时间, 发布日期, 日期, 发表时间), full- or
//     half-width colons, spaces or &nbsp;, label and value in separate
//     elements, the source in a link.
//   - [MetaLine]: the source/time line rebuilt with its fields in another
//     order, on one line or several, with extra fields (阅读：/浏览次数：/点击数：
//     empty or filled by script, 字号 大 中 小, 打印/关闭, 分享到).
//   - [Dates]: the printed date respelled (2024-01-29 15:20, 2024年01月29日
//     15:20, 2024/1/29, 2024.01.29, with seconds), an 更新时间 after it, and an
//     article:published_time meta tag that is a later update or adds seconds
//     to the printed minute.
//   - [MetaTags]: article meta tags removed (ArticleTitle, PubDate,
//     ContentSource, og:, article:, description).
//   - [Extras]: a summary box (导语/摘要) before the body repeating its first
//     sentence; in the body container an editor line (责任编辑), an attachment
//     list, image captions and a 相关阅读 list.
//
// The truth changes only where the reader's view does: an attachment line
// joins the body, and the publication time follows the printed one (seconds
// when printed with seconds, the day at 00:00 when only the day is printed
// and no meta tag gives the time of that day).
//
// Mutate needs to find the title, the source/time line and the body
// container; it finds them from the truth, so it works on any page whose
// truth is known. An op that finds nothing to act on leaves the page as it
// is.
package reskin

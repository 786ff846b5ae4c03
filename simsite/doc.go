// Package simsite is a deterministic simulated copy of 红星网
// (www.hnredstar.gov.cn) that also knows its ground truth. End-to-end tests,
// benchmarks and `crawler demo` run against it instead of the real site.
//
// It imitates the traits of Chinese government CMS sites (TRS WCM, Hanweb,
// the rednet platform) listed in SITE.md, with markup that varies between
// columns the way different CMSs do, so that a crawler written against it
// must be generic. It imports nothing of the project.
//
// # API
//
// Shaped like net/http/httptest:
//
//	srv := simsite.NewServer(simsite.Options{Seed: 1, Articles: 300})
//	defer srv.Close()
//	// crawl srv.URL ...
//	truth := srv.Truth()       // []Article, absolute URLs on srv, in ID order
//	srv.Publish(5)             // 5 new articles on top of their columns' lists
//	ids := srv.Revise(2)       // one sentence changed in 2 recent articles, same URLs
//	srv.Requests(), srv.Violations(), srv.Faults()
//
// Options.Layout "rednet" serves the site as the rednet CMS serves 红星网 at
// www.hxw.gov.cn instead: /channel/ID.html lists, /content/… articles,
// /topic/N/index.html topics (专题) that are columns of their own, with
// attachment tables; see rednet.go for its URLs and traits. The rest of
// this comment describes the default ("classic") layout; traps, faults,
// the old /news/ addresses and the ground truth are the same in both.
//
// Options.RedesignAfter imitates a template change: the articles with a
// higher ID state no source (ground truth included), the older ones are
// served as before; see redesign.go.
//
// [New] builds a [Site] without a listener; [Site.Handler] serves it (mount
// it on 127.0.0.1, as violations are judged by host). Everything is generated
// on demand from (seed, article ID): the site keeps about a dozen bytes per article plus
// one uint32 per list entry, so 100,000 articles take about 2 MB and build in
// milliseconds, and a page renders in well under a millisecond.
//
// # Ground truth
//
// [Article] holds what a perfect crawler and extractor would archive:
// Title; Source ("" when the page names none); Published, the most precise
// time any copy's page states (the minute from the visible line or a
// PubDate meta tag, else the date at 00:00); Body, the text of every block of
// the body container (paragraphs, section headings, "附件：…" attachment
// lines) trimmed and joined by "\n", all pages in order, without images, the
// editor line, pagers, share widgets or spam; Images and Attachments as
// absolute URLs in body order (the same for every copy); Author; Editor (from
// the 责任编辑/编辑 line); Encoding ("utf-8" or "gbk"); Version.
//
// # URL schemes
//
//	/                                   home (also /index.html; /index.htm 301s to /)
//	/c/SLUG/index.html[?page=N]         rednet columns (index_N.html when numbered)
//	/col/SLUG/index.html, index_N.html  TRS columns (N counts from 1 for page 2)
//	/col/colID/index.html               Hanweb column shells
//	/module/web/jpage/dataproxy.jsp     Hanweb data proxy (GET or POST)
//	/c/2024/01/29/123456.html           rednet articles; pages 123456_2.html …
//	/col/SLUG/202401/t20240129_123456.html   TRS articles; pages t…_1.html …
//	/art/2024/1/29/art_ID_123456.html   Hanweb articles; pages art_…_2.html …
//	/news/202401/123456.shtml           old URLs, 301 to the article
//	/link/rednet                        302 to https://www.rednet.cn/
//	/zt/ztjy/, /zt/dsxx/, /hdjl/ index.html   anti-bot challenges
//	/calendar.html?date=YYYY-MM-DD      endless calendar (allowed by robots.txt)
//	/search?q=…&page=N                  endless search (disallowed)
//	/about.html, /sitemap.html, /private/notice.html, /admin/login.jsp
//	*.css *.js *.jpg *.png *.gif *.pdf *.doc(x) *.xls(x) *.zip   small valid files
//
// # Traits
//
//   - Home page: header, navigation to every column, headline, latest news,
//     a block per column, 专题 links, 往期回顾 (old URLs), calendar, hot
//     searches, friend links (other domains, a redirect off-site, and
//     http://localhost:PORT/, the same server under another name).
//   - Every HTML page: the footer (主办单位：中共湖南省委组织部, 技术支持：湖南红网新媒体集团,
//     湘ICP备17016663号-1, 欢迎您访问红星网, 您是第 N 位来访者) and a "| "-separated
//     SEO-spam block of county names, visible or hidden; one template puts it
//     right after the body container.
//   - Column lists, newest first, 15–25 items (link + date), one pagination
//     style per column and all four present: numbered index_N.html links;
//     上一页/下一页/首页/尾页 links only (?page=N); createPageHTML(总页数, 当前页,
//     "index", "html") written by script with no <a> to other pages; a Hanweb
//     shell with the first 45 records in a text/xml datastore and
//     "totalRecord:N, perpage:15" for jpage, the rest from the data proxy
//     (startrecord/endrecord, or page=N for the N-th group after the first).
//   - Five article templates, one per column (until the revamp below): rednet (h1, div.article-content,
//     og: tags, "文章来源: … 时间: …", editor line inside the body container,
//     a visible pager that is a lone "1" on one-page articles); modern (h2,
//     div.detail-content.content, » breadcrumb, spam after the body); TRS
//     (ArticleTitle/PubDate/ContentSource/ColumnName meta, div.TRS_Editor with
//     an inline <style>, empty <p>&nbsp;</p>, ./W0….jpg images, relative ../
//     links, createPageHTML pager with the suffix counting from 0); legacy
//     (table layout, td.bt title, <br>-separated paragraphs in
//     td.content#fontzoom, ../../../ image paths, createPageHTML pager);
//     Hanweb (meta tags plus a misleading later Maketime, date-only
//     发布日期 with the minute in PubDate, an empty 信息来源 when there is no
//     source, div#zoom.main-txt with span-wrapped text).
//   - Three more templates from a 2023-01-01 revamp: articles published
//     from that day on render with them, older ones keep their column's
//     template. rednet columns move to rednet's detail template
//     (h1.detail_title, div.content_info spans with an unlabelled
//     span.pubdate or div.time, a 阅读 count filled by script,
//     section.detail_article_content#articlecontent, footer lines written by
//     document.write); TRS columns to a government-portal template (h2 title
//     with an h3 subtitle, <i>来源：</i> labels on their own lines, 发布时间
//     then a later 更新时间 that article:published_time also gives, a 【摘要】
//     box repeating the first sentence, paragraphs as <div>s with full-width
//     indents); legacy columns to a VSB (webber) template (nested layout
//     tables, the title in a td's span, "来源: X | 发布时间: … | 浏览次数:"
//     with a script-filled count, div.v_news_content MsoNormal paragraphs).
//     Article.Templates names each copy's template.
//   - Source/time lines in many spellings: 文章来源/来源/信息来源, 时间/发布时间/
//     發佈時間/发布日期, "：" or ":", &nbsp;/full-width/plain-space/"|"
//     separators, dates 2024-01-29 15:20, 2024年01月29日 15:20, 2024/1/29,
//     2024-01-29, 2024年1月29日. Some articles have no source, some an author.
//   - Share widgets, 相关阅读/相关新闻 lists (with a few dead, redirected,
//     absolute and localhost links), 打印本页/关闭窗口, font-size links.
//   - About 7% of articles span 2–4 pages; about 3% are published in two
//     columns under two URLs with identical title and body.
//   - About 18% of articles are GBK, in one column in six (never the first or
//     a Hanweb one), whose list pages are GBK too; a GBK article declares its
//     charset in the Content-Type header, or only in <meta http-equiv …
//     gb2312> or <meta charset="gbk">, or not at all. UTF-8 pages declare
//     theirs in the header, a meta tag, or both.
//   - Traps: robots.txt disallows /search, /admin/ and /private/ (both
//     linked from every page's footer or home page) but not the data proxy;
//     Crawl-delay when Options.CrawlDelay > 0; the calendar; javascript: and
//     mailto: links; 404s (/wap/index.html, a dead 专题, dead related links);
//     a 503 with Retry-After on the first request to a few article pages and
//     one list page; a few pages answered after Options.SlowDelay; anti-bot
//     challenge pages (a script sets a cookie and reloads) with status 412 or
//     200, which serve a 专题 page once the cookie is sent.
//   - Responses carry an ETag and answer If-None-Match with 304.
//   - Text: titles like 娄底市：外派竞学为干部提能发展提质 and bodies of 400–3000
//     characters (long articles more) with section headings, built from
//     banks of sentences about cadre work, party building, talent work and
//     rural revitalisation in Hunan's cities and counties. Dates run from
//     2019 to 2024, 07:30–22:30; published articles follow the newest.
//
// # Violations
//
// [Site.Violations] lists requests a polite, in-scope crawler never makes:
// paths disallowed by robots.txt, and requests whose Host is not the
// server's own 127.0.0.1:PORT (or, for a bare Handler, not 127.0.0.1).
//
// # Faults
//
// With Options.Faults.Rate > 0 the site also misbehaves the way servers and
// networks do, so that a crawler's retries, timeouts and error handling can
// be tested. Each [FaultKind]:
//
//	Fault500        500 with an nginx error page
//	Fault503        503 with Retry-After: 1
//	Fault429        429 with Retry-After: 1
//	FaultReset      the connection is reset (SO_LINGER 0) before any response byte
//	FaultStall      nothing for Faults.Stall (default 3s), then the normal response
//	FaultTruncate   the full Content-Length, half the body, then the connection closes
//	FaultBadLength  the whole body under a Content-Length a quarter larger, then close
//
// A client sees a status code, a connection error, a timeout (give it one
// below Faults.Stall), or io.ErrUnexpectedEOF while reading the body.
//
// Faults are drawn per request from a hash of (Faults.Seed, default the
// site's seed; the request's path and query; how many times that path and
// query was requested before), choosing uniformly among Faults.Kinds
// (default all). Each of the first three requests for a path and query is
// faulty with probability Rate; the fourth and later never are, so a
// crawler retrying at least three times gets every page. robots.txt is
// never faulty; the first request of a transient-503 page gets its 503
// rather than a fault; a HEAD request drawn a body fault is served normally.
// Faults are not violations. [Site.Faults] counts what was injected, by
// kind, as soon as it is drawn. Server.Close ends stalls at once.
//
// Caveats: resets and broken bodies hijack the connection, so they need
// HTTP/1.x (Start's server); under an http.ResponseWriter that cannot be
// hijacked they panic with http.ErrAbortHandler. Go's http.Transport
// silently retries a GET reset on a reused keep-alive connection, so a
// client may see fewer resets than Faults counts (each retry is another
// attempt). Invalid Faults make Start return an error and New panic.
//
// Determinism: two sites with the same Options serve identical bytes for
// the same requests in the same order (the per-page transient 503 and, with
// faults, the per-URL request count are the only state). Nothing depends on
// the clock, except that a stall lasts Faults.Stall. With Rate 0 the site
// serves exactly what it serves without Faults.
package simsite

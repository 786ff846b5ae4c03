// Package crawl walks a news site with Colly and feeds what it finds to the
// extractor and the archive.
//
// Run starts at the configured pages and follows links within the allowed
// domains. Each response is parsed once by package extract, which says what
// the page is: a list page (its items and every page of its pagination,
// including pagers written by scripts), an article (and its other pages, when
// it is split over several), an anti-bot challenge, or anything else (whose
// links are followed for discovery). Articles, stitched from all their pages,
// go to a single writer goroutine that stores them in the archive in batched
// transactions; every article with its indexes is still all-or-nothing.
//
// Politeness and scope: robots.txt is obeyed, requests to one host are
// limited to Options.Parallelism at a time with Options.Delay between them,
// links outside Options.AllowedDomains are never followed (redirects
// included), and unless Options.AllowPrivateNetworks is set a connection to
// a loopback, private, link-local or metadata address is refused at dial
// time, after DNS. Query-string variations of one path found in navigation
// are capped, which tames calendar and search traps.
//
// Charset: Colly is told to leave the bytes alone; extract.Decode decides the
// encoding, so the archive keeps each page exactly as served.
//
// This is the only package that imports Colly. Colly's own Context carries
// per-request values (the column a link was found under); cancellation comes
// from the context.Context given to Run.
package crawl

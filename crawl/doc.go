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
// transactions.
//
// Frontier: the crawler, not Colly, owns the queue. A bounded pool of
// workers takes entries (article candidates first, then lists, then other
// navigation links) and uses Colly only to fetch. Navigation links beyond
// Options.MaxQueued wait in the archive's copy of the frontier and are read
// back once the queues drain, so memory does not grow with the site. Every entry is persisted in the
// archive (archive.Step) in the same transaction as the article it
// produced and the links it revealed, so a killed backfill resumes exactly,
// and later runs know what each page was: the incremental run fetches the
// start pages and the columns' first pages, conditionally, and pages on
// only while even a list's oldest item is new. It looks pages up in the
// archive one at a time, and keeps the list of columns in the archive's
// state (known.go), so that its cost does not grow with the archive.
//
// Politeness and scope: robots.txt is obeyed (Crawl-delay and redirects
// included), each host's own for the fetches from it; requests to one host
// are limited to Options.Parallelism at a time with Options.Delay between
// them, a delay that grows when the host answers 429/503 or slows down
// (transport.go); links outside the site's names and
// Options.AllowedDomains are never followed, redirects included; and unless
// Options.AllowPrivateNetworks is set a connection to a loopback, private,
// link-local or metadata address is refused at dial time, after DNS. Query-string variations of one path found in
// navigation are capped, which tames calendar and search traps.
//
// Coverage: the writer counts, among the articles the archive added or
// versioned, those with each field (title, source, published to the
// minute, a body of MinBodyRunes, column) and those with values that look
// wrong; Drift compares that with earlier runs (Baseline), so a redesign
// that loses a field is reported rather than archived in silence.
//
// One site under several names: Options.Hosts and Options.Canonical name
// the hosts that serve one site (红星网 under www.hxw.gov.cn and its older
// name www.hnredstar.gov.cn). A page has one key whichever name it was
// reached under (canon.Canonicaliser): the seen-set, the frontier and new
// records use the canonical name, redirects between the names are
// followed, and the names share one politeness limit. Archive lookups (is
// this article archived, what did earlier runs find here) try the page
// under every name, so records made before the names were configured keep
// their URLs and IDs and are versioned, not duplicated. Start URLs that are
// one page under several names are alternatives, tried in order.
// Options.ResourceHosts (img.hxw.gov.cn) serve images and attachments
// only: they are recorded in articles, never crawled (scope.go).
//
// Charset: Colly is told to leave the bytes alone; extract.Decode decides the
// encoding, so the archive keeps each page exactly as served.
//
// Where to find what:
//
//	crawl.go      Run, Options, Mode and the sentinel errors; the crawler's
//	              state, its defaults (newCrawler) and the run's lifecycle
//	result.go     Result and Failure; counting, progress, and the logging
//	              of failures and challenges
//	frontier.go   the queues and the worker loop: loading and resuming the
//	              frontier, what is accepted into it, spilling and refill
//	entry.go      a frontier entry and its binary encoding in the archive
//	seen.go       the run's set of seen URLs (hashes, not URLs)
//	known.go      what earlier runs learnt: the columns, and what an
//	              incremental run skips or rechecks
//	fetch.go      fetching one page: robots.txt, conditional requests and
//	              the retry loop; FetchPage for one-off use
//	retry.go      the retry rule (retryable) and the backoff
//	collector.go  the Colly collector that does the HTTP requests
//	redirect.go   scope, robots.txt and the seen-set applied to redirects
//	scope.go      which hosts are crawled, and which serve files only
//	page.go       handling a fetched page: its status, its kind (list,
//	              article, challenge, other) and the links it yields
//	article.go    assembling an article from all its pages
//	writer.go     the writer goroutine: group commits to the archive
//	attachments.go  the file pass that ends a run: the attachments (and
//	              images) of articles and the files list pages link
//	              (topic tables), fetched once, size-capped, named
//	              from Content-Disposition, stored in the archive
//	coverage.go   field coverage of the articles written (Result.Coverage),
//	              the baseline of earlier runs and Drift; see docs/coverage.md
//	transport.go  per-host politeness, adaptive delay, size caps, counting
//	guard.go      the dial-time refusal of non-public addresses
//	tls.go        TLS verified as a browser does: incomplete chains
//	              completed from AIA, crawl.ca_file roots, legacy servers
//	              named (and allowed with Options.TLSLegacy)
//	tls_aia.go    fetching and caching AIA issuers (DER, PEM, PKCS#7)
//	challenge.go  anti-bot challenges: which system, the per-host streak,
//	              blocking a host (BlockedError, ErrBlocked)
//	challenge_browser.go  crawl.browser: challenge, one page in headless
//	              Chromium whose cookies go to the fetcher's jar
//	robots.go     robots.txt: fetching, caching, applying
//
// This is the only package that imports Colly. Colly's own Context carries
// only the slot a response is handed back through; cancellation comes from
// the context.Context given to Run.
package crawl

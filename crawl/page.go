package crawl

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/canon"
	"github.com/hnredstar/crawler/extract"
)

// process fetches one entry and turns what it found into a step. It
// reports false when the run stopped mid-way: the entry stays pending.
func (cr *crawler) process(e entry) (step, bool) {
	e.Key = cr.keyOf(e)
	if cr.isBlocked(hostOf(e.URL)) {
		// Left pending, untouched, for the next run.
		return step{update: &e}, true
	}
	fetched := time.Now()
	resp, err := cr.fetchNamed(&e)
	if cr.browser != nil && resp != nil && cr.ctx.Err() == nil {
		if sys := cr.systemOf(resp, cr.pageKind(resp)); sys != "" && cr.pass(e.URL, fetched, sys) {
			resp, err = cr.fetchEntry(e)
		}
	}
	if cr.ctx.Err() != nil {
		return step{}, false
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	finish := func(found string) step {
		e.Found, e.Tries, e.Err = found, 0, ""
		return step{done: &e}
	}
	switch {
	case status == http.StatusNotModified:
		cr.answered(e.URL)
		cr.count(func(r *Result) { r.NotModified++ })
		s := finish(foundList)
		if e.Via == viaStart {
			// An unchanged start page says nothing of the columns behind it:
			// visit the ones earlier runs found there.
			s.add = cr.accept(cr.knownColumns())
		}
		return s, true
	case status == http.StatusNotFound || status == http.StatusGone:
		cr.answered(e.URL)
		cr.count(func(r *Result) { r.Dead++ })
		return finish(foundDead), true
	case errors.Is(err, errRedirectSeen):
		return finish(foundRedirect), true
	case errors.Is(err, colly.ErrForbiddenDomain):
		cr.count(func(r *Result) { r.OutOfScope++ })
		return finish(foundOther), true
	case errors.Is(err, colly.ErrRobotsTxtBlocked):
		cr.count(func(r *Result) { r.RobotsBlocked++ })
		return finish(foundOther), true
	case resp != nil && (status >= 400 || status == http.StatusAccepted) && cr.isChallenge(e, resp):
		return cr.challengeStep(e, resp), true
	case err != nil:
		cr.fail(e.URL, status, err)
		e.Found, e.Tries, e.Err = foundFailed, e.Tries+1, err.Error()
		return step{update: &e}, true
	}
	cr.count(func(r *Result) { r.Pages++ })
	e.ETag, e.LastModified = resp.Headers.Get("ETag"), resp.Headers.Get("Last-Modified")
	s := cr.use(e, resp)
	if s.update == nil || s.update.Found != foundChallenge {
		cr.answered(e.URL)
	}
	return s, true
}

// use reads a fetched page and decides what follows from it.
func (cr *crawler) use(e entry, resp *colly.Response) step {
	pageURL := resp.Request.URL.String()
	e.Tries, e.Err = 0, ""
	if !isMarkup(resp.Headers.Get("Content-Type")) {
		e.Found = foundOther
		return step{done: &e}
	}
	page, err := extract.Parse(resp.Body, resp.Headers.Get("Content-Type"), pageURL)
	if err != nil {
		cr.fail(pageURL, resp.StatusCode, fmt.Errorf("parse: %w", err))
		e.Found = foundOther
		return step{done: &e}
	}
	links := cr.ext.Links(page)
	s := step{done: &e}
	var cands []entry
	nav := func(urls []string) {
		for _, u := range urls {
			if cr.opts.Mode == Incremental && looksLikeArticle(u) {
				// New articles appear in the column lists; an article link
				// elsewhere (往期回顾, old addresses) leads to a known page.
				cr.count(func(r *Result) { r.Skipped++ })
				continue
			}
			cands = append(cands, entry{URL: u, Via: viaLink, Depth: e.Depth + 1})
		}
	}
	switch links.Kind {
	case extract.Challenge:
		return cr.challengedAs(e, resp, cr.systemOf(resp, extract.Challenge))
	case extract.List:
		e.Found = foundList
		column := links.Column
		if column == "" || e.Via == viaStart {
			column = e.Column
		}
		lastFresh := false
		for _, u := range links.Articles {
			cands = append(cands, entry{URL: u, Via: viaItem, Column: column})
			lastFresh = cr.opts.Mode == Incremental && cr.isNew(u)
		}
		switch {
		case cr.opts.Mode == Backfill:
			for _, u := range links.Pagination {
				cands = append(cands, entry{URL: u, Via: viaPagination, Column: column})
			}
		case lastFresh:
			// Lists are newest first: only when even the oldest item here is
			// new can the next page hold new articles. Take just that page.
			if u, ok := cr.firstUnseen(links.Pagination); ok {
				cands = append(cands, entry{URL: u, Via: viaPagination, Column: column})
			}
		}
		if cr.opts.Mode == Backfill || e.Via == viaStart {
			nav(links.Other)
		}
		s.files = cr.listPageFiles(pageURL, links.Files)
	case extract.ArticlePage:
		if sys := cr.systemOf(resp, links.Kind); sys != "" {
			return cr.challengedAs(e, resp, sys) // a 202 that only looks like an article
		}
		e.Found = foundArticle
		if base, ok := continuationOf(pageURL, links); ok {
			cands = append(cands, entry{URL: base, Via: viaItem, Column: e.Column})
			break
		}
		art, err := cr.article(resp, page, links, e.Column)
		if err != nil {
			cr.fail(pageURL, resp.StatusCode, err)
			e.Found, e.Tries, e.Err = foundFailed, e.Tries+1, err.Error()
			return step{update: &e}
		}
		if art != nil {
			s.article, s.siteName = art, SiteName(page)
		}
		if cr.opts.Mode == Backfill {
			nav(links.Other)
		}
	default:
		if sys := cr.systemOf(resp, links.Kind); sys != "" {
			return cr.challengedAs(e, resp, sys)
		}
		e.Found = foundOther
		s.files = cr.listPageFiles(pageURL, links.Files)
		// A cron run looks for new columns from the start pages only;
		// related-article and navigation links elsewhere lead to old pages.
		if cr.opts.Mode == Backfill || e.Via == viaStart {
			nav(links.Other)
		}
	}
	s.add = cr.accept(cands)
	return s
}

// listPageFiles returns the files of the list page (or other page that is
// not an article, such as a topic page of a few items) at pageURL that may
// be fetched (same host rules as an article's attachments) under the
// page's key, and notes them for this run's file pass; nil if none.
func (cr *crawler) listPageFiles(pageURL string, files []string) *archive.PageFiles {
	var keep []string
	for _, u := range files {
		if cr.fileHost(u) {
			keep = append(keep, u)
		}
	}
	key, err := cr.key(pageURL)
	if len(keep) == 0 || err != nil {
		return nil
	}
	cr.mu.Lock()
	for _, u := range keep {
		if k, err := canon.URL(u); err == nil && !cr.listSeen[k] {
			cr.listSeen[k] = true
			cr.listFiles = append(cr.listFiles, u)
		}
	}
	cr.mu.Unlock()
	return &archive.PageFiles{Page: key, Files: keep}
}

// articleURL matches the addresses government CMSs give articles: a dated
// directory (/2024/01/29/, /202401/, /2024-01/29/), a TRS t20240129_ name, or a long
// number as the file name.
var articleURL = regexp.MustCompile(`/(19|20)\d{2}([-/]?[01]\d)([-/]?[0-3]\d)?/|/t(19|20)\d{6}_\d+|/(art_\d+_)?\d{5,}(_\d+)?\.s?html?$`)

// listURL matches addresses CMSs give lists whatever their number:
// /channel/12345.html (rednet), /node_12345.htm, /list_12345.html,
// /topic/12/index.html, /zt/….
var listURL = regexp.MustCompile(`(?i)/(channels?|columns?|lists?|nodes?|topics?|zt|special)/|/(node|list|channel|column)_?\d+\.s?html?$`)

// looksLikeArticle reports whether u has the shape of an article address.
func looksLikeArticle(u string) bool {
	if p, err := url.Parse(u); err == nil {
		return articleURL.MatchString(p.Path) && !listURL.MatchString(p.Path)
	}
	return false
}

var pageSuffix = regexp.MustCompile(`^(.+)_(\d{1,3})(\.s?html?)$`)

// continuationOf reports whether pageURL is page 2 or later of a
// multi-page article whose first page its pager links to, and returns
// that first page.
func continuationOf(pageURL string, links extract.Links) (string, bool) {
	m := pageSuffix.FindStringSubmatch(pageURL)
	if m == nil {
		return "", false
	}
	base := m[1] + m[3]
	for _, list := range [][]string{links.ArticlePages, links.Other} {
		for _, u := range list {
			if u == base {
				return base, true
			}
		}
	}
	return "", false
}

// isChallenge reports whether an error response is a challenge page.
func (cr *crawler) isChallenge(e entry, r *colly.Response) bool {
	return cr.systemOf(r, cr.pageKind(r)) != ""
}

// systemOf is challengeSystem for a fetched response.
func (cr *crawler) systemOf(r *colly.Response, kind extract.Kind) string {
	var hdr http.Header
	if r.Headers != nil {
		hdr = *r.Headers
	}
	return challengeSystem(r.StatusCode, hdr, r.Body, kind)
}

// challengeStep records the challenge page r answered for e.
func (cr *crawler) challengeStep(e entry, r *colly.Response) step {
	return cr.challengedAs(e, r, cr.systemOf(r, cr.pageKind(r)))
}

// challengedAs records a challenge page of system: never archived, the
// entry stays pending so that a later run fetches it again.
func (cr *crawler) challengedAs(e entry, r *colly.Response, system string) step {
	cr.challenge(r.Request.URL.String(), r.StatusCode, system)
	e.Found, e.Err = foundChallenge, "anti-bot challenge: "+system
	return step{update: &e}
}

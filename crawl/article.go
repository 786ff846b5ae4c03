package crawl

import (
	"errors"
	"fmt"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/extract"
)

// article extracts the article on resp, fetching and stitching its other
// pages. It returns nil, nil for a page that holds no article after all.
func (cr *crawler) article(resp *colly.Response, page *extract.Page, links extract.Links, column string) (*archive.Article, error) {
	pageURL := resp.Request.URL.String()
	first, err := cr.ext.Article(page)
	if errors.Is(err, extract.ErrNoArticle) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	now := cr.opts.Now()
	raw := []archive.RawPage{rawPage(resp, now)}
	parts := []extract.Article{first}
	for _, u := range links.ArticlePages {
		if u == pageURL {
			continue
		}
		if key, err := cr.key(u); err == nil {
			cr.mu.Lock()
			cr.seen.add(key)
			cr.mu.Unlock()
		}
		presp, err := cr.fetch(u, nil)
		if err != nil {
			// An article with a missing page is not archived: it is
			// retried whole.
			return nil, fmt.Errorf("page %s of the article: %w", u, err)
		}
		p, err := extract.Parse(presp.Body, presp.Headers.Get("Content-Type"), u)
		if err != nil {
			return nil, fmt.Errorf("parse page %s of the article: %w", u, err)
		}
		part, err := cr.ext.Article(p)
		if err != nil {
			return nil, fmt.Errorf("extract page %s of the article: %w", u, err)
		}
		parts = append(parts, part)
		raw = append(raw, rawPage(presp, now))
	}
	art := extract.Stitch(parts...)
	if art.Column == "" {
		art.Column = column
	}
	cr.count(func(r *Result) { r.Articles++ })
	a := ArchiveArticle(cr.recordURL(pageURL), art)
	a.FetchedAt, a.Pages = now, raw
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	return a, nil
}

// ArchiveArticle returns the archive's form of art, extracted from the
// page at pageURL; FetchedAt and Pages are the caller's to set.
func ArchiveArticle(pageURL string, art extract.Article) *archive.Article {
	return &archive.Article{
		URL:         pageURL,
		Title:       art.Title,
		Source:      art.Source,
		Published:   art.Published,
		Body:        art.Body,
		Column:      art.Column,
		Images:      art.Images,
		Attachments: art.Attachments,
		Author:      art.Author,
		Editor:      art.Editor,
	}
}

func rawPage(r *colly.Response, at time.Time) archive.RawPage {
	return archive.RawPage{
		URL:       r.Request.URL.String(),
		Status:    r.StatusCode,
		Header:    r.Headers.Clone(),
		Body:      r.Body,
		FetchedAt: at,
	}
}

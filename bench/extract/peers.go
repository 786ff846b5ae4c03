package main

import (
	"bytes"
	"net/url"
	"strings"
	"time"

	"github.com/hnredstar/crawler/extract"
	"github.com/markusmobius/go-trafilatura"
)

// record is what an extractor found on one article (all its pages).
type record struct {
	Title, Source, Body    string
	Author, Editor, Column string
	Published              time.Time
	Images, Attachments    []string
	Err                    error
}

// extractor is one contender: a name, the fields it can produce, and a
// function from a page's bytes to a record.
type extractor struct {
	name   string
	fields map[string]bool
	run    func(body []byte, contentType, pageURL string) record
	// join merges the records of an article's pages, page 1 first.
	join func(pages []record) record
}

// has reports whether the extractor produces a field at all.
func (e *extractor) has(field string) bool { return e.fields[field] }

// ours is the project's extractor with no site hints.
func ours() *extractor {
	ex, err := extract.New(extract.Options{})
	if err != nil {
		panic(err)
	}
	all := map[string]bool{}
	for _, f := range []string{"title", "source", "published", "body", "images", "attachments", "author", "editor", "column"} {
		all[f] = true
	}
	toRecord := func(a extract.Article, err error) record {
		return record{
			Title: a.Title, Source: a.Source, Body: a.Body, Author: a.Author, Editor: a.Editor,
			Column: a.Column, Published: a.Published, Images: a.Images, Attachments: a.Attachments, Err: err,
		}
	}
	return &extractor{
		name:   "ours (extract)",
		fields: all,
		run: func(body []byte, contentType, pageURL string) record {
			p, err := extract.Parse(body, contentType, pageURL)
			if err != nil {
				return record{Err: err}
			}
			return toRecord(ex.Article(p))
		},
		join: func(pages []record) record {
			// Stitch is what the crawler does with a multi-page article.
			arts := make([]extract.Article, len(pages))
			for i, r := range pages {
				arts[i] = extract.Article{Title: r.Title, Source: r.Source, Body: r.Body, Author: r.Author,
					Editor: r.Editor, Column: r.Column, Published: r.Published, Images: r.Images, Attachments: r.Attachments}
			}
			a := extract.Stitch(arts...)
			return toRecord(a, pages[0].Err)
		},
	}
}

// goTrafilatura is go-trafilatura with its article-only settings (comments
// excluded), with or without its fallback extractors (go-readability and
// go-domdistiller).
func goTrafilatura(fallback bool) *extractor {
	name := "go-trafilatura"
	if fallback {
		name += " +fallback"
	}
	return &extractor{
		name:   name,
		fields: map[string]bool{"title": true, "published": true, "body": true, "author": true},
		run: func(body []byte, _ string, pageURL string) record {
			u, _ := url.Parse(pageURL)
			res, err := trafilatura.Extract(bytes.NewReader(body), trafilatura.Options{
				OriginalURL:     u,
				ExcludeComments: true,
				EnableFallback:  fallback,
			})
			if err != nil {
				return record{Err: err}
			}
			return record{
				Title:     res.Metadata.Title,
				Author:    res.Metadata.Author,
				Published: res.Metadata.Date,
				Body:      strings.TrimSpace(res.ContentText),
			}
		},
		join: func(pages []record) record {
			out := pages[0]
			var bodies []string
			for _, p := range pages {
				if p.Body != "" {
					bodies = append(bodies, p.Body)
				}
			}
			out.Body = strings.Join(bodies, "\n")
			return out
		},
	}
}

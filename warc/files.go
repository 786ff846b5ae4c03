package warc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/canon"
)

// fileMeta is the body of the metadata record that ties a stored file to
// an article, or a list page, that links it.
type fileMeta struct {
	Article     string `json:"article,omitempty"` // record ID
	ArticleURL  string `json:"article_url,omitempty"`
	Page        string `json:"page,omitempty"` // list page URL, for a list page's file
	URL         string `json:"url"`            // as the article or page links it
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"` // hex
	ContentType string `json:"content_type,omitempty"`
}

// writeFiles writes the stored attachments and images of r's latest version:
// each file's request and response once per WARC file (at the first
// article that links it), then, for every article linking it, a metadata
// record referring to that response.
func (ww *writer) writeFiles(r archive.Record) error {
	for _, list := range [][]string{r.Attachments, r.Images} {
		for _, u := range list {
			f, body, err := ww.a.FileBody(u)
			switch {
			case errors.Is(err, archive.ErrNotFound):
				continue
			case err != nil:
				return fmt.Errorf("file %s: %w", u, err)
			case !f.Stored():
				continue
			}
			rf, err := ww.fileResponse(u, f, body)
			if err != nil {
				return err
			}
			m := fileMeta{Article: r.ID, ArticleURL: r.URL, URL: u, Name: f.Name, Size: f.Size, SHA256: f.HexHash(), ContentType: f.ContentType}
			if err := ww.fileMetadata(m, f, rf); err != nil {
				return fmt.Errorf("file %s metadata: %w", u, err)
			}
		}
	}
	return nil
}

// fileResponse writes the request and response records of file f (linked
// as u, with its bytes body) unless the WARC file has them already, and
// returns the reference to the response.
func (ww *writer) fileResponse(u string, f archive.File, body []byte) (ref, error) {
	key, _ := canon.URL(u)
	if rf, done := ww.written[key]; done {
		return rf, nil
	}
	p := archive.RawPage{URL: u, Status: f.Status, Header: f.Header, Body: body, FetchedAt: f.FetchedAt}
	if p.FetchedAt.IsZero() {
		p.FetchedAt = time.Now()
	}
	rf, err := ww.page(&p, true)
	if err != nil {
		return ref{}, fmt.Errorf("file %s: %w", u, err)
	}
	ww.written[key] = rf
	ww.stats.Files++
	return rf, nil
}

// writePageFiles writes the stored files that list pages link (topic
// tables), as writeFiles does for an article: the file's records once,
// then a metadata record per linking page naming the page.
func (ww *writer) writePageFiles(ctx context.Context) error {
	var pages []archive.PageFiles
	err := ww.a.ForEachPageFiles(ctx, func(p archive.PageFiles) error {
		pages = append(pages, p)
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range pages {
		for _, u := range p.Files {
			if err := ctx.Err(); err != nil {
				return err
			}
			f, body, err := ww.a.FileBody(u)
			switch {
			case errors.Is(err, archive.ErrNotFound):
				continue
			case err != nil:
				return fmt.Errorf("file %s of page %s: %w", u, p.Page, err)
			case !f.Stored():
				continue
			}
			rf, err := ww.fileResponse(u, f, body)
			if err != nil {
				return err
			}
			m := fileMeta{Page: p.Page, URL: u, Name: f.Name, Size: f.Size, SHA256: f.HexHash(), ContentType: f.ContentType}
			if err := ww.fileMetadata(m, f, rf); err != nil {
				return fmt.Errorf("file %s metadata: %w", u, err)
			}
			ww.stats.PageFiles++
		}
	}
	return nil
}

// fileMetadata writes the metadata record m of file f, referring to the
// file's response rf.
func (ww *writer) fileMetadata(m fileMeta, f archive.File, rf ref) error {
	u := m.URL
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return ww.jsonMetadata(u, f.FetchedAt, rf, body)
}

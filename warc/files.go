package warc

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	gowarc "github.com/nlnwa/gowarc/v3"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/canon"
)

// fileMeta is the body of the metadata record that ties a stored file to
// an article that links it.
type fileMeta struct {
	Article     string `json:"article"` // record ID
	ArticleURL  string `json:"article_url"`
	URL         string `json:"url"` // as the article links it
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
			key, _ := canon.URL(u)
			rf, done := ww.written[key]
			if !done {
				p := archive.RawPage{URL: u, Status: f.Status, Header: f.Header, Body: body, FetchedAt: f.FetchedAt}
				if p.FetchedAt.IsZero() {
					p.FetchedAt = time.Now()
				}
				if rf, err = ww.page(&p, true); err != nil {
					return fmt.Errorf("file %s: %w", u, err)
				}
				ww.written[key] = rf
				ww.stats.Files++
			}
			if err := ww.fileMetadata(r, u, f, rf); err != nil {
				return fmt.Errorf("file %s metadata: %w", u, err)
			}
		}
	}
	return nil
}

// fileMetadata writes the metadata record of file f (linked as u) for
// article r, referring to the file's response rf.
func (ww *writer) fileMetadata(r archive.Record, u string, f archive.File, rf ref) error {
	body, err := json.Marshal(fileMeta{Article: r.ID, ArticleURL: r.URL, URL: u, Name: f.Name, Size: f.Size, SHA256: f.HexHash(), ContentType: f.ContentType})
	if err != nil {
		return err
	}
	date := f.FetchedAt
	if date.IsZero() {
		date = time.Now()
	}
	b := gowarc.NewRecordBuilder(gowarc.Metadata, recordOptions...)
	b.AddWarcHeader(gowarc.WarcTargetURI, u)
	b.AddWarcHeaderTime(gowarc.WarcDate, date.UTC())
	b.AddWarcHeader(gowarc.WarcWarcinfoID, ww.infoID)
	b.AddWarcHeader(gowarc.WarcRefersTo, "<"+rf.id+">")
	b.AddWarcHeader(gowarc.ContentType, "application/json")
	if _, err := b.Write(append(body, '\n')); err != nil {
		b.Close()
		return err
	}
	rec, err := build(b)
	if err != nil {
		return err
	}
	return ww.write(rec)
}

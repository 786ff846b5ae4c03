package archive

import (
	"context"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/hnredstar/crawler/canon"
)

// bucketPageFiles ties files to the list pages that link them; see doc.go.
// Like the files bucket, it is created by the first write, and readers
// treat a missing bucket as empty.
var bucketPageFiles = []byte("pagefiles")

// pageFilesFormat is the format byte of a pagefiles value.
const pageFilesFormat = 1

// PageFiles is a list page (a column or topic page) and the files it
// links: attachments the page offers itself, such as a topic's table of
// position tables, which no article may link. The files are looked up
// with File like an article's.
type PageFiles struct {
	Page  string   // canonical URL of the page
	Files []string // canonical URLs of the files, in the order first seen
}

// AddPageFiles records that the page at pageURL links files. Files already
// recorded for the page stay: list pages shift as the site publishes, and
// a file once offered on a page stays tied to it. It reports the files
// that were new to the page. URLs that do not canonicalise are skipped.
func (a *Archive) AddPageFiles(pageURL string, files []string) ([]string, error) {
	var added []string
	err := a.update(func(tx *bolt.Tx) error {
		var err error
		added, err = addPageFiles(tx, PageFiles{Page: pageURL, Files: files})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("page files of %s: %w", pageURL, err)
	}
	return added, nil
}

// addPageFiles is AddPageFiles within tx.
func addPageFiles(tx *bolt.Tx, pf PageFiles) ([]string, error) {
	page, err := canon.URL(pf.Page)
	if err != nil {
		return nil, err
	}
	var add []string
	for _, f := range pf.Files {
		if u, err := canon.URL(f); err == nil && !slices.Contains(add, u) {
			add = append(add, u)
		}
	}
	if len(add) == 0 {
		return nil, nil
	}
	b, err := tx.CreateBucketIfNotExists(bucketPageFiles)
	if err != nil {
		return nil, err
	}
	var have []string
	if v := b.Get([]byte(page)); v != nil {
		if have, err = decodePageFiles(page, v); err != nil {
			return nil, err
		}
	}
	var added []string
	for _, u := range add {
		if !slices.Contains(have, u) {
			added = append(added, u)
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	return added, b.Put([]byte(page), appendPageFiles(nil, append(have, added...)))
}

// PageFiles returns the files recorded for the page at pageURL (none if
// the archive has no entry for it).
func (a *Archive) PageFiles(pageURL string) ([]string, error) {
	page, err := canon.URL(pageURL)
	if err != nil {
		return nil, nil
	}
	var files []string
	err = a.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPageFiles)
		if b == nil {
			return nil
		}
		if v := b.Get([]byte(page)); v != nil {
			files, err = decodePageFiles(page, v)
		}
		return err
	})
	return files, err
}

// ForEachPageFiles calls fn with every page that links files, in order of
// the page's URL. It reads in one transaction; fn must not write to the
// archive. It stops and returns the first error fn returns, or ctx's.
func (a *Archive) ForEachPageFiles(ctx context.Context, fn func(PageFiles) error) error {
	return a.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPageFiles)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			files, err := decodePageFiles(string(k), v)
			if err != nil {
				return err
			}
			return fn(PageFiles{Page: string(k), Files: files})
		})
	})
}

// appendPageFiles appends the pagefiles value listing files.
func appendPageFiles(dst []byte, files []string) []byte {
	e := encoder{dst}
	e.byte(pageFilesFormat)
	e.strings(files)
	return e.b
}

// decodePageFiles decodes a pagefiles value; page is its key.
func decodePageFiles(page string, b []byte) ([]string, error) {
	d := decoder{b: b}
	if d.byte() != pageFilesFormat {
		return nil, fmt.Errorf("page files of %s: %w: format", page, errCorrupt)
	}
	files := d.strings()
	if err := d.end(); err != nil {
		return nil, fmt.Errorf("page files of %s: %w", page, err)
	}
	return files, nil
}

// pageFileStats counts the pages that link files, the distinct files they
// link, and how many of those the archive stores.
func pageFileStats(tx *bolt.Tx, s *Stats) error {
	b := tx.Bucket(bucketPageFiles)
	if b == nil {
		return nil
	}
	files := tx.Bucket(bucketFiles)
	seen := map[string]bool{}
	return b.ForEach(func(k, v []byte) error {
		list, err := decodePageFiles(string(k), v)
		if err != nil {
			return err
		}
		s.FilePages++
		for _, u := range list {
			if seen[u] {
				continue
			}
			seen[u] = true
			s.PageFiles++
			if files == nil {
				continue
			}
			if fv := files.Get([]byte(u)); fv != nil {
				if f, err := decodeFile(u, fv); err == nil && f.Stored() {
					s.PageFilesStored++
				}
			}
		}
		return nil
	})
}

// pageFiles checks the pagefiles entries: each decodes under a canonical
// URL and lists canonical file URLs, each once. A listed file need not
// have a files entry: it may not have been fetched yet.
func (v *verifier) pageFiles() error {
	b := v.tx.Bucket(bucketPageFiles)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		page := string(k)
		if got, err := canon.URL(page); err != nil || got != page {
			v.add("pagefiles", page, "not a canonical URL")
		}
		files, err := decodePageFiles(page, val)
		if err != nil {
			v.add("pagefiles", page, "%v", err)
			continue
		}
		if len(files) == 0 {
			v.add("pagefiles", page, "lists no files")
		}
		seen := map[string]bool{}
		for _, u := range files {
			if got, err := canon.URL(u); err != nil || got != u {
				v.add("pagefiles", page, "file %s is not a canonical URL", u)
			}
			if seen[u] {
				v.add("pagefiles", page, "file %s is listed twice", u)
			}
			seen[u] = true
		}
	}
	return nil
}

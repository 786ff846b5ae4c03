package archive

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Reextract stores a new reading of a record's raw pages. art holds the
// fields extracted again from the raw pages of version base (as returned
// by RawPages(id, base)); its URL, FetchedAt and Pages are ignored.
//
// If title, source, published, body, column, images, attachments, author
// and editor all equal those of version base, nothing is written and the
// outcome is Unchanged. Otherwise, in one transaction, a new version is
// written with art's fields, the fetch time of version base and a
// reference to base's raw pages (no page is copied or fetched), the
// indexes follow, and the outcome is Versioned. changed names the fields
// that differ, by their JSON names, in Record's order.
//
// base must be the record's latest version: if another version was added
// since it was read, Reextract writes nothing and returns ErrConflict.
// art must have a title or a body (ErrNoContent otherwise).
func (a *Archive) Reextract(ctx context.Context, id string, base int, art Article) (out Outcome, changed []string, err error) {
	n, err := parseID(id)
	if err != nil {
		return 0, nil, err
	}
	if !hasContent(art.Title, art.Body) {
		return 0, nil, fmt.Errorf("re-extract %s: %w", id, ErrNoContent)
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if a.readOnly {
		return 0, nil, fmt.Errorf("re-extract %s: archive %s: %w", id, a.path, ErrReadOnly)
	}
	if a.schema < 2 {
		return 0, nil, a.errOldSchema("re-extracted versions")
	}

	// Compare in a read transaction first, so that a re-extraction that
	// changes nothing (the common case) writes nothing.
	var old version
	err = a.view(func(tx *bolt.Tx) error {
		h, err := getHeader(tx.Bucket(bucketArticles), n)
		if err != nil {
			return err
		}
		if h.Latest != base {
			return fmt.Errorf("latest version is %d, not %d: %w", h.Latest, base, ErrConflict)
		}
		old, err = a.getVersion(tx.Bucket(bucketVersions), n, base)
		return err
	})
	if err != nil {
		return 0, nil, fmt.Errorf("re-extract %s: %w", id, err)
	}
	if changed = diffFields(&old, &art); len(changed) == 0 {
		return Unchanged, nil, nil
	}

	err = a.update(func(tx *bolt.Tx) error {
		arts := tx.Bucket(bucketArticles)
		h, err := getHeader(arts, n)
		if err != nil {
			return err
		}
		if h.Latest != base {
			return fmt.Errorf("latest version is %d, not %d: %w", h.Latest, base, ErrConflict)
		}
		old, err := a.getVersion(tx.Bucket(bucketVersions), n, base)
		if err != nil {
			return err
		}
		v := version{
			Hash:        contentHash(art.Title, art.Body),
			Title:       art.Title,
			Source:      art.Source,
			Body:        art.Body,
			Column:      art.Column,
			Author:      art.Author,
			Editor:      art.Editor,
			Published:   art.Published,
			FetchedAt:   old.FetchedAt,
			Images:      art.Images,
			Attachments: art.Attachments,
			Pages:       old.Pages,
		}
		h.Latest++
		if err := arts.Put(idKey(n), h.append(nil)); err != nil {
			return err
		}
		versions := tx.Bucket(bucketVersions)
		versions.FillPercent = appendFill
		if err := versions.Put(versionKey(n, h.Latest), v.append(nil)); err != nil {
			return err
		}
		if v.Pages > 0 {
			src := binary.BigEndian.AppendUint32(nil, uint32(rawSource(tx, n, base)))
			if err := tx.Bucket(bucketRawFrom).Put(versionKey(n, h.Latest), src); err != nil {
				return err
			}
		}
		if err := reindexTitle(tx, n, &old, &v); err != nil {
			return err
		}
		if !old.Published.Equal(v.Published) {
			bytime := tx.Bucket(bucketByTime)
			if err := bytime.Delete(timeKey(old.Published, n)); err != nil {
				return err
			}
			if err := bytime.Put(timeKey(v.Published, n), nil); err != nil {
				return err
			}
		}
		hashes := tx.Bucket(bucketHashes)
		if hashes.Get(v.Hash[:]) == nil {
			if err := hashes.Put(v.Hash[:], idKey(n)); err != nil {
				return err
			}
		}
		return touch(tx, n, a.now())
	})
	if err != nil {
		return 0, nil, fmt.Errorf("re-extract %s: %w", id, err)
	}
	return Versioned, changed, nil
}

// Diff returns the JSON names of the fields of art that differ from r's,
// compared as Reextract compares them: title, source, published, body,
// column, images, attachments, author, editor.
func (r *Record) Diff(art Article) []string {
	v := version{Title: r.Title, Source: r.Source, Body: r.Body, Column: r.Column, Author: r.Author,
		Editor: r.Editor, Published: r.Published, Images: r.Images, Attachments: r.Attachments}
	return diffFields(&v, &art)
}

// diffFields returns the JSON names of the fields of art that differ from
// v, in Record's order. Nil and empty lists are equal.
func diffFields(v *version, art *Article) []string {
	var d []string
	add := func(differ bool, name string) {
		if differ {
			d = append(d, name)
		}
	}
	add(v.Title != art.Title, "title")
	add(v.Source != art.Source, "source")
	add(!v.Published.Equal(art.Published), "published")
	add(v.Body != art.Body, "body")
	add(v.Column != art.Column, "column")
	add(!slices.Equal(v.Images, art.Images), "images")
	add(!slices.Equal(v.Attachments, art.Attachments), "attachments")
	add(v.Author != art.Author, "author")
	add(v.Editor != art.Editor, "editor")
	return d
}

// IDs calls fn with the ID of every record, in ID order (the order records
// were added). IDs are read in batches, each in its own read transaction,
// so fn may write to the archive; a record added meanwhile may or may not
// be passed. IDs stops at the first error from fn, or with ctx.Err() once
// ctx is done.
func (a *Archive) IDs(ctx context.Context, fn func(id string) error) error {
	var last []byte
	batch := make([]uint64, 0, forEachBatch)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch = batch[:0]
		err := a.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketArticles).Cursor()
			var k []byte
			if last == nil {
				k, _ = c.First()
			} else if k, _ = c.Seek(last); slices.Equal(k, last) {
				k, _ = c.Next()
			}
			for ; k != nil && len(batch) < forEachBatch; k, _ = c.Next() {
				if len(k) != idLen {
					return fmt.Errorf("articles key %x: %w", k, errCorrupt)
				}
				batch = append(batch, idOf(k))
				last = append(last[:0], k...)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read archive %s: %w", a.path, err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, id := range batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(formatID(id)); err != nil {
				return err
			}
		}
	}
}

// Len returns the number of records.
func (a *Archive) Len() (int, error) {
	var n int
	err := a.view(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketArticles).Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count records of %s: %w", a.path, err)
	}
	return n, nil
}

package archive

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"

	"github.com/hnredstar/crawler/canon"
)

// forEachBatch is how many records ForEach reads per read transaction. It
// bounds memory and keeps transactions short, so a writer in the same
// process is not held up while fn runs.
const forEachBatch = 256

// Filter selects records by publication time, column and change time.
type Filter struct {
	// Since, if not zero, keeps records published at or after it.
	Since time.Time
	// Until, if not zero, keeps records published before it.
	Until time.Time
	// Columns, if not empty, keeps records whose column (栏目) is one of
	// these, exactly.
	Columns []string
	// ChangedSince, if not zero, keeps records added or changed (a new
	// version or alias) at or after it; see ChangedAt. It needs schema 2
	// (ErrOldSchema otherwise).
	ChangedSince time.Time
	// Distinct leaves out the records that nearly duplicate an earlier
	// one (Record.DuplicateOf set).
	Distinct bool
}

// All reports whether f selects every record (Distinct aside): no time,
// column or change bounds. Exports add what belongs to no article, such
// as the files of list pages (PageFiles), only then.
func (f Filter) All() bool {
	return f.Since.IsZero() && f.Until.IsZero() && len(f.Columns) == 0 && f.ChangedSince.IsZero()
}

// bounds returns the bytime key range [start, end) for f; nil means open.
// With a filter, records without a publication time are left out.
func (f Filter) bounds() (start, end []byte) {
	if !f.Since.IsZero() {
		start = timePrefix(f.Since)
	}
	switch {
	case !f.Until.IsZero():
		end = timePrefix(f.Until)
	case !f.Since.IsZero():
		end = timePrefix(time.Time{})
	}
	return start, end
}

// ForEach calls fn with the latest version of each record in order of
// publication time, then ID; records without a publication time come last.
// With Since or Until set, only records published in [Since, Until) are
// passed, and records without a publication time are left out; Columns,
// ChangedSince and Distinct narrow the records further.
//
// Records are read in batches, each in its own read transaction, so memory
// stays bounded however large the archive; a record written while ForEach
// runs may or may not be seen. ForEach stops and returns the first error
// from fn, or ctx.Err() once ctx is done.
func (a *Archive) ForEach(ctx context.Context, f Filter, fn func(Record) error) error {
	return a.scan(ctx, f, func(batch []storedRecord) error {
		for i := range batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, keep, err := batch[i].decode(f.Columns, nil)
			if err != nil {
				return fmt.Errorf("read archive %s: %w", a.path, err)
			}
			if !keep {
				continue
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// storedRecord is the latest version of a record as read from the archive
// and not yet decoded, so that the decoding, most of the cost of reading,
// can run outside the read transaction and on several CPUs.
type storedRecord struct {
	id      uint64
	header  header
	version []byte        // encoded, copied out of the transaction
	dec     *zstd.Decoder // for a compressed version (see versionDecoder)
}

// decode returns the record, and whether its column is one of columns
// (always, when columns is empty). With scratch not nil, the record's
// strings share the memory of *scratch and s: it is valid only until
// either is reused (see decodeVersionWith).
func (s *storedRecord) decode(columns []string, scratch *[]byte) (Record, bool, error) {
	v, err := decodeVersionWith(s.version, s.dec, scratch)
	if err != nil {
		return Record{}, false, fmt.Errorf("record %s version %d: %w", formatID(s.id), s.header.Latest, err)
	}
	if len(columns) > 0 && !slices.Contains(columns, v.Column) {
		return Record{}, false, nil
	}
	return record(s.id, &s.header, s.header.Latest, &v), true, nil
}

// scan reads the latest version of each record that f selects by
// publication and change time, in ForEach's order, and passes them to fn
// in batches of up to forEachBatch, each read in its own transaction. fn
// may keep the batch. f.Columns is left to storedRecord.decode. scan stops
// and returns the first error from fn, or ctx.Err() once ctx is done.
func (a *Archive) scan(ctx context.Context, f Filter, fn func([]storedRecord) error) error {
	start, end := f.bounds()
	if start != nil && end != nil && bytes.Compare(start, end) >= 0 {
		return nil
	}
	var changed map[uint64]struct{}
	if !f.ChangedSince.IsZero() {
		if a.schema < 2 {
			return a.errOldSchema("change times")
		}
		err := a.view(func(tx *bolt.Tx) error {
			var err error
			changed, err = changedSince(tx, f.ChangedSince)
			return err
		})
		if err != nil {
			return fmt.Errorf("read archive %s: %w", a.path, err)
		}
		if len(changed) == 0 {
			return nil
		}
	}
	var last []byte // last key read; the next batch starts after it
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch := make([]storedRecord, 0, forEachBatch)
		done := false
		err := a.view(func(tx *bolt.Tx) error {
			arts := tx.Bucket(bucketArticles)
			versions := tx.Bucket(bucketVersions)
			c := tx.Bucket(bucketByTime).Cursor()
			var k []byte
			switch {
			case last != nil:
				if k, _ = c.Seek(last); bytes.Equal(k, last) {
					k, _ = c.Next()
				}
			case start != nil:
				k, _ = c.Seek(start)
			default:
				k, _ = c.First()
			}
			for ; len(batch) < forEachBatch; k, _ = c.Next() {
				if k == nil || (end != nil && bytes.Compare(k, end) >= 0) {
					done = true
					return nil
				}
				_, id, ok := parseTimeKey(k)
				if !ok {
					return fmt.Errorf("bytime key %x: %w", k, errCorrupt)
				}
				last = append(last[:0], k...)
				if changed != nil {
					if _, ok := changed[id]; !ok {
						continue
					}
				}
				s, err := a.readStored(arts, versions, id)
				if err != nil {
					return err
				}
				if f.Distinct && s.header.DupOf != 0 {
					continue
				}
				batch = append(batch, s)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read archive %s: %w", a.path, err)
		}
		if len(batch) > 0 {
			if err := fn(batch); err != nil {
				return err
			}
		}
		if done {
			return nil
		}
	}
}

// readStored reads the header and latest version of record id.
func (a *Archive) readStored(arts, versions *bolt.Bucket, id uint64) (storedRecord, error) {
	h, err := getHeader(arts, id)
	if err != nil {
		return storedRecord{}, err
	}
	b := versions.Get(versionKey(id, h.Latest))
	if b == nil {
		return storedRecord{}, fmt.Errorf("record %s version %d: %w", formatID(id), h.Latest, ErrNotFound)
	}
	dec, err := a.versionDecoder(versions.Tx(), b)
	if err != nil {
		return storedRecord{}, fmt.Errorf("record %s version %d: %w", formatID(id), h.Latest, err)
	}
	return storedRecord{id: id, header: h, version: slices.Clone(b), dec: dec}, nil
}

func (a *Archive) latestRecord(arts, versions *bolt.Bucket, id uint64) (Record, error) {
	h, err := getHeader(arts, id)
	if err != nil {
		return Record{}, err
	}
	v, err := a.getVersion(versions, id, h.Latest)
	if err != nil {
		return Record{}, err
	}
	return record(id, &h, h.Latest, &v), nil
}

func (a *Archive) getVersion(versions *bolt.Bucket, id uint64, n int) (version, error) {
	b := versions.Get(versionKey(id, n))
	if b == nil {
		return version{}, fmt.Errorf("record %s version %d: %w", formatID(id), n, ErrNotFound)
	}
	v, err := a.decodeVersionIn(versions.Tx(), b)
	if err != nil {
		return version{}, fmt.Errorf("record %s version %d: %w", formatID(id), n, err)
	}
	return v, nil
}

// Versions returns every version of the record with the given ID, oldest
// (version 1) first. It returns ErrNotFound for an unknown ID.
func (a *Archive) Versions(id string) ([]Record, error) {
	n, err := parseID(id)
	if err != nil {
		return nil, err
	}
	var recs []Record
	err = a.view(func(tx *bolt.Tx) error {
		h, err := getHeader(tx.Bucket(bucketArticles), n)
		if err != nil {
			return err
		}
		versions := tx.Bucket(bucketVersions)
		for i := 1; i <= h.Latest; i++ {
			v, err := a.getVersion(versions, n, i)
			if err != nil {
				return err
			}
			r := record(n, &h, i, &v)
			r.Aliases = slices.Clone(r.Aliases)
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", id, err)
	}
	return recs, nil
}

// Get returns the latest version of the record with the given ID, or
// ErrNotFound.
func (a *Archive) Get(id string) (Record, error) {
	n, err := parseID(id)
	if err != nil {
		return Record{}, err
	}
	var r Record
	err = a.view(func(tx *bolt.Tx) error {
		r, err = a.latestRecord(tx.Bucket(bucketArticles), tx.Bucket(bucketVersions), n)
		return err
	})
	if err != nil {
		return Record{}, fmt.Errorf("get %s: %w", id, err)
	}
	return r, nil
}

// Lookup returns the latest version of the record whose URL or alias is
// url once canonicalised, or ErrNotFound.
func (a *Archive) Lookup(url string) (Record, error) {
	p, err := canon.URL(url)
	if err != nil {
		return Record{}, err
	}
	var r Record
	err = a.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketURLs).Get([]byte(p))
		if v == nil {
			return ErrNotFound
		}
		id, _, _, ok := parseURLValue(v)
		if !ok {
			return fmt.Errorf("urls entry: %w", errCorrupt)
		}
		r, err = a.latestRecord(tx.Bucket(bucketArticles), tx.Bucket(bucketVersions), id)
		return err
	})
	if err != nil {
		return Record{}, fmt.Errorf("lookup %s: %w", p, err)
	}
	return r, nil
}

// RawPages returns the raw responses stored for a version of a record
// (version <= 0: the latest), in page order. It returns ErrNotFound for an
// unknown ID or version. Aliases store no raw pages of their own; a
// re-extracted version (see Reextract) returns those of the version it was
// extracted from.
func (a *Archive) RawPages(id string, version int) ([]RawPage, error) {
	n, err := parseID(id)
	if err != nil {
		return nil, err
	}
	var pages []RawPage
	err = a.view(func(tx *bolt.Tx) error {
		h, err := getHeader(tx.Bucket(bucketArticles), n)
		if err != nil {
			return err
		}
		if version <= 0 {
			version = h.Latest
		}
		v, err := a.getVersion(tx.Bucket(bucketVersions), n, version)
		if err != nil {
			return err
		}
		raw := tx.Bucket(bucketRaw)
		src := rawSource(tx, n, version)
		pages = make([]RawPage, 0, v.Pages)
		for i := range v.Pages {
			b := raw.Get(rawKey(n, src, i))
			if b == nil {
				return fmt.Errorf("raw page %d: %w", i+1, ErrNotFound)
			}
			plain, err := a.decompress(b)
			if err != nil {
				return fmt.Errorf("raw page %d: %w", i+1, err)
			}
			p, err := decodeRawPage(plain)
			if err != nil {
				return fmt.Errorf("raw page %d: %w", i+1, err)
			}
			pages = append(pages, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("raw pages of %s version %d: %w", id, version, err)
	}
	return pages, nil
}

// idOf returns the record ID in the first 8 bytes of a key.
func idOf(k []byte) uint64 { return binary.BigEndian.Uint64(k) }

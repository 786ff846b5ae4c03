package archive

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
)

// migrate upgrades an archive of an older schema to schemaVersion in tx,
// which Open commits as one transaction: a crash leaves the old schema.
//
// Schema 1 → 2 adds the changed and bychange indexes and the rawfrom
// bucket. Schema 1 did not record when a record changed; each record's
// change time is taken as its latest version's fetched_at (or now, when
// that is unknown), which is when that version was stored, give or take
// the seconds of a crawl. Aliases added later than that are dated to it.
//
// Schema 2 → 3 adds the bytitle index, one entry per record from its
// latest version. Records stored twice before (copies extracted slightly
// differently) stay two records without DuplicateOf; articles stored from
// then on are compared with them.
func migrate(tx *bolt.Tx, path string, now time.Time) error {
	from := schemaOf(tx)
	if from >= schemaVersion {
		return nil
	}
	// Reading versions needs nothing of an Archive but a decoder, and the
	// dictionaries' decoders it makes from tx's meta bucket.
	dec, err := newDecoder()
	if err != nil {
		return fmt.Errorf("upgrade archive %s: zstd decoder: %w", path, err)
	}
	a := &Archive{path: path, dec: dec}
	defer func() {
		dec.Close()
		a.textDecoders.Range(func(_, d any) bool {
			d.(*zstd.Decoder).Close()
			return true
		})
	}()
	if from < 2 {
		for _, name := range schema2Buckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("upgrade archive %s to schema 2: bucket %q: %w", path, name, err)
			}
		}
		arts := tx.Bucket(bucketArticles)
		versions := tx.Bucket(bucketVersions)
		c := arts.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(k) != idLen {
				return fmt.Errorf("upgrade archive %s to schema 2: articles key %x: %w; run crawler verify", path, k, errCorrupt)
			}
			id := idOf(k)
			h, err := decodeHeader(v)
			if err != nil {
				return fmt.Errorf("upgrade archive %s to schema 2: record %s: %w; run crawler verify", path, formatID(id), err)
			}
			t := now
			if ver, err := a.getVersion(versions, id, h.Latest); err == nil && !ver.FetchedAt.IsZero() {
				t = ver.FetchedAt
			}
			if err := touch(tx, id, t); err != nil {
				return fmt.Errorf("upgrade archive %s to schema 2: %w", path, err)
			}
		}
	}
	if from < 3 {
		if err := indexTitles(tx, a, path); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketMeta).Put(metaSchema, []byte(strconv.Itoa(schemaVersion))); err != nil {
		return fmt.Errorf("upgrade archive %s: %w", path, err)
	}
	return nil
}

// indexTitles creates the bytitle bucket and fills it from every record's
// latest version.
func indexTitles(tx *bolt.Tx, a *Archive, path string) error {
	idx, err := tx.CreateBucketIfNotExists(bucketByTitle)
	if err != nil {
		return fmt.Errorf("upgrade archive %s to schema 3: bucket %q: %w", path, bucketByTitle, err)
	}
	versions := tx.Bucket(bucketVersions)
	// Keys are put in order: bbolt fills pages in order much faster than
	// it splits them at random.
	var keys [][]byte
	c := tx.Bucket(bucketArticles).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != idLen {
			return fmt.Errorf("upgrade archive %s to schema 3: articles key %x: %w; run crawler verify", path, k, errCorrupt)
		}
		id := idOf(k)
		h, err := decodeHeader(v)
		if err != nil {
			return fmt.Errorf("upgrade archive %s to schema 3: record %s: %w; run crawler verify", path, formatID(id), err)
		}
		ver, err := a.getVersion(versions, id, h.Latest)
		if err != nil {
			return fmt.Errorf("upgrade archive %s to schema 3: %w; run crawler verify", path, err)
		}
		keys = append(keys, titleKey(ver.Title, ver.Published, id))
	}
	slices.SortFunc(keys, bytes.Compare)
	for _, k := range keys {
		if err := idx.Put(k, nil); err != nil {
			return fmt.Errorf("upgrade archive %s to schema 3: %w", path, err)
		}
	}
	return nil
}

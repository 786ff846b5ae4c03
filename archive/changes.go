package archive

import (
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// touch records that record id changed at t (it was added, got a version
// or an alias): it sets the record's changed entry and moves its bychange
// entry, so that each record has exactly one of each.
func touch(tx *bolt.Tx, id uint64, t time.Time) error {
	changed := tx.Bucket(bucketChanged)
	bychange := tx.Bucket(bucketByChange)
	changed.FillPercent = appendFill
	bychange.FillPercent = appendFill
	k := idKey(id)
	if old := changed.Get(k); old != nil {
		if err := bychange.Delete(append(slices.Clone(old), k...)); err != nil {
			return err
		}
	}
	p := timePrefix(t)
	if err := changed.Put(k, p); err != nil {
		return err
	}
	return bychange.Put(append(p, k...), nil)
}

// changedSince returns the IDs of the records whose last change was at or
// after t, from one read of the bychange index.
func changedSince(tx *bolt.Tx, t time.Time) (map[uint64]struct{}, error) {
	ids := map[uint64]struct{}{}
	c := tx.Bucket(bucketByChange).Cursor()
	for k, _ := c.Seek(timePrefix(t)); k != nil; k, _ = c.Next() {
		_, id, ok := parseTimeKey(k)
		if !ok {
			return nil, fmt.Errorf("bychange key %x: %w", k, errCorrupt)
		}
		ids[id] = struct{}{}
	}
	return ids, nil
}

// rawSource returns the version whose raw pages version n of record id
// uses: n itself, or the version named in rawfrom for a re-extracted
// version. Archives of schema 1 have no rawfrom bucket.
func rawSource(tx *bolt.Tx, id uint64, n int) int {
	b := tx.Bucket(bucketRawFrom)
	if b == nil {
		return n
	}
	v := b.Get(versionKey(id, n))
	if len(v) != 4 {
		return n
	}
	return int(binary.BigEndian.Uint32(v))
}

// ChangedAt returns when the record with the given ID last changed: when
// it was added, or got its latest version or alias. It returns ErrNotFound
// for an unknown ID.
func (a *Archive) ChangedAt(id string) (time.Time, error) {
	n, err := parseID(id)
	if err != nil {
		return time.Time{}, err
	}
	if a.schema < 2 {
		return time.Time{}, a.errOldSchema("change times")
	}
	var t time.Time
	err = a.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketChanged).Get(idKey(n))
		if v == nil {
			return fmt.Errorf("record %s: %w", formatID(n), ErrNotFound)
		}
		var ok bool
		t, _, ok = parseTimeKey(append(slices.Clone(v), idKey(n)...))
		if !ok {
			return fmt.Errorf("changed entry of %s: %w", formatID(n), errCorrupt)
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("change time of %s: %w", id, err)
	}
	return inCST(t), nil
}

// errOldSchema explains that an archive of schema 1, opened read-only, lacks
// what a feature needs.
func (a *Archive) errOldSchema(what string) error {
	return fmt.Errorf("archive %s has schema %d, which does not record %s; open it once with a writing command (crawler crawl) to upgrade it to schema %d: %w",
		a.path, a.schema, what, schemaVersion, ErrOldSchema)
}

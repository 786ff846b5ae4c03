package archive

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketFrontier holds the crawler's frontiers, one sub-bucket per name,
// each with a "pending" and a "done" bucket of opaque values keyed by
// canonical URL. It is created on first use.
var (
	bucketFrontier = []byte("frontier")
	bucketPending  = []byte("pending")
	bucketDone     = []byte("done")
)

// FrontierEntry is one URL of a frontier with the crawler's opaque data.
type FrontierEntry struct {
	Key   string // canonical URL
	Value []byte
}

// Step is one batch of crawl progress. Commit applies it in a single
// transaction, so an article is never stored without its frontier entry
// being finished, and a page is never finished without the links it
// revealed being queued: after a crash the crawl resumes exactly.
type Step struct {
	Articles []Article
	// Done moves entries from pending to done, with their final values.
	Done []FrontierEntry
	// Add queues entries unless they are already pending or done.
	Add []FrontierEntry
	// Update rewrites pending entries (attempt counts, last errors).
	Update []FrontierEntry
	// State sets keys of the state bucket (nil value deletes).
	State map[string][]byte
	// PageFiles records the files list pages link, as AddPageFiles.
	PageFiles []PageFiles
}

// Commit applies s to the frontier called name and returns the outcome of
// each article, as PutBatch would.
func (a *Archive) Commit(ctx context.Context, name string, s Step) ([]Outcome, error) {
	ps := make([]prepared, len(s.Articles))
	for i := range s.Articles {
		p, err := prepare(&s.Articles[i])
		if err != nil {
			return nil, fmt.Errorf("commit crawl step: article %s: %w", s.Articles[i].URL, err)
		}
		ps[i] = p
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	outs := make([]Outcome, len(ps))
	err := a.update(func(tx *bolt.Tx) error {
		for i := range ps {
			out, err := a.put(tx, &ps[i])
			if err != nil {
				return fmt.Errorf("article %s: %w", ps[i].url, err)
			}
			outs[i] = out
		}
		pending, done, err := frontierBuckets(tx, name, true)
		if err != nil {
			return err
		}
		for _, e := range s.Done {
			if err := pending.Delete([]byte(e.Key)); err != nil {
				return err
			}
			if err := done.Put([]byte(e.Key), e.Value); err != nil {
				return err
			}
		}
		for _, e := range s.Add {
			k := []byte(e.Key)
			if pending.Get(k) != nil || done.Get(k) != nil {
				continue
			}
			if err := pending.Put(k, e.Value); err != nil {
				return err
			}
		}
		for _, e := range s.Update {
			if err := pending.Put([]byte(e.Key), e.Value); err != nil {
				return err
			}
		}
		for _, pf := range s.PageFiles {
			if _, err := addPageFiles(tx, pf); err != nil {
				return fmt.Errorf("page files of %s: %w", pf.Page, err)
			}
		}
		st := tx.Bucket(bucketState)
		for k, v := range s.State {
			var err error
			if v == nil {
				err = st.Delete([]byte(k))
			} else {
				err = st.Put([]byte(k), v)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("commit crawl step to %s: %w", a.path, err)
	}
	return outs, nil
}

// LoadFrontier calls fn for every entry of the frontier called name:
// pending ones first, then done ones. Values are copies.
func (a *Archive) LoadFrontier(name string, fn func(e FrontierEntry, done bool) error) error {
	return a.view(func(tx *bolt.Tx) error {
		pending, done, err := frontierBuckets(tx, name, false)
		if err != nil || pending == nil {
			return err
		}
		for _, b := range []struct {
			bucket *bolt.Bucket
			done   bool
		}{{pending, false}, {done, true}} {
			err := b.bucket.ForEach(func(k, v []byte) error {
				return fn(FrontierEntry{Key: string(k), Value: append([]byte(nil), v...)}, b.done)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// ForEachPending calls fn with each pending entry of the frontier called
// name, in key order, until fn returns false. Values are copies. It reads
// in one transaction: fn must not write to the archive.
func (a *Archive) ForEachPending(name string, fn func(FrontierEntry) bool) error {
	err := a.view(func(tx *bolt.Tx) error {
		pending, _, err := frontierBuckets(tx, name, false)
		if err != nil || pending == nil {
			return err
		}
		c := pending.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if !fn(FrontierEntry{Key: string(k), Value: append([]byte(nil), v...)}) {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read frontier %s of %s: %w", name, a.path, err)
	}
	return nil
}

// FrontierDone returns a copy of the done entry for key in the first of
// the named frontiers that has one, or nil if none has.
func (a *Archive) FrontierDone(key string, names ...string) ([]byte, error) {
	var v []byte
	err := a.view(func(tx *bolt.Tx) error {
		for _, name := range names {
			_, done, err := frontierBuckets(tx, name, false)
			if err != nil {
				return err
			}
			if done == nil {
				continue
			}
			if b := done.Get([]byte(key)); b != nil {
				v = append([]byte(nil), b...)
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("frontier entry %s in %s: %w", key, a.path, err)
	}
	return v, nil
}

// ResetFrontier forgets the done entries of the frontier called name and,
// if dropPending, its pending ones too.
func (a *Archive) ResetFrontier(name string, dropPending bool) error {
	return a.update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketFrontier)
		if root == nil || root.Bucket([]byte(name)) == nil {
			return nil
		}
		fb := root.Bucket([]byte(name))
		names := [][]byte{bucketDone}
		if dropPending {
			names = append(names, bucketPending)
		}
		for _, n := range names {
			if err := fb.DeleteBucket(n); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
				return err
			}
			if _, err := fb.CreateBucket(n); err != nil {
				return err
			}
		}
		return nil
	})
}

// frontierBuckets returns the pending and done buckets of a frontier,
// creating them when create is set (in a write transaction); without
// create, a frontier never written returns nils.
func frontierBuckets(tx *bolt.Tx, name string, create bool) (pending, done *bolt.Bucket, err error) {
	if name == "" {
		return nil, nil, errors.New("frontier name is empty")
	}
	root := tx.Bucket(bucketFrontier)
	if root == nil {
		if !create {
			return nil, nil, nil
		}
		if root, err = tx.CreateBucket(bucketFrontier); err != nil {
			return nil, nil, err
		}
	}
	fb := root.Bucket([]byte(name))
	if fb == nil {
		if !create {
			return nil, nil, nil
		}
		if fb, err = root.CreateBucket([]byte(name)); err != nil {
			return nil, nil, err
		}
	}
	if create {
		if pending, err = fb.CreateBucketIfNotExists(bucketPending); err != nil {
			return nil, nil, err
		}
		if done, err = fb.CreateBucketIfNotExists(bucketDone); err != nil {
			return nil, nil, err
		}
		return pending, done, nil
	}
	return fb.Bucket(bucketPending), fb.Bucket(bucketDone), nil
}

package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The bytitle index finds the records that may be another extraction of
// an article: those with the same folded title, published the same day
// (Beijing time) or without a date. See doc.go for its key.
const (
	titleHashLen = 8
	dayLen       = 4
	titleKeyLen  = titleHashLen + dayLen + idLen
	// noDay is the day of an article without a publication time; it sorts
	// after every real day.
	noDay = 1<<32 - 1
	// maxCandidates bounds how many records one article is compared with:
	// for an article without a date, or a title that recurs (工作动态),
	// the index may hold many. The most recent days come first.
	maxCandidates = 64
)

// titleHash returns the first bytes of the SHA-256 of a folded title.
func titleHash(foldedTitle string) [titleHashLen]byte {
	sum := sha256.Sum256([]byte(foldedTitle))
	return [titleHashLen]byte(sum[:titleHashLen])
}

// dayOf returns the day of t in Beijing time, counted from the Unix epoch
// and offset so that it is unsigned, or noDay for the zero time.
func dayOf(t time.Time) uint32 {
	if t.IsZero() {
		return noDay
	}
	sec := t.Unix() + 8*3600
	day := sec / 86400
	if sec < 0 && sec%86400 != 0 {
		day--
	}
	return uint32(day + 1<<31)
}

// titleKey returns the bytitle key of record id whose latest version has
// title and published.
func titleKey(title string, published time.Time, id uint64) []byte {
	th := titleHash(foldTitle(title))
	k := append(make([]byte, 0, titleKeyLen), th[:]...)
	k = binary.BigEndian.AppendUint32(k, dayOf(published))
	return binary.BigEndian.AppendUint64(k, id)
}

// reindexTitle moves record id's bytitle entry from the key of version
// old to that of version cur, if they differ. old nil: a new record.
func reindexTitle(tx *bolt.Tx, id uint64, old, cur *version) error {
	b := tx.Bucket(bucketByTitle)
	k := titleKey(cur.Title, cur.Published, id)
	if old != nil {
		ok := titleKey(old.Title, old.Published, id)
		if bytes.Equal(ok, k) {
			return nil
		}
		if err := b.Delete(ok); err != nil {
			return err
		}
	}
	return b.Put(k, nil)
}

// match is the stored record a new article is most like.
type match struct {
	rel    relation
	id     uint64
	header header
	latest version
	// fuller reports, for sameArticle, whether the new article's body
	// is the fuller one.
	fuller bool
}

// similar finds the record whose latest version has art's folded title,
// the same day or no date (or none, when art has no date), and whose body
// relates closest to art's: the lowest ID among those that are the same
// article, else the lowest among its near-duplicates. It compares with at
// most maxCandidates records.
func (a *Archive) similar(tx *bolt.Tx, art *Article) (match, error) {
	var best match
	idx := tx.Bucket(bucketByTitle)
	ft := foldTitle(art.Title)
	if idx == nil || ft == "" {
		return best, nil
	}
	th := titleHash(ft)
	day := dayOf(art.Published)
	var cur *folded
	arts := tx.Bucket(bucketArticles)
	versions := tx.Bucket(bucketVersions)
	n := 0
	try := func(id uint64) error {
		n++
		h, err := getHeader(arts, id)
		if err != nil {
			return fmt.Errorf("bytitle entry: %w", err)
		}
		v, err := a.getVersion(versions, id, h.Latest)
		if err != nil {
			return fmt.Errorf("bytitle entry: %w", err)
		}
		if foldTitle(v.Title) != ft { // another title with the same hash
			return nil
		}
		if cur == nil {
			cur = foldBody(art.Body)
		}
		rel, fuller := relate(foldBody(v.Body), cur)
		if rel > best.rel || rel == best.rel && rel != unrelated && id < best.id {
			best = match{rel: rel, id: id, header: h, latest: v, fuller: fuller}
		}
		return nil
	}
	prefixes := [][]byte{th[:]}
	if day != noDay {
		// The day itself, then the records without a date.
		prefixes = [][]byte{
			binary.BigEndian.AppendUint32(th[:], day),
			binary.BigEndian.AppendUint32(th[:], noDay),
		}
	}
	for _, prefix := range prefixes {
		if err := scanPrefixBackwards(idx, prefix, func(k []byte) (bool, error) {
			if n >= maxCandidates {
				return false, nil
			}
			return true, try(idOf(k[titleHashLen+dayLen:]))
		}); err != nil {
			return match{}, err
		}
	}
	return best, nil
}

// scanPrefixBackwards calls fn with the keys of b that start with prefix,
// last first, while it returns true.
func scanPrefixBackwards(b *bolt.Bucket, prefix []byte, fn func(k []byte) (bool, error)) error {
	c := b.Cursor()
	end := prefixEnd(prefix)
	var k []byte
	if end == nil {
		k, _ = c.Last()
	} else if k, _ = c.Seek(end); k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Prev() {
		if len(k) != titleKeyLen {
			return fmt.Errorf("bytitle key %x: %w", k, errCorrupt)
		}
		more, err := fn(k)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// prefixEnd returns the least key greater than every key starting with
// prefix, or nil if there is none.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

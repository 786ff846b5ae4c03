package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hnredstar/crawler/canon"
)

// Problem is one inconsistency found by Verify.
type Problem struct {
	Bucket string // bucket the problem was found in ("bbolt" for the file itself)
	Key    string // printable key: record ID, URL, hash or time and ID
	Msg    string // what is wrong
}

// String returns "bucket key: msg".
func (p Problem) String() string {
	if p.Key == "" {
		return p.Bucket + ": " + p.Msg
	}
	return p.Bucket + " " + p.Key + ": " + p.Msg
}

// Verify checks the archive in one read transaction and returns the
// problems found (none: nil). It checks the bbolt file (Tx.Check), the meta
// bucket, that every record and version decodes, that content hashes match
// title and body, that every version has its raw pages (its own, or those
// rawfrom names) and they decompress, that every index entry (urls,
// hashes, bytime, changed, bychange, bytitle) points at a record that
// agrees with it, that every record is in each index, that a record's
// duplicate_of names an earlier record, that no version, raw page or
// index entry is left over from a record that does not exist, and that
// every stored attachment's bytes are present and match their hash.
// The error is for failing to run the checks (or ctx being done), not for
// problems found. On a writable archive, Verify holds the write lock while
// it runs.
func (a *Archive) Verify(ctx context.Context) ([]Problem, error) {
	// bbolt's Tx.Check is not safe beside writers in a read transaction, so
	// a writable archive is checked in a write transaction (rolled back),
	// which keeps other writers out meanwhile.
	tx, err := a.db.Begin(!a.readOnly)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", a.path, err)
	}
	defer tx.Rollback()
	v := verifier{a: a, tx: tx, ctx: ctx}
	if err := checkSize(tx, a.path); err != nil {
		// bbolt's own check would fault reading past the end, in a
		// goroutine where that cannot be caught: count what is readable.
		v.add("bbolt", "", "%v", err.(*damageError).cause)
		v.survey()
		return v.probs, nil
	}
	if err := checkPages(a.path); err != nil {
		// bbolt's own check would fault on this file where the fault
		// cannot be caught.
		v.add("bbolt", "", "%v", err)
		v.survey()
		return v.probs, nil
	}
	err = guard(a.path, v.run)
	var damaged *damageError
	if errors.As(err, &damaged) {
		v.add("bbolt", "", "reading the file failed: %v", damaged.cause)
		v.survey()
		return v.probs, nil
	}
	if err != nil {
		return v.probs, fmt.Errorf("verify %s: %w", a.path, err)
	}
	return v.probs, nil
}

// survey reports, for a damaged file, each top-level bucket with the
// number of entries that could still be read and, where reading stopped,
// why: what a restore from the file could recover.
func (v *verifier) survey() {
	var names [][]byte
	err := guard(v.a.path, func() error {
		c := v.tx.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			names = append(names, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		v.add("bbolt", "", "the list of buckets is damaged after %d buckets: %v", len(names), err.(*damageError).cause)
	}
	var readable []string
	for _, name := range names {
		n := 0
		err := guard(v.a.path, func() error {
			b := v.tx.Bucket(name)
			if b == nil {
				return nil
			}
			c := b.Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				n++
			}
			return nil
		})
		if err != nil {
			v.add(string(name), "", "damaged: %d entries read, then: %v", n, err.(*damageError).cause)
			readable = append(readable, fmt.Sprintf("%s %d (damaged)", name, n))
		} else {
			readable = append(readable, fmt.Sprintf("%s %d", name, n))
		}
	}
	if len(readable) == 0 {
		v.add("bbolt", "", "no bucket can be read")
		return
	}
	v.add("bbolt", "", "entries still readable by bucket: %s", strings.Join(readable, ", "))
}

type verifier struct {
	a     *Archive
	tx    *bolt.Tx
	ctx   context.Context
	probs []Problem
	n     int // steps since the last ctx check
}

func (v *verifier) add(bucket, key, format string, args ...any) {
	v.probs = append(v.probs, Problem{Bucket: bucket, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// tick returns ctx.Err() every so often.
func (v *verifier) tick() error {
	if v.n++; v.n%1024 == 0 {
		return v.ctx.Err()
	}
	return nil
}

func (v *verifier) run() error {
	for err := range v.tx.Check() {
		v.add("bbolt", "", "%v", err)
	}
	if err := checkMeta(v.tx, v.a.path); err != nil {
		v.add(string(bucketMeta), "", "%v", err)
		return nil // buckets may be missing; nothing else is safe to walk
	}
	steps := []func() error{v.records, v.orphans, v.urls, v.hashes, v.bytime, v.runs, v.files, v.pageFiles}
	if schemaOf(v.tx) >= 2 {
		steps = append(steps, v.changes, v.rawFrom)
	}
	if schemaOf(v.tx) >= 3 {
		steps = append(steps, v.byTitle)
	}
	for _, step := range steps {
		if err := v.ctx.Err(); err != nil {
			return err
		}
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// records checks every record: header, versions, hashes, raw pages, and
// that each index has its entries.
func (v *verifier) records() error {
	versions := v.tx.Bucket(bucketVersions)
	raw := v.tx.Bucket(bucketRaw)
	urls := v.tx.Bucket(bucketURLs)
	hashes := v.tx.Bucket(bucketHashes)
	bytime := v.tx.Bucket(bucketByTime)
	bytitle := v.tx.Bucket(bucketByTitle) // nil before schema 3
	arts := v.tx.Bucket(bucketArticles)
	c := arts.Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		if len(k) != idLen {
			v.add("articles", fmt.Sprintf("%x", k), "key is not an 8-byte ID")
			continue
		}
		id := idOf(k)
		sid := formatID(id)
		h, err := decodeHeader(val)
		if err != nil {
			v.add("articles", sid, "%v", err)
			continue
		}
		if got, err := canon.URL(h.URL); err != nil || got != h.URL {
			v.add("articles", sid, "URL %q is not canonical", h.URL)
		}
		v.urlEntry(urls, sid, id, h.URL, urlPrimary)
		for _, al := range h.Aliases {
			v.urlEntry(urls, sid, id, al, urlAlias)
		}
		switch {
		case h.DupOf == 0:
		case h.DupOf >= id:
			v.add("articles", sid, "duplicate of record %s, which is not an earlier one", formatID(h.DupOf))
		case arts.Get(idKey(h.DupOf)) == nil:
			v.add("articles", sid, "duplicate of record %s, which does not exist", formatID(h.DupOf))
		}
		for n := 1; n <= h.Latest; n++ {
			key := fmt.Sprintf("%s v%d", sid, n)
			b := versions.Get(versionKey(id, n))
			if b == nil {
				v.add("versions", key, "missing")
				continue
			}
			ver, err := v.a.decodeVersionIn(v.tx, b)
			if err != nil {
				v.add("versions", key, "%v", err)
				continue
			}
			if want := contentHash(ver.Title, ver.Body); want != ver.Hash {
				v.add("versions", key, "content hash %s, title and body hash to %s", formatHash(ver.Hash), formatHash(want))
			}
			if hashes.Get(ver.Hash[:]) == nil {
				v.add("hashes", formatHash(ver.Hash), "missing for record %s", key)
			}
			if n == h.Latest && bytime.Get(timeKey(ver.Published, id)) == nil {
				v.add("bytime", sid, "missing entry for publication time %s", timeString(ver.Published))
			}
			if n == h.Latest && bytitle != nil && bytitle.Get(titleKey(ver.Title, ver.Published, id)) == nil {
				v.add("bytitle", sid, "missing entry for title %q published %s", ver.Title, timeString(ver.Published))
			}
			src := rawSource(v.tx, id, n)
			for p := range ver.Pages {
				pkey := fmt.Sprintf("%s page %d", key, p+1)
				if src != n {
					pkey = fmt.Sprintf("%s page %d (of v%d)", key, p+1, src)
				}
				b := raw.Get(rawKey(id, src, p))
				if b == nil {
					v.add("raw", pkey, "missing")
					continue
				}
				plain, err := v.a.decompress(b)
				if err != nil {
					v.add("raw", pkey, "%v", err)
					continue
				}
				if _, err := decodeRawPage(plain); err != nil {
					v.add("raw", pkey, "%v", err)
				}
			}
		}
	}
	return nil
}

// urlEntry checks that urls maps u to record id with the given kind.
func (v *verifier) urlEntry(urls *bolt.Bucket, sid string, id uint64, u string, kind byte) {
	val := urls.Get([]byte(u))
	if val == nil {
		v.add("urls", u, "missing for record %s", sid)
		return
	}
	got, _, gotKind, ok := parseURLValue(val)
	switch {
	case !ok:
		v.add("urls", u, "bad value %x", val)
	case got != id:
		v.add("urls", u, "points at record %s, but record %s lists it", formatID(got), sid)
	case gotKind != kind:
		v.add("urls", u, "kind %d, record %s has it as kind %d", gotKind, sid, kind)
	}
}

// orphans checks that versions and raw pages belong to existing versions.
func (v *verifier) orphans() error {
	arts := v.tx.Bucket(bucketArticles)
	latest := func(id uint64) int {
		b := arts.Get(idKey(id))
		if b == nil {
			return 0
		}
		h, err := decodeHeader(b)
		if err != nil {
			return 0
		}
		return h.Latest
	}
	c := v.tx.Bucket(bucketVersions).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		if len(k) != versionLen {
			v.add("versions", fmt.Sprintf("%x", k), "bad key length")
			continue
		}
		id, n := idOf(k), int(binary.BigEndian.Uint32(k[idLen:]))
		if n < 1 || n > latest(id) {
			v.add("versions", fmt.Sprintf("%s v%d", formatID(id), n), "no such version in the record")
		}
	}
	versions := v.tx.Bucket(bucketVersions)
	c = v.tx.Bucket(bucketRaw).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		if len(k) != rawKeyLen {
			v.add("raw", fmt.Sprintf("%x", k), "bad key length")
			continue
		}
		id, n, p := idOf(k), int(binary.BigEndian.Uint32(k[idLen:])), int(binary.BigEndian.Uint32(k[versionLen:]))
		key := fmt.Sprintf("%s v%d page %d", formatID(id), n, p+1)
		b := versions.Get(k[:versionLen])
		if b == nil {
			v.add("raw", key, "no such version")
			continue
		}
		if ver, err := v.a.decodeVersionIn(v.tx, b); err == nil && p >= ver.Pages {
			v.add("raw", key, "version has only %d pages", ver.Pages)
		}
	}
	return nil
}

// urls checks that every URL entry is canonical and points at a record
// that lists it.
func (v *verifier) urls() error {
	arts := v.tx.Bucket(bucketArticles)
	c := v.tx.Bucket(bucketURLs).Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		u := string(k)
		if got, err := canon.URL(u); err != nil || got != u {
			v.add("urls", u, "not a canonical URL")
		}
		id, _, kind, ok := parseURLValue(val)
		if !ok {
			v.add("urls", u, "bad value %x", val)
			continue
		}
		h, err := getHeader(arts, id)
		if err != nil {
			v.add("urls", u, "points at %v", err)
			continue
		}
		switch {
		case kind == urlPrimary && h.URL != u:
			v.add("urls", u, "primary URL of record %s, whose URL is %s", formatID(id), h.URL)
		case kind == urlAlias && !slices.Contains(h.Aliases, u):
			v.add("urls", u, "alias of record %s, which does not list it", formatID(id))
		}
	}
	return nil
}

// hashes checks that every hash entry points at a record with a version
// of that content.
func (v *verifier) hashes() error {
	arts := v.tx.Bucket(bucketArticles)
	versions := v.tx.Bucket(bucketVersions)
	c := v.tx.Bucket(bucketHashes).Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		if len(k) != sha256.Size || len(val) != idLen {
			v.add("hashes", fmt.Sprintf("%x", k), "bad key or value length")
			continue
		}
		var hash [sha256.Size]byte
		copy(hash[:], k)
		key := formatHash(hash)
		id := idOf(val)
		h, err := getHeader(arts, id)
		if err != nil {
			v.add("hashes", key, "points at %v", err)
			continue
		}
		found := false
		for n := 1; n <= h.Latest && !found; n++ {
			got, ok := versionHash(versions.Get(versionKey(id, n)))
			found = ok && got == hash
		}
		if !found {
			v.add("hashes", key, "record %s has no version with this content", formatID(id))
		}
	}
	return nil
}

// bytime checks that every entry points at a record whose latest version
// has that publication time. With records' own check, this makes the index
// exactly one entry per record.
func (v *verifier) bytime() error {
	arts := v.tx.Bucket(bucketArticles)
	versions := v.tx.Bucket(bucketVersions)
	c := v.tx.Bucket(bucketByTime).Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		t, id, ok := parseTimeKey(k)
		if !ok || len(val) != 0 {
			v.add("bytime", fmt.Sprintf("%x", k), "bad key or value")
			continue
		}
		key := timeString(t) + " " + formatID(id)
		h, err := getHeader(arts, id)
		if err != nil {
			v.add("bytime", key, "points at %v", err)
			continue
		}
		ver, err := v.a.getVersion(versions, id, h.Latest)
		if err != nil {
			continue // reported by records
		}
		if !bytes.Equal(k, timeKey(ver.Published, id)) {
			v.add("bytime", key, "record %s was published %s", formatID(id), timeString(ver.Published))
		}
	}
	return nil
}

// byTitle checks that every bytitle entry is the key of a record's
// latest title and publication day. With records' own check, this makes
// the index exactly one entry per record.
func (v *verifier) byTitle() error {
	arts := v.tx.Bucket(bucketArticles)
	versions := v.tx.Bucket(bucketVersions)
	c := v.tx.Bucket(bucketByTitle).Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		if len(k) != titleKeyLen || len(val) != 0 {
			v.add("bytitle", fmt.Sprintf("%x", k), "bad key or value")
			continue
		}
		id := idOf(k[titleHashLen+dayLen:])
		key := fmt.Sprintf("%x %s", k[:titleHashLen+dayLen], formatID(id))
		h, err := getHeader(arts, id)
		if err != nil {
			v.add("bytitle", key, "points at %v", err)
			continue
		}
		ver, err := v.a.getVersion(versions, id, h.Latest)
		if err != nil {
			continue // reported by records
		}
		if !bytes.Equal(k, titleKey(ver.Title, ver.Published, id)) {
			v.add("bytitle", key, "record %s has another title or day: %q published %s", formatID(id), ver.Title, timeString(ver.Published))
		}
	}
	return nil
}

// runs checks that every run decodes.
func (v *verifier) runs() error {
	return v.tx.Bucket(bucketRuns).ForEach(func(k, val []byte) error {
		var r Run
		if err := json.Unmarshal(val, &r); err != nil {
			v.add("runs", fmt.Sprintf("%x", k), "%v", err)
		}
		return nil
	})
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return "(none)"
	}
	return t.In(cst).Format(time.RFC3339Nano)
}

// changes checks that the changed and bychange indexes hold exactly one
// entry per record, and agree.
func (v *verifier) changes() error {
	arts := v.tx.Bucket(bucketArticles)
	changed := v.tx.Bucket(bucketChanged)
	bychange := v.tx.Bucket(bucketByChange)
	c := arts.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		if len(k) == idLen && changed.Get(k) == nil {
			v.add("changed", formatID(idOf(k)), "missing for the record")
		}
	}
	c = changed.Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		if len(k) != idLen || len(val) != timeKeyLen-idLen {
			v.add("changed", fmt.Sprintf("%x", k), "bad key or value length")
			continue
		}
		sid := formatID(idOf(k))
		if arts.Get(k) == nil {
			v.add("changed", sid, "entry for a record that does not exist")
		}
		bk := append(slices.Clone(val), k...)
		if t, _, ok := parseTimeKey(bk); !ok || t.IsZero() {
			v.add("changed", sid, "bad time %x", val)
		} else if bychange.Get(bk) == nil {
			v.add("bychange", sid, "missing entry for change time %s", timeString(t))
		}
	}
	c = bychange.Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		t, id, ok := parseTimeKey(k)
		if !ok || len(val) != 0 {
			v.add("bychange", fmt.Sprintf("%x", k), "bad key or value")
			continue
		}
		key := timeString(t) + " " + formatID(id)
		if !bytes.Equal(changed.Get(idKey(id)), k[:timeKeyLen-idLen]) {
			v.add("bychange", key, "record %s has another change time", formatID(id))
		}
	}
	return nil
}

// rawFrom checks that every rawfrom entry belongs to an existing version
// and names an earlier version of the same record that has its own raw
// pages and as many of them.
func (v *verifier) rawFrom() error {
	versions := v.tx.Bucket(bucketVersions)
	return v.tx.Bucket(bucketRawFrom).ForEach(func(k, val []byte) error {
		if err := v.tick(); err != nil {
			return err
		}
		if len(k) != versionLen || len(val) != 4 {
			v.add("rawfrom", fmt.Sprintf("%x", k), "bad key or value length")
			return nil
		}
		id, n := idOf(k), int(binary.BigEndian.Uint32(k[idLen:]))
		src := int(binary.BigEndian.Uint32(val))
		key := fmt.Sprintf("%s v%d", formatID(id), n)
		b := versions.Get(k)
		if b == nil {
			v.add("rawfrom", key, "no such version")
			return nil
		}
		if src < 1 || src >= n {
			v.add("rawfrom", key, "names version %d, not an earlier one", src)
			return nil
		}
		if rawSource(v.tx, id, src) != src {
			v.add("rawfrom", key, "names version %d, which has no raw pages of its own", src)
		}
		if pk, _ := v.tx.Bucket(bucketRaw).Cursor().Seek(k); pk != nil && bytes.HasPrefix(pk, k) {
			v.add("raw", key, "version has raw pages of its own and a rawfrom entry")
		}
		ver, err1 := v.a.decodeVersionIn(v.tx, b)
		from, err2 := v.a.getVersion(versions, id, src)
		if err2 != nil {
			v.add("rawfrom", key, "names version %d: %v", src, err2)
		} else if err1 == nil && ver.Pages != from.Pages {
			v.add("rawfrom", key, "has %d pages, version %d has %d", ver.Pages, src, from.Pages)
		}
		return nil
	})
}

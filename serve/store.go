package serve

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/hnredstar/crawler/archive"
)

// beijing is the zone of the site's dates; months and date filters are in it.
var beijing = time.FixedZone("CST", 8*3600)

// snapshot is everything the server shows, loaded from the archive at once.
// It is never changed after it is built; a reload builds a new one.
type snapshot struct {
	docs     []doc             // newest first; undated last
	dated    int               // docs[:dated] have a publication time
	byID     map[string]uint32 // record ID → position in docs
	columns  []string          // column names, most articles first
	colCount []int             // articles per column, parallel to columns
	ix       *index
	codec    *codec
	cache    resultCache
	stored   storedIndex // which URLs the archive holds copies of, learnt on request

	path       string
	loaded     time.Time
	aliases    int
	versions   int
	textBytes  int64 // bodies, uncompressed
	storeBytes int64 // bodies as held, compressed
}

// doc is one archived article.
type doc struct {
	rec   archive.Record // latest version; Body is empty, see body
	body  []byte         // the body, compressed
	col   uint16         // index into snapshot.columns
	older []olderVersion // earlier versions, oldest first
}

type olderVersion struct {
	rec  archive.Record // Body empty
	body []byte
}

// codec compresses bodies, which are most of what a snapshot holds. S2
// (Snappy's successor) keeps Chinese text at about 55% of its size and
// decompresses several times faster than zstd on article-sized frames,
// which matters because a search decompresses every candidate it checks.
type codec struct{}

func newCodec() *codec { return &codec{} }

func (c *codec) compress(s string) []byte {
	if s == "" {
		return nil
	}
	// EncodeBetter leaves room for the worst case; keep only what is used.
	return bytes.Clone(s2.EncodeBetter(nil, []byte(s)))
}

func (c *codec) decompress(b []byte) string {
	return string(c.decompressTo(nil, b))
}

// decompressTo appends the text of b to dst.
func (c *codec) decompressTo(dst, b []byte) []byte {
	if len(b) == 0 {
		return dst
	}
	n, err := s2.DecodedLen(b)
	if err != nil {
		return dst // cannot happen: the bytes were made by compress
	}
	dst = slices.Grow(dst, n)
	out, err := s2.Decode(dst[len(dst):len(dst)+n], b)
	if err != nil {
		return dst
	}
	return dst[:len(dst)+len(out)]
}

// keySet removes repeated keys from key lists, reusing its table.
type keySet struct {
	slots []uint64
	gen   []uint32
	cur   uint32
}

// dedupe returns ks without repeats, in place.
func (s *keySet) dedupe(ks []uint64) []uint64 {
	size := 64
	for size < 2*len(ks) {
		size *= 2
	}
	if len(s.slots) < size {
		s.slots, s.gen, s.cur = make([]uint64, size), make([]uint32, size), 0
	}
	s.cur++
	mask := uint64(len(s.slots) - 1)
	out := ks[:0]
	for _, k := range ks {
		for h := (k * 0x9E3779B97F4A7C15 >> 29) & mask; ; h = (h + 1) & mask {
			if s.gen[h] != s.cur {
				s.gen[h], s.slots[h] = s.cur, k
				out = append(out, k)
				break
			}
			if s.slots[h] == k {
				break
			}
		}
	}
	return out
}

// body returns the body of the doc at position i.
func (s *snapshot) body(i uint32) string {
	return s.codec.decompress(s.docs[i].body)
}

// snapshotBuilder collects records for a snapshot, compressing their
// bodies in batches on all cores.
type snapshotBuilder struct {
	s       *snapshot
	cols    map[string]uint16
	pending []pendingDoc
}

type pendingDoc struct {
	rec      archive.Record
	versions []archive.Record
}

const compressBatch = 256

func newSnapshotBuilder(path string) *snapshotBuilder {
	return &snapshotBuilder{
		s:    &snapshot{path: path, codec: newCodec(), byID: map[string]uint32{}},
		cols: map[string]uint16{},
	}
}

// add adds the latest version r of a record and its versions (nil, or all
// of them, oldest first, as archive.Versions returns them).
func (b *snapshotBuilder) add(r archive.Record, versions []archive.Record) {
	b.pending = append(b.pending, pendingDoc{r, versions})
	if len(b.pending) == compressBatch {
		b.flush()
	}
}

// flush compresses the pending records and appends them to the docs.
func (b *snapshotBuilder) flush() {
	s := b.s
	batch := make([]doc, len(b.pending))
	parallel(len(b.pending), func(i int) {
		p := b.pending[i]
		d := doc{rec: p.rec, body: s.codec.compress(p.rec.Body)}
		d.rec.Body = ""
		for _, v := range p.versions {
			if v.Version >= p.rec.Version {
				continue
			}
			ov := olderVersion{rec: v, body: s.codec.compress(v.Body)}
			ov.rec.Body = ""
			d.older = append(d.older, ov)
		}
		batch[i] = d
	})
	for i, p := range b.pending {
		r := p.rec
		c, ok := b.cols[r.Column]
		if !ok && len(s.columns) <= 0xFFFF {
			c = uint16(len(s.columns))
			b.cols[r.Column] = c
			s.columns = append(s.columns, r.Column)
			s.colCount = append(s.colCount, 0)
		}
		s.colCount[c]++
		batch[i].col = c
		s.textBytes += int64(len(r.Body))
		s.storeBytes += int64(len(batch[i].body))
		s.aliases += len(r.Aliases)
		s.versions += max(r.Version, 1)
	}
	s.docs = append(s.docs, batch...)
	clear(b.pending)
	b.pending = b.pending[:0]
}

// finish orders the documents newest first, indexes them and returns the
// snapshot.
func (b *snapshotBuilder) finish() *snapshot {
	b.flush()
	s := b.s
	slices.SortStableFunc(s.docs, func(x, y doc) int {
		xz, yz := x.rec.Published.IsZero(), y.rec.Published.IsZero()
		switch {
		case xz != yz:
			if xz {
				return 1
			}
			return -1
		case !xz:
			if c := y.rec.Published.Compare(x.rec.Published); c != 0 {
				return c
			}
		}
		return strings.Compare(y.rec.ID, x.rec.ID)
	})
	s.dated = sort.Search(len(s.docs), func(i int) bool { return s.docs[i].rec.Published.IsZero() })
	for i := range s.docs {
		s.byID[s.docs[i].rec.ID] = uint32(i)
	}

	// Columns by number of articles, then name; remap the docs.
	perm := make([]int, len(s.columns))
	for i := range perm {
		perm[i] = i
	}
	slices.SortFunc(perm, func(x, y int) int {
		if c := cmp.Compare(s.colCount[y], s.colCount[x]); c != 0 {
			return c
		}
		return strings.Compare(s.columns[x], s.columns[y])
	})
	inv := make([]uint16, len(perm))
	cols, counts := make([]string, len(perm)), make([]int, len(perm))
	for newI, oldI := range perm {
		inv[oldI] = uint16(newI)
		cols[newI], counts[newI] = s.columns[oldI], s.colCount[oldI]
	}
	s.columns, s.colCount = cols, counts
	for i := range s.docs {
		s.docs[i].col = inv[s.docs[i].col]
	}

	s.ix = buildIndex(s)
	s.loaded = time.Now()
	return s
}

// buildIndex indexes the title and body of every document. Folding and
// cutting run on all cores; postings are added in document order.
func buildIndex(s *snapshot) *index {
	b := newIndexBuilder()
	const chunk = 256
	type part struct {
		keys [][]uint64
		done chan struct{}
	}
	workers := max(runtime.GOMAXPROCS(0), 1)
	parts := make(chan *part, workers*2)
	go func() {
		defer close(parts)
		sem := make(chan struct{}, workers)
		for start := 0; start < len(s.docs); start += chunk {
			p := &part{done: make(chan struct{})}
			sem <- struct{}{}
			parts <- p
			go func(start int) {
				defer func() { <-sem; close(p.done) }()
				end := min(start+chunk, len(s.docs))
				var buf []byte
				var set keySet
				for i := start; i < end; i++ {
					buf = s.codec.decompressTo(buf[:0], s.docs[i].body)
					ks := appendKeys(nil, s.docs[i].rec.Title)
					ks = appendKeys(ks, string(buf))
					p.keys = append(p.keys, set.dedupe(ks))
				}
			}(start)
		}
	}()
	doc := uint32(0)
	for p := range parts {
		<-p.done
		for _, ks := range p.keys {
			b.addKeys(doc, ks)
			doc++
		}
	}
	return b.finish(len(s.docs))
}

// load reads the archive at path into a snapshot. The archive is opened
// read-only and closed before load returns.
func load(ctx context.Context, path string, lockTimeout time.Duration) (*snapshot, error) {
	a, err := archive.Open(path, archive.Options{ReadOnly: true, Timeout: lockTimeout})
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	defer a.Close()
	b := newSnapshotBuilder(path)
	err = a.ForEach(ctx, archive.Filter{}, func(r archive.Record) error {
		var versions []archive.Record
		if r.Version > 1 {
			var err error
			if versions, err = a.Versions(r.ID); err != nil {
				return err
			}
		}
		b.add(r, versions)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read archive %s: %w", path, err)
	}
	if err := a.Close(); err != nil {
		return nil, err
	}
	return b.finish(), nil
}

// parallel runs fn(i) for i in [0, n) on all cores.
func parallel(n int, fn func(i int)) {
	workers := min(max(runtime.GOMAXPROCS(0), 1), n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// parallelChunks splits [0, n) into one contiguous chunk per core and runs
// fn on each.
func parallelChunks(n int, fn func(lo, hi int)) {
	workers := min(max(runtime.GOMAXPROCS(0), 1), n)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(n*w/workers, n*(w+1)/workers)
		}()
	}
	wg.Wait()
}

package archive

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/hnredstar/crawler/canon"
)

// RawPage is one HTTP response as fetched, kept so that articles can be
// re-extracted later.
type RawPage struct {
	URL       string // as requested (not canonicalised)
	Status    int
	Header    http.Header
	Body      []byte
	FetchedAt time.Time
}

// Article is what the crawler extracted from one article, the input to Put.
// Title and Body make the content hash (see ContentHash); the other fields
// are stored as given.
type Article struct {
	URL         string    // page 1 URL; canonicalised by Put
	Title       string    // at least one of Title and Body must be non-blank
	Source      string    // 来源, e.g. "湖南日报"
	Published   time.Time // zero if unknown
	Body        string    // text of all pages, in order
	Column      string    // 栏目 the article was listed in
	Images      []string  // image URLs, as extracted
	Attachments []string  // attachment URLs, as extracted
	Author      string
	Editor      string
	FetchedAt   time.Time // when page 1 was fetched
	Pages       []RawPage // raw responses of every page of the article, in order
}

// Outcome says what Put did with an article.
type Outcome int

// Outcomes of Put.
const (
	// Added: a new record (version 1) was written.
	Added Outcome = iota + 1
	// Versioned: the URL (or an alias) was known with other content; a new
	// version of its record was written and the old ones kept.
	Versioned
	// Aliased: the URL was new but the content is that of a known record,
	// or the same article extracted otherwise; the URL was added to the
	// record's aliases (and the record may have a new version holding the
	// fuller extraction).
	Aliased
	// Unchanged: the URL was known with this content (nothing was written),
	// or its record's latest version has this content (only the URL's
	// last-seen hash was updated).
	Unchanged
)

// String returns the outcome's lowercase name.
func (o Outcome) String() string {
	switch o {
	case Added:
		return "added"
	case Versioned:
		return "versioned"
	case Aliased:
		return "aliased"
	case Unchanged:
		return "unchanged"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// ContentHash returns the content hash of an article, "sha256:" and 64 hex
// digits: SHA-256 over the normalised title, "\n" and the normalised body,
// where normalising collapses each run of Unicode white space (including
// U+3000 and U+00A0) to one space and trims both ends.
func ContentHash(title, body string) string {
	h := contentHash(title, body)
	return formatHash(h)
}

func formatHash(h [sha256.Size]byte) string {
	return "sha256:" + hex.EncodeToString(h[:])
}

func contentHash(title, body string) [sha256.Size]byte {
	b := make([]byte, 0, len(title)+len(body)+1)
	b = appendNormalised(b, title)
	b = append(b, '\n')
	b = appendNormalised(b, body)
	return sha256.Sum256(b)
}

// appendNormalised appends s with white space runs collapsed to one space
// and trimmed. Invalid UTF-8 is copied as is.
func appendNormalised(dst []byte, s string) []byte {
	space := false // a space is pending
	start := len(dst)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' || '\t' <= c && c <= '\r' {
				space = true
			} else {
				if space && len(dst) > start {
					dst = append(dst, ' ')
				}
				space = false
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError && unicode.IsSpace(r) {
			space = true
		} else {
			if space && len(dst) > start {
				dst = append(dst, ' ')
			}
			space = false
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return dst
}

// hasContent reports whether title or body has a non-space character.
func hasContent(title, body string) bool {
	return len(appendNormalised(nil, title)) > 0 || len(appendNormalised(nil, body)) > 0
}

// Validate returns the error Put would return for art before writing
// anything: a URL that is not absolute http(s), or ErrNoContent. Callers of
// PutBatch, which is all or nothing, can use it to drop bad articles first.
func (art *Article) Validate() error {
	_, err := prepare(art)
	return err
}

// prepared is an article with its canonical URL and content hash.
type prepared struct {
	art  *Article
	url  string
	hash [sha256.Size]byte
}

func prepare(art *Article) (prepared, error) {
	u, err := canon.URL(art.URL)
	if err != nil {
		return prepared{}, err
	}
	if !hasContent(art.Title, art.Body) {
		return prepared{}, ErrNoContent
	}
	return prepared{art: art, url: u, hash: contentHash(art.Title, art.Body)}, nil
}

// Put stores art in one transaction and reports what it did:
//
//   - URL (canonicalised) known and this content last seen there:
//     Unchanged, nothing written;
//   - URL known, content equal to the record's latest version (a mirror
//     catching up): Unchanged, only the URL's last-seen hash is updated;
//   - URL known, other content: Versioned, a new version of the URL's
//     record (the record's URL stays the one it was added under);
//   - URL new, content (by ContentHash) known: Aliased, the URL is added to
//     the aliases of the record that first had that content;
//   - URL new, the same article extracted otherwise (see "Copies and
//     near-duplicates" in the package doc): Aliased;
//   - otherwise Added, a new record, with DuplicateOf set if it nearly
//     duplicates an earlier one.
//
// An alias whose article has fields the record lacks gives the record a
// new version with them merged in; the outcome is still Aliased.
//
// The raw pages of added and versioned articles are stored compressed.
func (a *Archive) Put(ctx context.Context, art Article) (Outcome, error) {
	p, err := prepare(&art)
	if err != nil {
		return 0, fmt.Errorf("put article %s: %w", art.URL, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if a.readOnly {
		return 0, fmt.Errorf("put article %s: archive %s: %w", p.url, a.path, ErrReadOnly)
	}
	if a.unchanged([]prepared{p}) {
		return Unchanged, nil
	}
	var out Outcome
	err = a.update(func(tx *bolt.Tx) error {
		var err error
		out, err = a.put(tx, &p)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("put article %s: %w", p.url, err)
	}
	return out, nil
}

// PutBatch stores arts in one transaction, with the outcomes sequential
// calls to Put would have had. It is all or nothing: if any article is
// invalid (checked before writing), a write fails or ctx is done, nothing is
// written and the error names the article.
func (a *Archive) PutBatch(ctx context.Context, arts []Article) ([]Outcome, error) {
	ps := make([]prepared, len(arts))
	for i := range arts {
		p, err := prepare(&arts[i])
		if err != nil {
			return nil, fmt.Errorf("put article %d of %d (%s): %w", i+1, len(arts), arts[i].URL, err)
		}
		ps[i] = p
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if a.readOnly {
		return nil, fmt.Errorf("put articles: archive %s: %w", a.path, ErrReadOnly)
	}
	outs := make([]Outcome, len(arts))
	if a.unchanged(ps) {
		for i := range outs {
			outs[i] = Unchanged
		}
		return outs, nil
	}
	err := a.update(func(tx *bolt.Tx) error {
		for i := range ps {
			if err := ctx.Err(); err != nil {
				return err
			}
			out, err := a.put(tx, &ps[i])
			if err != nil {
				return fmt.Errorf("put article %d of %d (%s): %w", i+1, len(ps), ps[i].url, err)
			}
			outs[i] = out
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return outs, nil
}

// unchanged reports whether every article in ps was last seen at its URL
// with the same content, so that storing them would write nothing. It lets
// Put skip the write transaction, whose commit alone would write to the
// file (and fsync), on re-crawls where most articles are unchanged.
func (a *Archive) unchanged(ps []prepared) bool {
	same := true
	a.view(func(tx *bolt.Tx) error {
		urls := tx.Bucket(bucketURLs)
		for i := range ps {
			_, seen, _, ok := parseURLValue(urls.Get([]byte(ps[i].url)))
			if !ok || seen != ps[i].hash {
				same = false
				return nil
			}
		}
		return nil
	})
	return same
}

// Has reports whether url, once canonicalised, is a record's URL or alias.
func (a *Archive) Has(url string) (bool, error) {
	u, err := canon.URL(url)
	if err != nil {
		return false, err
	}
	var ok bool
	err = a.view(func(tx *bolt.Tx) error {
		ok = tx.Bucket(bucketURLs).Get([]byte(u)) != nil
		return nil
	})
	return ok, err
}

// put applies one prepared article in tx.
func (a *Archive) put(tx *bolt.Tx, p *prepared) (Outcome, error) {
	if err := a.train(tx); err != nil {
		return 0, err
	}
	urls := tx.Bucket(bucketURLs)
	key := []byte(p.url)
	if v := urls.Get(key); v != nil {
		id, seen, kind, ok := parseURLValue(v)
		if !ok {
			return 0, fmt.Errorf("urls entry: %w", errCorrupt)
		}
		if seen == p.hash {
			return Unchanged, nil
		}
		return a.putKnown(tx, p, id, kind)
	}
	hashes := tx.Bucket(bucketHashes)
	if v := hashes.Get(p.hash[:]); v != nil {
		if len(v) != idLen {
			return 0, fmt.Errorf("hashes entry: %w", errCorrupt)
		}
		id := binary.BigEndian.Uint64(v)
		h, err := getHeader(tx.Bucket(bucketArticles), id)
		if err != nil {
			return 0, err
		}
		return a.addAlias(tx, p, id, h, nil, false)
	}
	m, err := a.similar(tx, p.art)
	if err != nil {
		return 0, err
	}
	if m.rel == sameArticle {
		return a.addAlias(tx, p, m.id, m.header, &m.latest, m.fuller)
	}

	arts := tx.Bucket(bucketArticles)
	arts.FillPercent = appendFill
	id, err := arts.NextSequence()
	if err != nil {
		return 0, err
	}
	h := header{Latest: 1, URL: p.url}
	if m.rel == nearDuplicate {
		h.DupOf = m.id
	}
	if err := arts.Put(idKey(id), h.append(nil)); err != nil {
		return 0, err
	}
	v := newVersion(p)
	if err := a.putVersion(tx, &v, p.art.Pages, id, 1); err != nil {
		return 0, err
	}
	if err := reindexTitle(tx, id, nil, &v); err != nil {
		return 0, err
	}
	if err := tx.Bucket(bucketByTime).Put(timeKey(p.art.Published, id), nil); err != nil {
		return 0, err
	}
	if err := hashes.Put(p.hash[:], idKey(id)); err != nil {
		return 0, err
	}
	if err := urls.Put(key, urlValue(id, p.hash, urlPrimary)); err != nil {
		return 0, err
	}
	if err := touch(tx, id, a.now()); err != nil {
		return 0, err
	}
	return Added, nil
}

// putKnown handles new content at a URL known as record id's primary URL
// or alias.
func (a *Archive) putKnown(tx *bolt.Tx, p *prepared, id uint64, kind byte) (Outcome, error) {
	arts := tx.Bucket(bucketArticles)
	versions := tx.Bucket(bucketVersions)
	urls := tx.Bucket(bucketURLs)
	h, err := getHeader(arts, id)
	if err != nil {
		return 0, err
	}
	latestVal := versions.Get(versionKey(id, h.Latest))
	if latestVal == nil {
		return 0, fmt.Errorf("record %s version %d: %w", formatID(id), h.Latest, ErrNotFound)
	}
	latestHash, ok := versionHash(latestVal)
	if !ok {
		return 0, fmt.Errorf("record %s version %d: %w", formatID(id), h.Latest, errCorrupt)
	}
	if latestHash == p.hash {
		return Unchanged, urls.Put([]byte(p.url), urlValue(id, p.hash, kind))
	}
	latest, err := a.decodeVersionIn(tx, latestVal)
	if err != nil {
		return 0, fmt.Errorf("record %s version %d: %w", formatID(id), h.Latest, err)
	}

	h.Latest++
	if err := arts.Put(idKey(id), h.append(nil)); err != nil {
		return 0, err
	}
	v := newVersion(p)
	if err := a.putVersion(tx, &v, p.art.Pages, id, h.Latest); err != nil {
		return 0, err
	}
	if err := reindexTitle(tx, id, &latest, &v); err != nil {
		return 0, err
	}
	if !latest.Published.Equal(p.art.Published) {
		bytime := tx.Bucket(bucketByTime)
		if err := bytime.Delete(timeKey(latest.Published, id)); err != nil {
			return 0, err
		}
		if err := bytime.Put(timeKey(p.art.Published, id), nil); err != nil {
			return 0, err
		}
	}
	hashes := tx.Bucket(bucketHashes)
	if hashes.Get(p.hash[:]) == nil {
		if err := hashes.Put(p.hash[:], idKey(id)); err != nil {
			return 0, err
		}
	}
	if err := urls.Put([]byte(p.url), urlValue(id, p.hash, kind)); err != nil {
		return 0, err
	}
	if err := touch(tx, id, a.now()); err != nil {
		return 0, err
	}
	return Versioned, nil
}

// newVersion returns the version that stores p as it is.
func newVersion(p *prepared) version {
	art := p.art
	return version{
		Hash:        p.hash,
		Title:       art.Title,
		Source:      art.Source,
		Body:        art.Body,
		Column:      art.Column,
		Author:      art.Author,
		Editor:      art.Editor,
		Published:   art.Published,
		FetchedAt:   art.FetchedAt,
		Images:      art.Images,
		Attachments: art.Attachments,
		Pages:       len(art.Pages),
	}
}

// putVersion writes v as version n of record id, and its raw pages.
func (a *Archive) putVersion(tx *bolt.Tx, v *version, pages []RawPage, id uint64, n int) error {
	versions := tx.Bucket(bucketVersions)
	versions.FillPercent = appendFill
	enc, dictID := a.enc, uint32(0)
	if d := a.dict.Load(); d != nil {
		enc, dictID = d.enc, d.id
	}
	if err := versions.Put(versionKey(id, n), v.appendCompressed(nil, enc, dictID)); err != nil {
		return err
	}
	raw := tx.Bucket(bucketRaw)
	raw.FillPercent = appendFill
	var plain []byte
	for i := range pages {
		plain = appendRawPage(plain[:0], &pages[i])
		if err := raw.Put(rawKey(id, n, i), a.compress(plain)); err != nil {
			return fmt.Errorf("raw page %d: %w", i+1, err)
		}
	}
	return nil
}

// addAlias adds p's URL to the aliases of record id, whose header is h.
// latest is the record's latest version when the caller has it (nil: read
// it here). If p has the content of that latest version, or is the same
// article extracted otherwise (latest given), the fields p has and the
// record lacks are merged into a new version (see merge): with useBody,
// p's title and body too. That version stores p's raw pages; the versions
// before it stay as they were. Otherwise only the alias is added.
func (a *Archive) addAlias(tx *bolt.Tx, p *prepared, id uint64, h header, latest *version, useBody bool) (Outcome, error) {
	arts := tx.Bucket(bucketArticles)
	versions := tx.Bucket(bucketVersions)
	if latest == nil {
		b := versions.Get(versionKey(id, h.Latest))
		if hash, ok := versionHash(b); ok && hash == p.hash {
			v, err := a.decodeVersionIn(tx, b)
			if err != nil {
				return 0, fmt.Errorf("record %s version %d: %w", formatID(id), h.Latest, err)
			}
			latest = &v
		}
	}
	h.Aliases = append(h.Aliases, p.url)
	if latest != nil {
		v, changed := merge(latest, p.art, useBody)
		if changed {
			v.FetchedAt, v.Pages = p.art.FetchedAt, len(p.art.Pages)
			h.Latest++
			if err := a.putVersion(tx, &v, p.art.Pages, id, h.Latest); err != nil {
				return 0, err
			}
			if err := reindexTitle(tx, id, latest, &v); err != nil {
				return 0, err
			}
			if !latest.Published.Equal(v.Published) {
				bytime := tx.Bucket(bucketByTime)
				if err := bytime.Delete(timeKey(latest.Published, id)); err != nil {
					return 0, err
				}
				if err := bytime.Put(timeKey(v.Published, id), nil); err != nil {
					return 0, err
				}
			}
			hashes := tx.Bucket(bucketHashes)
			if hashes.Get(v.Hash[:]) == nil {
				if err := hashes.Put(v.Hash[:], idKey(id)); err != nil {
					return 0, err
				}
			}
		}
	}
	if err := arts.Put(idKey(id), h.append(nil)); err != nil {
		return 0, err
	}
	if err := tx.Bucket(bucketURLs).Put([]byte(p.url), urlValue(id, p.hash, urlAlias)); err != nil {
		return 0, err
	}
	if err := touch(tx, id, a.now()); err != nil {
		return 0, err
	}
	return Aliased, nil
}

// compress returns the raw bucket value for an encoded page: format byte,
// then with the archive's dictionary (once it has one) its ID as a
// uvarint, then the uncompressed length and the zstd frame.
func (a *Archive) compress(plain []byte) []byte {
	dst := make([]byte, 0, 2+2*binary.MaxVarintLen64+len(plain)/3+64)
	d := a.dict.Load()
	if d == nil {
		dst = append(dst, rawFormat)
		dst = binary.AppendUvarint(dst, uint64(len(plain)))
		return a.enc.EncodeAll(plain, dst)
	}
	dst = append(dst, rawFormatDict)
	dst = binary.AppendUvarint(dst, uint64(d.id))
	dst = binary.AppendUvarint(dst, uint64(len(plain)))
	return d.enc.EncodeAll(plain, dst)
}

// parseRaw splits a raw bucket value into its dictionary ID (0: none),
// uncompressed length and zstd frame.
func parseRaw(v []byte) (dict uint64, n uint64, frame []byte, ok bool) {
	if len(v) == 0 || v[0] != rawFormat && v[0] != rawFormatDict {
		return 0, 0, nil, false
	}
	rest := v[1:]
	if v[0] == rawFormatDict {
		id, k := binary.Uvarint(rest)
		if k <= 0 || id == 0 {
			return 0, 0, nil, false
		}
		dict, rest = id, rest[k:]
	}
	n, k := binary.Uvarint(rest)
	if k <= 0 {
		return 0, 0, nil, false
	}
	return dict, n, rest[k:], true
}

// decompress reverses compress. The result does not alias v.
func (a *Archive) decompress(v []byte) ([]byte, error) {
	dict, n, frame, ok := parseRaw(v)
	if !ok {
		return nil, fmt.Errorf("%w: raw page format", errCorrupt)
	}
	if n > 1<<30 {
		return nil, fmt.Errorf("%w: raw page length", errCorrupt)
	}
	dec := a.dec
	if dict != 0 {
		d := a.dict.Load()
		if d == nil {
			return nil, fmt.Errorf("%w: raw page compressed with zstd dictionary %d, which the archive lacks", errCorrupt, dict)
		}
		dec = d.dec
	}
	out, err := dec.DecodeAll(frame, make([]byte, 0, min(n, 64<<20)))
	if err != nil {
		return nil, fmt.Errorf("%w: raw page: %v", errCorrupt, err)
	}
	if uint64(len(out)) != n {
		return nil, fmt.Errorf("%w: raw page is %d bytes, want %d", errCorrupt, len(out), n)
	}
	return out, nil
}

// rawLen returns the uncompressed length recorded in a raw bucket value.
func rawLen(v []byte) (int64, bool) {
	_, n, _, ok := parseRaw(v)
	return int64(n), ok
}

func getHeader(arts *bolt.Bucket, id uint64) (header, error) {
	v := arts.Get(idKey(id))
	if v == nil {
		return header{}, fmt.Errorf("record %s: %w", formatID(id), ErrNotFound)
	}
	h, err := decodeHeader(v)
	if err != nil {
		return header{}, fmt.Errorf("record %s: %w", formatID(id), err)
	}
	return h, nil
}

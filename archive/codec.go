package archive

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
)

// Value format bytes: the first byte of every binary value, so that a later
// schema can tell old values from new ones.
const (
	// headerFormat is a header; headerFormatDup one with DupOf after the
	// aliases (written only when DupOf is set).
	headerFormat    = 1
	headerFormatDup = 2
	// versionFormat is a plain version; versionFormatZstd one whose fields
	// after the content hash are a zstd frame (what Put writes).
	versionFormat     = 1
	versionFormatZstd = 2
	versionFormatDict = 3 // the frame is compressed with a dictionary
	// rawFormat is a raw page compressed on its own; rawFormatDict one
	// compressed with one of the archive's zstd dictionaries.
	rawFormat     = 1
	rawFormatDict = 2
)

// errCorrupt is wrapped by decoding errors.
var errCorrupt = errors.New("corrupt value")

// Key layout. See doc.go.
const (
	idLen      = 8
	versionLen = idLen + 4
	rawKeyLen  = versionLen + 4
	timeKeyLen = 12 + idLen
	urlValLen  = idLen + sha256.Size + 1
)

// URL index kinds, the last byte of a urls value.
const (
	urlPrimary byte = 0
	urlAlias   byte = 1
)

func idKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, idLen), id)
}

func versionKey(id uint64, version int) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, versionLen), id)
	return binary.BigEndian.AppendUint32(k, uint32(version))
}

func rawKey(id uint64, version, page int) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, rawKeyLen), id)
	k = binary.BigEndian.AppendUint32(k, uint32(version))
	return binary.BigEndian.AppendUint32(k, uint32(page))
}

// timePrefix returns the 12-byte bytime prefix for t: seconds since the
// Unix epoch with the sign bit flipped (so negative times sort first), then
// nanoseconds; the zero time is all 0xFF so that it sorts last.
func timePrefix(t time.Time) []byte {
	if t.IsZero() {
		return []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	}
	k := binary.BigEndian.AppendUint64(make([]byte, 0, timeKeyLen), uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(k, uint32(t.Nanosecond()))
}

func timeKey(t time.Time, id uint64) []byte {
	return binary.BigEndian.AppendUint64(timePrefix(t), id)
}

// parseTimeKey returns the time and ID of a bytime key.
func parseTimeKey(k []byte) (time.Time, uint64, bool) {
	if len(k) != timeKeyLen {
		return time.Time{}, 0, false
	}
	id := binary.BigEndian.Uint64(k[12:])
	sec := binary.BigEndian.Uint64(k[:8])
	nsec := binary.BigEndian.Uint32(k[8:12])
	if sec == 1<<64-1 && nsec == 1<<32-1 {
		return time.Time{}, id, true
	}
	if nsec >= 1e9 {
		return time.Time{}, 0, false
	}
	return time.Unix(int64(sec^(1<<63)), int64(nsec)), id, true
}

// formatID returns the external form of a record ID: ten decimal digits,
// zero-padded.
func formatID(id uint64) string {
	s := strconv.FormatUint(id, 10)
	if len(s) < 10 {
		s = "0000000000"[len(s):] + s
	}
	return s
}

// parseID parses an ID as returned by formatID (padding optional).
func parseID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("record id %q: %w", s, ErrNotFound)
	}
	return id, nil
}

// header is the value in the articles bucket: what is shared by all
// versions of a record.
type header struct {
	Latest  int      // number of the latest version, 1-based
	URL     string   // canonical URL the record was first added under
	Aliases []string // canonical URLs added later with the same content
	DupOf   uint64   // earlier record this one nearly duplicates; 0: none
}

// version is the value in the versions bucket: one version of a record.
type version struct {
	Hash        [sha256.Size]byte
	Title       string
	Source      string
	Body        string
	Column      string
	Author      string
	Editor      string
	Published   time.Time
	FetchedAt   time.Time
	Images      []string
	Attachments []string
	Pages       int // number of raw pages stored for this version
}

// encoder appends values to a byte slice.
type encoder struct{ b []byte }

func (e *encoder) byte(c byte)      { e.b = append(e.b, c) }
func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) bytes(p []byte)   { e.uvarint(uint64(len(p))); e.b = append(e.b, p...) }
func (e *encoder) string(s string)  { e.uvarint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) strings(s []string) {
	e.uvarint(uint64(len(s)))
	for _, x := range s {
		e.string(x)
	}
}

// header encodes h: the number of names, then each name, in sorted
// order, and its values.
func (e *encoder) header(h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.uvarint(uint64(len(keys)))
	for _, k := range keys {
		e.string(k)
		e.strings(h[k])
	}
}

// time encodes t as a flag byte, then (unless zero) seconds and nanoseconds
// since the Unix epoch. The location is not kept.
func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.byte(0)
		return
	}
	e.byte(1)
	e.varint(t.Unix())
	e.uvarint(uint64(t.Nanosecond()))
}

// decoder reads values written by encoder. The first error sticks; strings
// and byte slices are copied, so a decoder may read bbolt memory.
type decoder struct {
	b     []byte
	err   error
	alias bool // strings share b's memory instead of copying it
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s", errCorrupt, what)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.fail("byte")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("uvarint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length that must fit in what is left, each element taking
// at least min bytes.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)/min) {
		d.fail("length")
		return 0
	}
	return int(n)
}

func (d *decoder) raw(n int) []byte {
	if d.err != nil || n > len(d.b) {
		d.fail("length")
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) string() string {
	p := d.raw(d.count(1))
	if d.alias && len(p) > 0 {
		return unsafe.String(&p[0], len(p))
	}
	return string(p)
}

func (d *decoder) bytes() []byte { return slices.Clone(d.raw(d.count(1))) }

func (d *decoder) strings() []string {
	n := d.count(1)
	if n == 0 {
		return nil
	}
	s := make([]string, n)
	for i := range s {
		s[i] = d.string()
	}
	return s
}

// header decodes what encoder.header wrote.
func (d *decoder) header() http.Header {
	n := d.count(2)
	h := make(http.Header, n)
	for range n {
		k := d.string()
		h[k] = d.strings()
	}
	return h
}

func (d *decoder) time() time.Time {
	switch d.byte() {
	case 0:
		return time.Time{}
	case 1:
		sec := d.varint()
		nsec := d.uvarint()
		if nsec >= 1e9 {
			d.fail("time")
			return time.Time{}
		}
		t := time.Unix(sec, int64(nsec)).UTC()
		if t.IsZero() {
			d.fail("time")
		}
		return t
	default:
		d.fail("time")
		return time.Time{}
	}
}

// end reports an error if the value was not read to its end.
func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	return d.err
}

func (h *header) append(dst []byte) []byte {
	e := encoder{dst}
	if h.DupOf == 0 {
		e.byte(headerFormat)
	} else {
		e.byte(headerFormatDup)
	}
	e.uvarint(uint64(h.Latest))
	e.string(h.URL)
	e.strings(h.Aliases)
	if h.DupOf != 0 {
		e.uvarint(h.DupOf)
	}
	return e.b
}

func decodeHeader(b []byte) (header, error) {
	d := decoder{b: b}
	var h header
	f := d.byte()
	if d.err == nil && f != headerFormat && f != headerFormatDup {
		return h, fmt.Errorf("%w: header format %d", errCorrupt, f)
	}
	latest := d.uvarint()
	h.URL = d.string()
	h.Aliases = d.strings()
	if f == headerFormatDup {
		if h.DupOf = d.uvarint(); d.err == nil && h.DupOf == 0 {
			d.fail("duplicate_of")
		}
	}
	if err := d.end(); err != nil {
		return header{}, err
	}
	if latest == 0 || latest > 1<<31 {
		return header{}, fmt.Errorf("%w: latest version %d", errCorrupt, latest)
	}
	h.Latest = int(latest)
	return h, nil
}

func (v *version) append(dst []byte) []byte {
	e := encoder{dst}
	e.byte(versionFormat)
	e.b = append(e.b, v.Hash[:]...)
	e.string(v.Title)
	e.string(v.Source)
	e.string(v.Body)
	e.string(v.Column)
	e.string(v.Author)
	e.string(v.Editor)
	e.time(v.Published)
	e.time(v.FetchedAt)
	e.strings(v.Images)
	e.strings(v.Attachments)
	e.uvarint(uint64(v.Pages))
	return e.b
}

// appendCompressed appends the version in a compressed format: the
// format byte and content hash as in append, then, with a dictionary
// (dictID > 0), its ID as a uvarint, then a zstd frame of the other
// fields. Bodies are most of an archive's records.
func (v *version) appendCompressed(dst []byte, enc *zstd.Encoder, dictID uint32) []byte {
	plain := v.append(nil)
	if dictID == 0 {
		dst = append(dst, versionFormatZstd)
		dst = append(dst, v.Hash[:]...)
	} else {
		dst = append(dst, versionFormatDict)
		dst = append(dst, v.Hash[:]...)
		dst = binary.AppendUvarint(dst, uint64(dictID))
	}
	return enc.EncodeAll(plain[1+sha256.Size:], dst)
}

// versionHash returns the content hash of an encoded version without
// decoding the rest.
func versionHash(b []byte) ([sha256.Size]byte, bool) {
	var h [sha256.Size]byte
	if len(b) < 1+sha256.Size || b[0] < versionFormat || b[0] > versionFormatDict {
		return h, false
	}
	copy(h[:], b[1:])
	return h, true
}

// newDecoder returns a zstd decoder for DecodeAll calls from any number of
// goroutines, with the memory cap the archive's values need, and opts.
func newDecoder(opts ...zstd.DOption) (*zstd.Decoder, error) {
	return zstd.NewReader(nil, append([]zstd.DOption{zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(1 << 30)}, opts...)...)
}

// decodeVersionIn decodes a version read in tx, whose meta bucket holds
// the dictionary a versionFormatDict value needs.
func (a *Archive) decodeVersionIn(tx *bolt.Tx, b []byte) (version, error) {
	dec, err := a.versionDecoder(tx, b)
	if err != nil {
		return version{}, err
	}
	return decodeVersionWith(b, dec, nil)
}

// versionDecoder returns the decoder for the encoded version b, read in
// tx: the archive's own for a version compressed without a dictionary, the
// dictionary's for one compressed with it, nil for a plain one.
func (a *Archive) versionDecoder(tx *bolt.Tx, b []byte) (*zstd.Decoder, error) {
	switch {
	case len(b) > 0 && b[0] == versionFormatZstd:
		return a.dec, nil
	case len(b) == 0 || b[0] != versionFormatDict:
		return nil, nil
	}
	if len(b) < 1+sha256.Size {
		return nil, fmt.Errorf("%w: version too short", errCorrupt)
	}
	id, k := binary.Uvarint(b[1+sha256.Size:])
	if k <= 0 || id == 0 {
		return nil, fmt.Errorf("%w: version dictionary", errCorrupt)
	}
	return a.textDecoder(tx, id)
}

// decodeVersionWith decodes the encoded version b; dec is the decoder
// versionDecoder returned for it. b may be read outside a transaction.
//
// With scratch nil, the version owns its memory. Otherwise b is
// decompressed into *scratch, and the version's strings share its memory
// (or b's): they are valid only until *scratch or b is reused. Exports
// use this to decode each record without allocating.
func decodeVersionWith(b []byte, dec *zstd.Decoder, scratch *[]byte) (version, error) {
	var dst []byte
	if scratch != nil {
		dst = (*scratch)[:0]
	}
	in := b
	switch {
	case dec != nil && len(b) > 0 && b[0] == versionFormatZstd:
		if len(b) < 1+sha256.Size {
			return version{}, fmt.Errorf("%w: version too short", errCorrupt)
		}
		b = inflateVersion(dst, b, dec, b[1+sha256.Size:])
	case dec != nil && len(b) > 0 && b[0] == versionFormatDict:
		if len(b) < 1+sha256.Size {
			return version{}, fmt.Errorf("%w: version too short", errCorrupt)
		}
		_, k := binary.Uvarint(b[1+sha256.Size:])
		if k <= 0 {
			return version{}, fmt.Errorf("%w: version dictionary", errCorrupt)
		}
		b = inflateVersion(dst, b, dec, b[1+sha256.Size+k:])
	}
	if scratch != nil && len(b) > 0 && &b[0] != &in[0] {
		*scratch = b // decompressed: keep the grown buffer
	}
	return decodePlainVersion(b, scratch != nil)
}

// inflateVersion appends to dst the plain encoding of a compressed version
// whose zstd frame is frame, or returns b unchanged when the frame is
// corrupt (decoding then fails on the format byte).
func inflateVersion(dst, b []byte, dec *zstd.Decoder, frame []byte) []byte {
	plain := dst
	if plain == nil {
		plain = make([]byte, 0, 1+sha256.Size+4*len(frame))
	}
	plain = append(plain, versionFormat)
	plain = append(plain, b[1:1+sha256.Size]...)
	out, err := dec.DecodeAll(frame, plain)
	if err != nil {
		return b
	}
	return out
}

// decodePlainVersion decodes a version in the plain format; with alias,
// its strings share b's memory.
func decodePlainVersion(b []byte, alias bool) (version, error) {
	d := decoder{b: b, alias: alias}
	var v version
	if f := d.byte(); d.err == nil && f != versionFormat {
		return v, fmt.Errorf("%w: version format %d", errCorrupt, f)
	}
	copy(v.Hash[:], d.raw(sha256.Size))
	v.Title = d.string()
	v.Source = d.string()
	v.Body = d.string()
	v.Column = d.string()
	v.Author = d.string()
	v.Editor = d.string()
	v.Published = d.time()
	v.FetchedAt = d.time()
	v.Images = d.strings()
	v.Attachments = d.strings()
	pages := d.uvarint()
	if err := d.end(); err != nil {
		return version{}, err
	}
	if pages > 1<<31 {
		return version{}, fmt.Errorf("%w: %d pages", errCorrupt, pages)
	}
	v.Pages = int(pages)
	return v, nil
}

// appendRawPage appends the uncompressed encoding of p.
func appendRawPage(dst []byte, p *RawPage) []byte {
	e := encoder{dst}
	e.string(p.URL)
	e.varint(int64(p.Status))
	e.time(p.FetchedAt)
	e.header(p.Header)
	e.bytes(p.Body)
	return e.b
}

// decodeRawPage decodes an uncompressed raw page. The body aliases b.
func decodeRawPage(b []byte) (RawPage, error) {
	d := decoder{b: b}
	var p RawPage
	p.URL = d.string()
	p.Status = int(d.varint())
	p.FetchedAt = d.time()
	p.Header = d.header()
	p.Body = d.raw(d.count(1))
	if err := d.end(); err != nil {
		return RawPage{}, err
	}
	if p.Body == nil {
		p.Body = []byte{}
	}
	return p, nil
}

// urlValue is the value in the urls bucket.
func urlValue(id uint64, hash [sha256.Size]byte, kind byte) []byte {
	v := binary.BigEndian.AppendUint64(make([]byte, 0, urlValLen), id)
	v = append(v, hash[:]...)
	return append(v, kind)
}

func parseURLValue(v []byte) (id uint64, hash [sha256.Size]byte, kind byte, ok bool) {
	if len(v) != urlValLen {
		return 0, hash, 0, false
	}
	copy(hash[:], v[idLen:])
	kind = v[urlValLen-1]
	return binary.BigEndian.Uint64(v), hash, kind, kind == urlPrimary || kind == urlAlias
}

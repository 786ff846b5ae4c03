package archive

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
)

// The raw pages of one site share most of their bytes (the template: head,
// navigation, footer, scripts), which zstd cannot exploit one page at a
// time. Once an archive holds dictPool records, the next write builds a
// raw-content dictionary from a spread of their first pages, stores it in
// the meta bucket (dictPrefix and its ID in decimal) in the same
// transaction, and every page written afterwards is compressed with it
// (rawFormatDict). Pages written before keep rawFormat. The dictionary is
// built once per archive and never changes.
const (
	dictPrefix   = "zstd-dict-"
	dictPool     = 96        // first pages of the first records looked at
	dictSamples  = 12        // of which this many, evenly spread, make the dictionary
	dictMaxBytes = 112 << 10 // zstd's customary dictionary size
)

// dictCodec compresses with the archive's newest dictionary and
// decompresses with any of them. Both are safe for concurrent use.
type dictCodec struct {
	id  uint32
	enc *zstd.Encoder
	dec *zstd.Decoder
}

func newDictCodec(dicts map[uint32][]byte) (*dictCodec, error) {
	if len(dicts) == 0 {
		return nil, nil
	}
	c := &dictCodec{}
	var dopts []zstd.DOption
	for id, content := range dicts {
		c.id = max(c.id, id)
		dopts = append(dopts, zstd.WithDecoderDictRaw(id, content))
	}
	// With a dictionary the fastest level compresses about as well as the
	// default one, at a third of the time (most of it spent loading the
	// dictionary into the encoder for each page).
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderDictRaw(c.id, dicts[c.id]))
	if err != nil {
		return nil, fmt.Errorf("zstd dictionary %d: %w", c.id, err)
	}
	dec, err := newDecoder(dopts...)
	if err != nil {
		enc.Close()
		return nil, fmt.Errorf("zstd dictionaries: %w", err)
	}
	c.enc, c.dec = enc, dec
	return c, nil
}

func (c *dictCodec) close() {
	if c != nil {
		c.enc.Close()
		c.dec.Close()
	}
}

// loadDicts returns the dictionaries stored in the meta bucket, by ID,
// without their nonces.
func loadDicts(tx *bolt.Tx) (map[uint32][]byte, error) {
	dicts := map[uint32][]byte{}
	c := tx.Bucket(bucketMeta).Cursor()
	for k, v := c.Seek([]byte(dictPrefix)); k != nil && strings.HasPrefix(string(k), dictPrefix); k, v = c.Next() {
		id, err := strconv.ParseUint(string(k[len(dictPrefix):]), 10, 32)
		if err != nil || id == 0 || len(v) < dictNonceLen+8 {
			return nil, fmt.Errorf("meta %q: %w", k, errCorrupt)
		}
		dicts[uint32(id)] = append([]byte(nil), v[dictNonceLen:]...)
	}
	return dicts, nil
}

// dictNonceLen is the length of the random prefix of a stored dictionary,
// which tells dictionaries apart across archives.
const dictNonceLen = 8

// textDecoder returns the decoder for dictionary id of tx's archive. The
// dictionary is read from the same transaction's meta bucket and its
// decoder built once; a nonce names one dictionary's content for good.
func (a *Archive) textDecoder(tx *bolt.Tx, id uint64) (*zstd.Decoder, error) {
	v := tx.Bucket(bucketMeta).Get([]byte(dictPrefix + strconv.FormatUint(id, 10)))
	if len(v) < dictNonceLen+8 {
		return nil, fmt.Errorf("%w: zstd dictionary %d is missing", errCorrupt, id)
	}
	nonce := [dictNonceLen]byte(v[:dictNonceLen])
	if d, ok := a.textDecoders.Load(nonce); ok {
		return d.(*zstd.Decoder), nil
	}
	d, err := newDecoder(zstd.WithDecoderDictRaw(uint32(id), append([]byte(nil), v[dictNonceLen:]...)))
	if err != nil {
		return nil, fmt.Errorf("zstd dictionary %d: %w", id, err)
	}
	if old, loaded := a.textDecoders.LoadOrStore(nonce, d); loaded {
		d.Close()
		return old.(*zstd.Decoder), nil
	}
	return d, nil
}

// train builds the archive's dictionary in tx once it holds enough
// records, and installs it when tx commits. Pages stored later in the
// same transaction are still compressed without it.
func (a *Archive) train(tx *bolt.Tx) error {
	if a.dict.Load() != nil {
		return nil
	}
	meta := tx.Bucket(bucketMeta)
	if k, _ := meta.Cursor().Seek([]byte(dictPrefix)); k != nil && strings.HasPrefix(string(k), dictPrefix) {
		return nil // built earlier in this transaction
	}
	var pool [][]byte
	c := tx.Bucket(bucketRaw).Cursor()
	for k, v := c.First(); k != nil && len(pool) < dictPool; k, v = c.Next() {
		if len(k) == rawKeyLen && binary.BigEndian.Uint32(k[idLen+4:]) == 0 {
			pool = append(pool, v)
		}
	}
	if len(pool) < dictPool {
		return nil
	}
	plains := make([][]byte, len(pool))
	for i, v := range pool {
		var err error
		if plains[i], err = a.decompress(v); err != nil {
			return fmt.Errorf("build the zstd dictionary: %w", err)
		}
	}
	content, err := pickSamples(plains, a.enc)
	if err != nil {
		return fmt.Errorf("build the zstd dictionary: %w", err)
	}
	const id = 1
	dicts := map[uint32][]byte{id: content}
	codec, err := newDictCodec(dicts)
	if err != nil {
		return err
	}
	stored := make([]byte, dictNonceLen, dictNonceLen+len(content))
	if _, err := rand.Read(stored); err != nil {
		codec.close()
		return err
	}
	if err := meta.Put([]byte(dictPrefix+strconv.Itoa(id)), append(stored, content...)); err != nil {
		codec.close()
		return err
	}
	tx.OnCommit(func() {
		if !a.dict.CompareAndSwap(nil, codec) {
			codec.close()
		}
	})
	return nil
}

// pickSamples returns the dictionary content: dictSamples pages chosen
// greedily, each the one the pages chosen so far help least (the worst
// compression ratio with them as the dictionary), so that every kind of
// page the site has is represented whatever order they were crawled in.
func pickSamples(pages [][]byte, plain *zstd.Encoder) ([]byte, error) {
	var content, buf []byte
	chosen := make([]bool, len(pages))
	for range min(dictSamples, len(pages)) {
		enc := plain
		if len(content) > 0 {
			var err error
			enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
				zstd.WithEncoderDictRaw(1, content))
			if err != nil {
				return nil, err
			}
		}
		best, worst := -1, -1.0
		for i, p := range pages {
			if chosen[i] || len(p) == 0 {
				continue
			}
			buf = enc.EncodeAll(p, buf[:0])
			if r := float64(len(buf)) / float64(len(p)); r > worst {
				best, worst = i, r
			}
		}
		if enc != plain {
			enc.Close()
		}
		if best < 0 {
			break
		}
		chosen[best] = true
		content = append(content, pages[best]...)
	}
	// zstd finds the end of a dictionary at the shortest distances.
	return content[max(0, len(content)-dictMaxBytes):], nil
}

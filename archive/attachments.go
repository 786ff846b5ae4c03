package archive

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hnredstar/crawler/canon"
)

// Attachment buckets; see doc.go. They are created by the first
// PutAttachment, so an archive that never stored a file has neither, and
// readers treat a missing bucket as empty.
var (
	bucketFiles = []byte("files")
	bucketBlobs = []byte("blobs")
)

// Value formats of the attachment buckets.
const (
	fileFormat = 1
	// blobPlain holds the bytes as they are; blobZstd a uvarint length and
	// a zstd frame of them (no dictionary), written when that is smaller.
	blobPlain = 1
	blobZstd  = 2
)

// FileState says what became of a fetch of an attachment.
type FileState byte

// The states of a file entry.
const (
	// FileStored: the bytes are in the archive, under SHA256.
	FileStored FileState = 0
	// FileTooLarge: the file is larger than the crawler's cap
	// (crawl.max_attachment_bytes); Size is a lower bound of its size.
	FileTooLarge FileState = 1
	// FileFailed: the fetch ended in an HTTP error status or no answer;
	// Status and Err say which.
	FileFailed FileState = 2
)

// String returns "stored", "too_large" or "failed".
func (s FileState) String() string {
	switch s {
	case FileStored:
		return "stored"
	case FileTooLarge:
		return "too_large"
	case FileFailed:
		return "failed"
	}
	return fmt.Sprintf("state(%d)", byte(s))
}

// File is what the archive knows of an attachment (or an image, when the
// crawler fetches them): a file linked from articles, keyed by its
// canonical URL. Articles list the URLs of their files (Record.Attachments
// and Record.Images); File looks one up.
type File struct {
	URL         string    // canonical URL
	State       FileState // stored, too large or failed
	FetchedAt   time.Time // when the fetch ended
	Status      int       // HTTP status of the final response; 0 if none came
	ContentType string    // Content-Type as served
	// Name is the file's name as the server gave it (Content-Disposition)
	// or, without one, the last segment of the URL's path, decoded.
	Name string
	// Size is the file's length in bytes; for FileTooLarge, at least that.
	Size   int64
	SHA256 [sha256.Size]byte // content hash; zero unless stored
	Err    string            // why it was not stored, for FileFailed
	// Header holds the response's headers (without those of a transfer
	// or content encoding the stored bytes no longer have).
	Header http.Header
}

// Stored reports whether the file's bytes are in the archive.
func (f File) Stored() bool { return f.State == FileStored }

// Hash returns "sha256:" and the content hash in hex, or "" unless stored.
func (f File) Hash() string {
	if !f.Stored() {
		return ""
	}
	return formatHash(f.SHA256)
}

// HexHash returns the content hash in hex, or "" unless stored.
func (f File) HexHash() string {
	if !f.Stored() {
		return ""
	}
	return hex.EncodeToString(f.SHA256[:])
}

// PutFile records f under its canonical URL, with body as its bytes when
// f.State is FileStored: the bytes are stored once per content (their
// SHA-256), zstd-compressed when that makes them smaller, in the same
// transaction as the entry. PutFile sets f's SHA256 and Size from body. An
// entry that is stored is never replaced by one that is not: a later
// failure to fetch a URL again does not lose its file.
func (a *Archive) PutFile(f File, body []byte) error {
	u, err := canon.URL(f.URL)
	if err != nil {
		return fmt.Errorf("put file %s: %w", f.URL, err)
	}
	f.URL = u
	var blob []byte
	if f.State == FileStored {
		f.SHA256 = sha256.Sum256(body)
		f.Size = int64(len(body))
		blob = a.encodeBlob(body)
	} else {
		f.SHA256 = [sha256.Size]byte{}
	}
	err = a.update(func(tx *bolt.Tx) error {
		files, err := tx.CreateBucketIfNotExists(bucketFiles)
		if err != nil {
			return err
		}
		blobs, err := tx.CreateBucketIfNotExists(bucketBlobs)
		if err != nil {
			return err
		}
		if old := files.Get([]byte(u)); old != nil && f.State != FileStored {
			if prev, err := decodeFile(u, old); err == nil && prev.Stored() {
				return nil
			}
		}
		if blob != nil && blobs.Get(f.SHA256[:]) == nil {
			if err := blobs.Put(f.SHA256[:], blob); err != nil {
				return err
			}
		}
		return files.Put([]byte(u), appendFile(nil, &f))
	})
	if err != nil {
		return fmt.Errorf("put file %s: %w", f.URL, err)
	}
	return nil
}

// encodeBlob returns the blobs value for body.
func (a *Archive) encodeBlob(body []byte) []byte {
	z := a.enc.EncodeAll(body, make([]byte, 0, len(body)/2+64))
	if len(z)+binary.MaxVarintLen64 < len(body) {
		v := binary.AppendUvarint([]byte{blobZstd}, uint64(len(body)))
		return append(v, z...)
	}
	return append([]byte{blobPlain}, body...)
}

// decodeBlob returns the bytes a blobs value holds.
func (a *Archive) decodeBlob(v []byte) ([]byte, error) {
	if len(v) == 0 {
		return nil, fmt.Errorf("%w: empty blob", errCorrupt)
	}
	switch v[0] {
	case blobPlain:
		return slices.Clone(v[1:]), nil
	case blobZstd:
		n, k := binary.Uvarint(v[1:])
		if k <= 0 || n > 1<<31 {
			return nil, fmt.Errorf("%w: blob length", errCorrupt)
		}
		out, err := a.dec.DecodeAll(v[1+k:], make([]byte, 0, n))
		if err != nil {
			return nil, fmt.Errorf("%w: blob: %v", errCorrupt, err)
		}
		if uint64(len(out)) != n {
			return nil, fmt.Errorf("%w: blob decompresses to %d bytes, not %d", errCorrupt, len(out), n)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: blob format %d", errCorrupt, v[0])
}

// blobSize returns the length of the bytes a blobs value holds, without
// decompressing them.
func blobSize(v []byte) (int64, bool) {
	switch {
	case len(v) > 0 && v[0] == blobPlain:
		return int64(len(v) - 1), true
	case len(v) > 0 && v[0] == blobZstd:
		n, k := binary.Uvarint(v[1:])
		return int64(n), k > 0
	}
	return 0, false
}

// File returns the entry for the file at rawURL (canonicalised first), or
// an error wrapping ErrNotFound if the archive has none.
func (a *Archive) File(rawURL string) (File, error) {
	u, err := canon.URL(rawURL)
	if err != nil {
		return File{}, fmt.Errorf("file %s: %w", rawURL, ErrNotFound)
	}
	var f File
	err = a.view(func(tx *bolt.Tx) error {
		f, err = fileEntry(tx, u)
		return err
	})
	return f, err
}

// fileEntry reads the files entry of canonical URL u.
func fileEntry(tx *bolt.Tx, u string) (File, error) {
	var v []byte
	if b := tx.Bucket(bucketFiles); b != nil {
		v = b.Get([]byte(u))
	}
	if v == nil {
		return File{}, fmt.Errorf("file %s: %w", u, ErrNotFound)
	}
	return decodeFile(u, v)
}

// FileBody returns the entry for the file at rawURL and, when it is
// stored, its bytes, checked against its hash. A file that is not stored
// has a nil body.
func (a *Archive) FileBody(rawURL string) (File, []byte, error) {
	u, err := canon.URL(rawURL)
	if err != nil {
		return File{}, nil, fmt.Errorf("file %s: %w", rawURL, ErrNotFound)
	}
	var f File
	var blob []byte
	err = a.view(func(tx *bolt.Tx) error {
		if f, err = fileEntry(tx, u); err != nil {
			return err
		}
		if !f.Stored() {
			return nil
		}
		if blobs := tx.Bucket(bucketBlobs); blobs != nil {
			blob = blobs.Get(f.SHA256[:])
		}
		if blob == nil {
			return fmt.Errorf("file %s: blob %s is missing; run crawler verify", u, formatHash(f.SHA256))
		}
		// Decompressed below, outside the transaction: bbolt's memory is
		// valid only inside it, so copy what may be large once.
		blob = slices.Clone(blob)
		return nil
	})
	if err != nil || blob == nil {
		return f, nil, err
	}
	body, err := a.decodeBlob(blob)
	if err != nil {
		return f, nil, fmt.Errorf("file %s: %w; run crawler verify", u, err)
	}
	if sha256.Sum256(body) != f.SHA256 {
		return f, nil, fmt.Errorf("file %s: stored bytes do not match their hash %s: %w; run crawler verify", u, formatHash(f.SHA256), errCorrupt)
	}
	return f, body, nil
}

// ForEachFile calls fn with every file entry in order of URL. It reads in
// one transaction; fn must not write to the archive. It stops and returns
// the first error fn returns, or ctx's.
func (a *Archive) ForEachFile(ctx context.Context, fn func(File) error) error {
	return a.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketFiles)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			f, err := decodeFile(string(k), v)
			if err != nil {
				return err
			}
			return fn(f)
		})
	})
}

// appendFile appends the files value of f (the URL is the key).
func appendFile(dst []byte, f *File) []byte {
	e := encoder{dst}
	e.byte(fileFormat)
	e.byte(byte(f.State))
	e.b = append(e.b, f.SHA256[:]...)
	e.varint(int64(f.Status))
	e.time(f.FetchedAt)
	e.uvarint(uint64(max(f.Size, 0)))
	e.string(f.ContentType)
	e.string(f.Name)
	e.string(f.Err)
	e.header(f.Header)
	return e.b
}

// decodeFile decodes a files value; u is its key.
func decodeFile(u string, b []byte) (File, error) {
	d := decoder{b: b}
	if d.byte() != fileFormat {
		return File{}, fmt.Errorf("file %s: %w: format", u, errCorrupt)
	}
	f := File{URL: u, State: FileState(d.byte())}
	copy(f.SHA256[:], d.raw(sha256.Size))
	f.Status = int(d.varint())
	f.FetchedAt = d.time()
	f.Size = int64(d.uvarint())
	f.ContentType = d.string()
	f.Name = d.string()
	f.Err = d.string()
	f.Header = d.header()
	if err := d.end(); err != nil {
		return File{}, fmt.Errorf("file %s: %w", u, err)
	}
	if f.State > FileFailed {
		return File{}, fmt.Errorf("file %s: %w: state %d", u, errCorrupt, f.State)
	}
	return f, nil
}

// fileStats counts the file entries and blobs of tx into s.
func fileStats(tx *bolt.Tx, s *Stats) error {
	if b := tx.Bucket(bucketFiles); b != nil {
		err := b.ForEach(func(k, v []byte) error {
			f, err := decodeFile(string(k), v)
			if err != nil {
				return err
			}
			switch f.State {
			case FileStored:
				s.Files++
			case FileTooLarge:
				s.FilesTooLarge++
			default:
				s.FilesFailed++
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if b := tx.Bucket(bucketBlobs); b != nil {
		return b.ForEach(func(_, v []byte) error {
			s.Blobs++
			n, _ := blobSize(v)
			s.BlobBytes += n
			s.BlobStoredBytes += int64(len(v))
			return nil
		})
	}
	return nil
}

// files checks the file entries and blobs: every entry decodes under a
// canonical URL, a stored one points at a blob of its size, every blob
// decompresses to bytes whose SHA-256 is its key, and no blob is left
// without an entry pointing at it.
func (v *verifier) files() error {
	files, blobs := v.tx.Bucket(bucketFiles), v.tx.Bucket(bucketBlobs)
	used := map[[sha256.Size]byte]bool{}
	if files != nil {
		c := files.Cursor()
		for k, val := c.First(); k != nil; k, val = c.Next() {
			if err := v.tick(); err != nil {
				return err
			}
			u := string(k)
			if got, err := canon.URL(u); err != nil || got != u {
				v.add("files", u, "not a canonical URL")
			}
			f, err := decodeFile(u, val)
			if err != nil {
				v.add("files", u, "%v", err)
				continue
			}
			if !f.Stored() {
				if f.SHA256 != ([sha256.Size]byte{}) {
					v.add("files", u, "%s, yet names blob %s", f.State, formatHash(f.SHA256))
				}
				continue
			}
			used[f.SHA256] = true
			var blob []byte
			if blobs != nil {
				blob = blobs.Get(f.SHA256[:])
			}
			if blob == nil {
				v.add("files", u, "blob %s is missing", formatHash(f.SHA256))
			} else if n, ok := blobSize(blob); ok && n != f.Size {
				v.add("files", u, "size %d, blob %s holds %d bytes", f.Size, formatHash(f.SHA256), n)
			}
		}
	}
	if blobs == nil {
		return nil
	}
	c := blobs.Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		if err := v.tick(); err != nil {
			return err
		}
		if len(k) != sha256.Size {
			v.add("blobs", fmt.Sprintf("%x", k), "key is not a SHA-256")
			continue
		}
		var key [sha256.Size]byte
		copy(key[:], k)
		name := formatHash(key)
		body, err := v.a.decodeBlob(val)
		switch {
		case err != nil:
			v.add("blobs", name, "%v", err)
		case sha256.Sum256(body) != key:
			v.add("blobs", name, "bytes hash to %s", formatHash(sha256.Sum256(body)))
		}
		if !used[key] {
			v.add("blobs", name, "no file entry points at it")
		}
	}
	return nil
}

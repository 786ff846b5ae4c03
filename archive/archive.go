package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// schemaVersion is the layout described in doc.go. Open refuses archives
// with a higher one and upgrades older ones when it opens them for writing
// (see migrate.go).
const schemaVersion = 3

// formatName is stored under metaFormat to tell our files from other bbolt
// files.
const formatName = "hnredstar-crawler-archive"

// Bucket names and meta keys; see doc.go.
var (
	bucketMeta     = []byte("meta")
	bucketArticles = []byte("articles")
	bucketVersions = []byte("versions")
	bucketRaw      = []byte("raw")
	bucketURLs     = []byte("urls")
	bucketHashes   = []byte("hashes")
	bucketByTime   = []byte("bytime")
	bucketRuns     = []byte("runs")
	bucketState    = []byte("state")
	bucketChanged  = []byte("changed")
	bucketByChange = []byte("bychange")
	bucketRawFrom  = []byte("rawfrom")
	bucketByTitle  = []byte("bytitle")

	metaFormat = []byte("format")
	metaSchema = []byte("schema")
)

// dataBuckets are the buckets besides meta that a schema 1 archive has.
var dataBuckets = [][]byte{bucketArticles, bucketVersions, bucketRaw, bucketURLs, bucketHashes, bucketByTime, bucketRuns, bucketState}

// schema2Buckets are the buckets schema 2 adds.
var schema2Buckets = [][]byte{bucketChanged, bucketByChange, bucketRawFrom}

// schema3Buckets are the buckets schema 3 adds.
var schema3Buckets = [][]byte{bucketByTitle}

// appendFill is the fill percent for buckets whose keys mostly grow at the
// end (sequence-numbered), so that pages are not left half empty.
const appendFill = 0.9

// pageSize is the page size of new archive files. Raw pages and versions
// are a kilobyte or two once compressed; bbolt puts at least two values on
// a page and splits no page of four or fewer, so on 4 KiB pages a third of
// the file was empty. 16 KiB pages hold ten such values.
const pageSize = 16 << 10

// allocSize is how much the file grows at a time once it is larger.
const allocSize = 1 << 20

// defaultTimeout is the lock wait when Options.Timeout is 0.
const defaultTimeout = time.Second

// Options configure Open.
type Options struct {
	// FileMode is the permission of a newly created archive file; 0 means
	// 0600, readable by its owner only. An existing file keeps its mode.
	FileMode os.FileMode
	// ReadOnly opens the archive with a shared lock for reading (export,
	// stats, verify); writing methods return ErrReadOnly. The file must
	// exist.
	ReadOnly bool
	// Timeout is how long to wait for the file lock held by another
	// process: 0 means 1s, a negative value waits indefinitely.
	Timeout time.Duration
	// NoSync skips fsync after each transaction: faster, but a crash can
	// lose or corrupt recent writes. For tests and one-off imports.
	NoSync bool
	// Salvage opens a damaged file (see ErrDamaged) instead of refusing
	// it, for Verify to report what can still be read; with ReadOnly only.
	Salvage bool
	// Now is the clock that dates changes to records (see ChangedAt);
	// nil means time.Now.
	Now func() time.Time
}

// Archive is an open article archive. Its methods are safe for concurrent
// use; writes are serialised by bbolt.
type Archive struct {
	db       *bolt.DB
	path     string
	readOnly bool
	enc      *zstd.Encoder // EncodeAll only; safe for concurrent use
	dec      *zstd.Decoder // DecodeAll only; safe for concurrent use
	now      func() time.Time
	schema   int // schema of the file; below schemaVersion only when read-only
	// dict compresses raw pages once the archive has a dictionary (dict.go).
	dict atomic.Pointer[dictCodec]
	// textDecoders holds a decoder per dictionary nonce, for versions
	// compressed with one (see textDecoder).
	textDecoders sync.Map // [dictNonceLen]byte → *zstd.Decoder
	// release keeps the resident set from growing with the file.
	release releasing
}

// Open opens the archive at path, creating it (mode opts.FileMode, parent directory
// 0750) unless opts.ReadOnly is set. An existing file is checked read-only
// before it is opened for writing, so that a file which is not an archive
// (ErrNotArchive) or has a newer schema (ErrSchemaTooNew) is never
// modified. If another process holds the lock for longer than opts.Timeout,
// Open returns ErrLocked.
func Open(path string, opts Options) (*Archive, error) {
	timeout := opts.Timeout
	switch {
	case timeout == 0:
		timeout = defaultTimeout
	case timeout < 0:
		timeout = 0 // bbolt: wait indefinitely
	}
	bopts := &bolt.Options{
		Timeout:      timeout,
		ReadOnly:     opts.ReadOnly,
		NoSync:       opts.NoSync,
		FreelistType: bolt.FreelistMapType,
		PageSize:     pageSize, // for new files; bbolt reads an existing file's own
	}

	if opts.Salvage && !opts.ReadOnly {
		return nil, fmt.Errorf("open archive %s: Salvage needs ReadOnly", path)
	}
	fi, err := os.Stat(path)
	exists := err == nil
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("open archive: %w", err)
	case err != nil && opts.ReadOnly:
		return nil, fmt.Errorf("open archive %s: %w; run a crawl first to create it", path, fs.ErrNotExist)
	case exists && fi.IsDir():
		return nil, fmt.Errorf("open archive %s: is a directory: %w", path, ErrNotArchive)
	case exists && fi.Size() == 0:
		return nil, fmt.Errorf("open archive %s: file is empty: %w; remove it or choose another path", path, ErrNotArchive)
	}

	if exists && !opts.ReadOnly {
		// Check the file read-only first: bbolt may write to a file it
		// opens for writing (freelist sync), and we must not touch files
		// that are not ours.
		probe, err := openBolt(path, 0o600, &bolt.Options{Timeout: timeout, ReadOnly: true})
		if err != nil {
			return nil, err
		}
		err = guard(path, func() error {
			return probe.View(func(tx *bolt.Tx) error {
				if err := checkSize(tx, path); err != nil {
					return err
				}
				return checkMeta(tx, path)
			})
		})
		if cerr := probe.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("open archive %s: %w", path, cerr)
		}
		if err != nil {
			return nil, err
		}
	}
	if !exists {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("create archive directory: %w", err)
		}
	}

	mode := opts.FileMode.Perm()
	if mode == 0 {
		mode = 0o600
	}
	db, err := openBolt(path, mode, bopts)
	if err != nil {
		return nil, err
	}
	// Grow the file in small steps: the default 16 MiB would be most of a
	// small archive.
	db.AllocSize = allocSize
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	// Check the meta bucket again (the file may have been replaced since
	// the probe); write only to a file with no buckets, which bbolt has
	// just created, or to one of an older schema, which is upgraded. An
	// archive of the current schema opened and closed unchanged is
	// unchanged.
	empty := false
	schema := 0
	err = guard(path, func() error {
		return db.View(func(tx *bolt.Tx) error {
			if err := checkSize(tx, path); err != nil && !opts.Salvage {
				return err
			}
			empty = isEmpty(tx)
			if empty {
				return nil
			}
			if err := checkMeta(tx, path); err != nil {
				return err
			}
			schema = schemaOf(tx)
			return nil
		})
	})
	if opts.Salvage && errors.Is(err, ErrDamaged) {
		err = nil // Verify reports the damage
	}
	switch {
	case err == nil && empty && opts.ReadOnly:
		err = fmt.Errorf("open archive %s: bbolt file without a %q bucket: %w", path, bucketMeta, ErrNotArchive)
	case err == nil && empty:
		err = guard(path, func() error { return db.Update(func(tx *bolt.Tx) error { return initMeta(tx, path) }) })
		schema = schemaVersion
	case err == nil && schema < schemaVersion && !opts.ReadOnly:
		err = guard(path, func() error { return db.Update(func(tx *bolt.Tx) error { return migrate(tx, path, now()) }) })
		schema = schemaVersion
	}
	if err != nil {
		db.Close()
		return nil, err
	}

	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open archive %s: zstd encoder: %w", path, err)
	}
	dec, err := newDecoder()
	if err != nil {
		enc.Close()
		db.Close()
		return nil, fmt.Errorf("open archive %s: zstd decoder: %w", path, err)
	}
	a := &Archive{db: db, path: path, readOnly: opts.ReadOnly, enc: enc, dec: dec, now: now, schema: schema}
	var dicts map[uint32][]byte
	err = a.view(func(tx *bolt.Tx) error {
		dicts, err = loadDicts(tx)
		return err
	})
	var codec *dictCodec
	if err == nil {
		codec, err = newDictCodec(dicts)
	}
	if opts.Salvage && err != nil {
		err = nil // Verify reports the damage; raw pages may not decompress
	}
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("open archive %s: %w", path, err)
	}
	if codec != nil {
		a.dict.Store(codec)
	}
	return a, nil
}

// openBolt opens path with bbolt and classifies its errors.
func openBolt(path string, mode os.FileMode, opts *bolt.Options) (*bolt.DB, error) {
	db, err := bolt.Open(path, mode, opts)
	switch {
	case err == nil:
		return db, nil
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("archive %s is %w; wait for it to finish or use --wait", path, ErrLocked)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("open archive: %w", err)
	default:
		// bbolt reports ErrInvalid, ErrVersionMismatch, ErrChecksum or a
		// short read for files that are not bbolt databases.
		return nil, fmt.Errorf("open archive %s: %w (bbolt: %v)", path, ErrNotArchive, err)
	}
}

// checkMeta returns an error unless tx holds our meta bucket with a schema
// this code reads.
func checkMeta(tx *bolt.Tx, path string) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return fmt.Errorf("open archive %s: bbolt file without a %q bucket: %w", path, bucketMeta, ErrNotArchive)
	}
	if f := meta.Get(metaFormat); string(f) != formatName {
		return fmt.Errorf("open archive %s: meta format is %q, want %q: %w", path, f, formatName, ErrNotArchive)
	}
	raw := meta.Get(metaSchema)
	v, err := strconv.Atoi(string(raw))
	if err != nil || v < 1 {
		return fmt.Errorf("open archive %s: bad schema version %q: %w", path, raw, ErrNotArchive)
	}
	if v > schemaVersion {
		return fmt.Errorf("open archive %s: schema version %d is newer than %d, the newest this crawler reads; upgrade the crawler: %w",
			path, v, schemaVersion, ErrSchemaTooNew)
	}
	for _, name := range dataBuckets {
		if tx.Bucket(name) == nil {
			return fmt.Errorf("open archive %s: bucket %q is missing: %w", path, name, ErrNotArchive)
		}
	}
	for _, added := range []struct {
		schema  int
		buckets [][]byte
	}{{2, schema2Buckets}, {3, schema3Buckets}} {
		if v < added.schema {
			continue
		}
		for _, name := range added.buckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("open archive %s: bucket %q is missing: %w", path, name, ErrNotArchive)
			}
		}
	}
	return nil
}

// schemaOf returns the schema version of a transaction that passed
// checkMeta.
func schemaOf(tx *bolt.Tx) int {
	v, _ := strconv.Atoi(string(tx.Bucket(bucketMeta).Get(metaSchema)))
	return v
}

// isEmpty reports whether tx has no buckets.
func isEmpty(tx *bolt.Tx) bool {
	k, _ := tx.Cursor().First()
	return k == nil
}

// initMeta creates the buckets of a new archive.
func initMeta(tx *bolt.Tx, path string) error {
	if !isEmpty(tx) {
		return checkMeta(tx, path)
	}
	meta, err := tx.CreateBucket(bucketMeta)
	if err != nil {
		return fmt.Errorf("create archive %s: %w", path, err)
	}
	if err := meta.Put(metaFormat, []byte(formatName)); err != nil {
		return fmt.Errorf("create archive %s: %w", path, err)
	}
	if err := meta.Put(metaSchema, []byte(strconv.Itoa(schemaVersion))); err != nil {
		return fmt.Errorf("create archive %s: %w", path, err)
	}
	for _, name := range slices.Concat(dataBuckets, schema2Buckets, schema3Buckets) {
		if _, err := tx.CreateBucket(name); err != nil {
			return fmt.Errorf("create archive %s: bucket %q: %w", path, name, err)
		}
	}
	return nil
}

// Close releases the archive's lock and resources.
func (a *Archive) Close() error {
	a.enc.Close()
	a.dec.Close()
	a.dict.Load().close()
	if err := a.db.Close(); err != nil {
		return fmt.Errorf("close archive %s: %w", a.path, err)
	}
	return nil
}

// Path returns the file name the archive was opened with.
func (a *Archive) Path() string { return a.path }

// update runs fn in a write transaction, or returns ErrReadOnly.
func (a *Archive) update(fn func(tx *bolt.Tx) error) error {
	if a.readOnly {
		return fmt.Errorf("archive %s: %w", a.path, ErrReadOnly)
	}
	return guard(a.path, func() error {
		return a.db.Update(func(tx *bolt.Tx) error {
			a.release.beforeWrite(tx)
			return fn(tx)
		})
	})
}

package archive

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestVerify(t *testing.T) {
	const (
		u1 = "http://example.com/1.html"
		u2 = "http://example.com/2.html"
	)
	tests := []struct {
		name   string
		break_ func(tx *bolt.Tx) error
		bucket string // a problem must name this bucket
	}{
		{"intact", func(tx *bolt.Tx) error { return nil }, ""},
		{"url entry deleted", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketURLs).Delete([]byte(u2))
		}, "urls"},
		{"url entry points at no record", func(tx *bolt.Tx) error {
			var h [32]byte
			return tx.Bucket(bucketURLs).Put([]byte("http://example.com/ghost.html"), urlValue(99, h, urlAlias))
		}, "urls"},
		{"url entry points at another record", func(tx *bolt.Tx) error {
			var h [32]byte
			return tx.Bucket(bucketURLs).Put([]byte(u1), urlValue(2, h, urlPrimary))
		}, "urls"},
		{"url not canonical", func(tx *bolt.Tx) error {
			var h [32]byte
			return tx.Bucket(bucketURLs).Put([]byte("HTTP://example.com/x#y"), urlValue(1, h, urlAlias))
		}, "urls"},
		{"bytime entry extra", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketByTime).Put(timeKey(time.Unix(1e9, 0), 1), nil)
		}, "bytime"},
		{"bytime entry for no record", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketByTime).Put(timeKey(time.Unix(1e9, 0), 77), nil)
		}, "bytime"},
		{"bytime entry missing", func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketByTime).Cursor()
			k, _ := c.First()
			return c.Bucket().Delete(k)
		}, "bytime"},
		{"hash entry missing", func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketHashes).Cursor()
			k, _ := c.First()
			return c.Bucket().Delete(k)
		}, "hashes"},
		{"raw page missing", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRaw).Delete(rawKey(1, 1, 0))
		}, "raw"},
		{"raw page corrupt", func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketRaw)
			v := append([]byte{}, b.Get(rawKey(1, 1, 0))...)
			v[len(v)-3] ^= 0xFF
			return b.Put(rawKey(1, 1, 0), v)
		}, "raw"},
		{"orphan raw page", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRaw).Put(rawKey(5, 1, 0), []byte{rawFormat, 0})
		}, "raw"},
		{"orphan version", func(tx *bolt.Tx) error {
			v := version{Title: "x"}
			return tx.Bucket(bucketVersions).Put(versionKey(1, 7), v.append(nil))
		}, "versions"},
		{"content hash mismatch", func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketVersions)
			v, err := decodeVersion(b.Get(versionKey(2, 1)))
			if err != nil {
				return err
			}
			v.Body = "tampered"
			return b.Put(versionKey(2, 1), v.append(nil))
		}, "versions"},
		{"header corrupt", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketArticles).Put(idKey(2), []byte{headerFormat, 0x80})
		}, "articles"},
		{"page files corrupt", func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketPageFiles)
			if err != nil {
				return err
			}
			return b.Put([]byte("http://example.com/topic/1/index.html"), []byte{pageFilesFormat, 5})
		}, "pagefiles"},
		{"page files not canonical", func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketPageFiles)
			if err != nil {
				return err
			}
			return b.Put([]byte("http://example.com/topic/1/index.html"), appendPageFiles(nil, []string{"HTTP://example.com/a.pdf#x"}))
		}, "pagefiles"},
		{"page files listed twice", func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(bucketPageFiles)
			if err != nil {
				return err
			}
			return b.Put([]byte("http://example.com/topic/1/index.html"), appendPageFiles(nil, []string{"http://example.com/a.pdf", "http://example.com/a.pdf"}))
		}, "pagefiles"},
		{"meta schema removed", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Delete(metaSchema)
		}, "meta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Open(filepath.Join(t.TempDir(), "archive.db"), Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			mustPut(t, a, simple(u1, "one", "first article"))
			mustPut(t, a, simple(u2, "two", "second article"))
			mustPut(t, a, simple("http://example.com/2-mirror.html", "two", "second article"))
			if err := a.db.Update(tt.break_); err != nil {
				t.Fatal(err)
			}
			probs, err := a.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tt.bucket == "" {
				for _, p := range probs {
					t.Errorf("intact archive: %s", p)
				}
				return
			}
			if len(probs) == 0 {
				t.Fatal("Verify found no problem")
			}
			found := false
			for _, p := range probs {
				t.Logf("%s", p)
				found = found || strings.HasPrefix(p.String(), tt.bucket+" ") || strings.HasPrefix(p.String(), tt.bucket+":")
			}
			if !found {
				t.Errorf("no problem in bucket %q", tt.bucket)
			}
		})
	}
}

func TestVerifyCancelled(t *testing.T) {
	a := openTestArchive(t)
	mustPut(t, a, simple("http://example.com/1.html", "t", "b"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Verify(ctx); err == nil {
		t.Error("Verify with a cancelled context succeeded")
	}
}

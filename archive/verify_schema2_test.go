package archive

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestVerifySchema2 breaks what schema 2 added, and the raw pages a
// re-extracted version borrows, and expects Verify to name each break.
func TestVerifySchema2(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(tx *bolt.Tx) error
		bucket string
	}{
		{"intact", func(tx *bolt.Tx) error { return nil }, ""},
		{"changed entry deleted", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketChanged).Delete(idKey(2))
		}, "changed"},
		{"changed entry for no record", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketChanged).Put(idKey(9), timePrefix(time.Unix(1e9, 0)))
		}, "changed"},
		{"bychange entry extra", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketByChange).Put(timeKey(time.Unix(1e9, 0), 1), nil)
		}, "bychange"},
		{"bychange entry deleted", func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketByChange).Cursor()
			k, _ := c.First()
			return c.Bucket().Delete(k)
		}, "bychange"},
		{"borrowed raw page missing", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRaw).Delete(rawKey(1, 1, 0))
		}, "raw"},
		{"rawfrom names a later version", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRawFrom).Put(versionKey(1, 2), binary.BigEndian.AppendUint32(nil, 3))
		}, "rawfrom"},
		{"rawfrom for no version", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRawFrom).Put(versionKey(1, 5), binary.BigEndian.AppendUint32(nil, 1))
		}, "rawfrom"},
		{"rawfrom deleted", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRawFrom).Delete(versionKey(1, 2))
		}, "raw"},
		{"bucket missing", func(tx *bolt.Tx) error {
			return tx.DeleteBucket(bucketByChange)
		}, "meta"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Open(filepath.Join(t.TempDir(), "archive.db"), Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			mustPut(t, a, simple("http://example.com/1.html", "one", "first article"))
			mustPut(t, a, simple("http://example.com/2.html", "two", "second article"))
			if _, _, err := a.Reextract(context.Background(), "1", 1, Article{Title: "one, better", Body: "first article"}); err != nil {
				t.Fatal(err)
			}
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
			found := false
			for _, p := range probs {
				t.Logf("%s", p)
				found = found || strings.HasPrefix(p.String(), tt.bucket+" ") || strings.HasPrefix(p.String(), tt.bucket+":")
			}
			if !found {
				t.Errorf("no problem in bucket %q among %d", tt.bucket, len(probs))
			}
		})
	}
}

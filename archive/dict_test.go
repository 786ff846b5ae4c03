package archive

import (
	"bytes"
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestDictionary checks that an archive builds its zstd dictionary once it
// holds enough records, compresses later pages and versions with it,
// reads everything back (also after reopening, read-only), and that the
// dictionary makes pages smaller.
func TestDictionary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	n := dictPool + 40
	arts := make([]Article, n)
	for i := range arts {
		arts[i] = testArticle(rng, i)
	}
	ctx := context.Background()
	for i := range dictPool {
		if a.dict.Load() != nil {
			t.Fatalf("dictionary built after %d records, want %d", i, dictPool)
		}
		mustPut(t, a, arts[i])
	}
	// The next write builds it; the batch after uses it.
	if _, err := a.PutBatch(ctx, arts[dictPool:dictPool+20]); err != nil {
		t.Fatal(err)
	}
	if a.dict.Load() == nil {
		t.Fatal("no dictionary after a write past the threshold")
	}
	if _, err := a.PutBatch(ctx, arts[dictPool+20:]); err != nil {
		t.Fatal(err)
	}
	var plainSize, dictSize int
	formats := map[byte]int{}
	a.view(func(tx *bolt.Tx) error {
		raw, versions := tx.Bucket(bucketRaw), tx.Bucket(bucketVersions)
		for id := uint64(1); id <= uint64(n); id++ {
			v := raw.Get(rawKey(id, 1, 0))
			formats[v[0]]++
			if id <= 20 {
				plainSize += len(v)
			}
			if id > uint64(n-20) {
				dictSize += len(v)
			}
			formats[10+versions.Get(versionKey(id, 1))[0]]++
		}
		return nil
	})
	want := map[byte]int{rawFormat: dictPool + 20, rawFormatDict: 20, 10 + versionFormatZstd: dictPool + 20, 10 + versionFormatDict: 20}
	for f, c := range want {
		if formats[f] != c {
			t.Errorf("format counts %v, want %v (raw formats, then 10+version formats)", formats, want)
			break
		}
	}
	if dictSize >= plainSize*3/4 {
		t.Errorf("20 pages take %d bytes with the dictionary, %d without", dictSize, plainSize)
	}
	check := func(a *Archive) {
		t.Helper()
		for i, art := range arts {
			rec, err := a.Lookup(art.URL)
			if err != nil || rec.Body != art.Body || rec.Title != art.Title {
				t.Fatalf("article %d: %v", i, err)
			}
			pages, err := a.RawPages(rec.ID, 0)
			if err != nil || len(pages) != 1 || !bytes.Equal(pages[0].Body, art.Pages[0].Body) {
				t.Fatalf("raw page of article %d: %v", i, err)
			}
		}
	}
	check(a)
	// Unchanged and changed articles still compare with stored versions.
	if out := mustPut(t, a, arts[n-1]); out != Unchanged {
		t.Errorf("Put of a stored article = %v", out)
	}
	changed := arts[n-1]
	changed.Body += " 更正"
	if out := mustPut(t, a, changed); out != Versioned {
		t.Errorf("Put of a changed article = %v", out)
	}
	arts[n-1] = changed
	verifyAndClose(t, a)

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	check(ro)
	var buf bytes.Buffer
	if c, err := ro.WriteJSONL(ctx, &buf, Filter{}, JSONLOptions{}); err != nil || c != n {
		t.Errorf("WriteJSONL = %d, %v; want %d records", c, err, n)
	}
	verifyAndClose(t, ro)
}

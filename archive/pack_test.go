package archive

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestAppendedBucketsArePacked checks that the pages holding raw pages and
// versions, most of an archive, are mostly full: on 4 KiB pages a third of
// the file was slack.
func TestAppendedBucketsArePacked(t *testing.T) {
	ctx := context.Background()
	a := openTestArchive(t)
	rng := rand.New(rand.NewPCG(7, 8))
	for batch := range 10 {
		var arts []Article
		for i := range 200 {
			n := batch*200 + i
			arts = append(arts, simple(fmt.Sprintf("http://example.com/%d.html", n), fmt.Sprint("标题", n), randomHan(rng, 400+rng.IntN(800))))
		}
		if _, err := a.PutBatch(ctx, arts); err != nil {
			t.Fatal(err)
		}
	}
	err := a.view(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketRaw, bucketVersions} {
			s := tx.Bucket(name).Stats()
			used := float64(s.LeafInuse+s.BranchInuse) / float64(s.LeafAlloc+s.BranchAlloc)
			if used < 0.8 {
				t.Errorf("bucket %s: %.0f%% of its %d KB of pages in use, want at least 80%%", name, 100*used, (s.LeafAlloc+s.BranchAlloc)>>10)
			}
			t.Logf("bucket %s: %.0f%% of %d KB in use", name, 100*used, (s.LeafAlloc+s.BranchAlloc)>>10)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// randomHan returns n random CJK ideographs: text that compresses to
// about two bytes a character, as varied news text does.
func randomHan(rng *rand.Rand, n int) string {
	r := make([]rune, n)
	for i := range r {
		r[i] = rune(0x4E00 + rng.IntN(0x5000))
	}
	return string(r)
}

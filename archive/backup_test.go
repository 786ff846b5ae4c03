package archive

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, err := Open(filepath.Join(dir, "archive.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		mustPut(t, a, testArticle(rng, i))
	}
	if err := a.PutRun(Run{Kind: "crawl", Status: "ok", Pages: 40}); err != nil {
		t.Fatal(err)
	}

	for _, readOnly := range []bool{false, true} {
		src := a
		if readOnly {
			// A read-only archive (as crawler backup opens it) backs up too.
			a.Close()
			if src, err = Open(a.Path(), Options{ReadOnly: true}); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		n, err := src.Backup(ctx, &buf)
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(buf.Len()) || n == 0 {
			t.Errorf("Backup reported %d bytes, wrote %d", n, buf.Len())
		}
		copyPath := filepath.Join(dir, "copy.db")
		if err := os.WriteFile(copyPath, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Open(copyPath, Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("open the copy: %v", err)
		}
		probs, err := c.Verify(ctx)
		if err != nil || len(probs) > 0 {
			t.Errorf("verify the copy: %v %v", probs, err)
		}
		want, _ := src.Stats()
		got, _ := c.Stats()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("copy stats %+v, want %+v", got, want)
		}
		c.Close()
		if readOnly {
			src.Close()
		}
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestBackupErrors(t *testing.T) {
	a := openTestArchive(t)
	mustPut(t, a, simple("http://example.com/1.html", "t", "b"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Backup(ctx, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Backup with a cancelled context: %v", err)
	}
	if _, err := a.Backup(context.Background(), &failWriter{n: 4096}); err == nil {
		t.Error("Backup to a failing writer succeeded")
	}
}

package archive

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// damageSource writes an archive of a few dozen records, big enough to
// span many pages, and returns its path.
func damageSource(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "source.db")
	a, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 40 {
		if _, err := a.Put(context.Background(), testArticle(rng, i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.PutRun(Run{Kind: "backfill", Status: "ok"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// readEverything runs every reading method on the archive at path and
// returns the errors they gave. It never panics on a damaged file: a panic
// fails the test that calls it.
func readEverything(t testing.TB, path string) (openErr error, errs []error) {
	t.Helper()
	a, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		return err, nil
	}
	defer a.Close()
	ctx := context.Background()
	_, err = a.WriteJSONL(ctx, io.Discard, Filter{}, JSONLOptions{})
	errs = append(errs, err)
	errs = append(errs, a.ForEach(ctx, Filter{}, func(r Record) error {
		_, err := a.RawPages(r.ID, r.Version)
		return err
	}))
	_, err = a.Stats()
	errs = append(errs, err)
	_, err = a.Len()
	errs = append(errs, err)
	_, err = a.Runs(10)
	errs = append(errs, err)
	_, err = a.Backup(ctx, io.Discard)
	errs = append(errs, err)
	errs = append(errs, a.IDs(ctx, func(string) error { return nil }))
	return nil, errs
}

// salvageVerify opens path as verify does and returns its problems.
func salvageVerify(t testing.TB, path string) []Problem {
	t.Helper()
	a, err := Open(path, Options{ReadOnly: true, Salvage: true})
	if err != nil {
		if errors.Is(err, ErrNotArchive) {
			return nil // bbolt refused the file outright: nothing to verify
		}
		t.Fatalf("open for verify: %v", err)
	}
	defer a.Close()
	probs, err := a.Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return probs
}

// usedSize returns how much of the archive file at path its pages use.
func usedSize(t testing.TB, path string) int64 {
	t.Helper()
	a, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var n int64
	if err := a.view(func(tx *bolt.Tx) error { n = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func copyFile(t testing.TB, from, to string) []byte {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTruncatedArchive is the damage a full disk or an interrupted copy
// leaves: every command but verify refuses the file with ErrDamaged, and
// verify reports the truncation and what can still be read.
func TestTruncatedArchive(t *testing.T) {
	src := damageSource(t)
	used := usedSize(t, src)
	for _, frac := range []float64{0.99, 0.7, 0.5, 0.2} {
		path := filepath.Join(t.TempDir(), "cut.db")
		copyFile(t, src, path)
		size := int64(float64(used) * frac)
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		openErr, _ := readEverything(t, path)
		if !errors.Is(openErr, ErrDamaged) {
			t.Errorf("truncated to %d of %d bytes: Open = %v, want ErrDamaged", size, used, openErr)
		} else if !strings.Contains(openErr.Error(), "crawler verify") {
			t.Errorf("error does not say to run verify: %v", openErr)
		}
		if a, err := Open(path, Options{}); !errors.Is(err, ErrDamaged) {
			t.Errorf("truncated: writable Open = %v, want ErrDamaged", err)
			if err == nil {
				a.Close()
			}
		}
		probs := salvageVerify(t, path)
		text := problemText(probs)
		if !strings.Contains(text, "truncated") {
			t.Errorf("truncated to %d bytes: verify does not say so:\n%s", size, text)
		}
		if !strings.Contains(text, "readable") && !strings.Contains(text, "no bucket can be read") {
			t.Errorf("truncated to %d bytes: verify does not say what is readable:\n%s", size, text)
		}
	}
}

// TestOverwrittenPages is the damage of a bad disk: pages in the middle
// of the file overwritten. Reading must fail with ErrDamaged or succeed,
// never panic, and verify must find problems.
func TestOverwrittenPages(t *testing.T) {
	src := damageSource(t)
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	pages := len(orig) / pageSize
	for _, fill := range []string{"random", "zero"} {
		for start := 2; start < pages; start += max(1, pages/12) {
			damaged := bytes.Clone(orig)
			region := damaged[start*pageSize : min(len(damaged), (start+2)*pageSize)]
			rng := rand.New(rand.NewPCG(uint64(start), 1))
			for i := range region {
				if fill == "random" {
					region[i] = byte(rng.Uint32())
				} else {
					region[i] = 0
				}
			}
			path := filepath.Join(t.TempDir(), "bad.db")
			if err := os.WriteFile(path, damaged, 0o600); err != nil {
				t.Fatal(err)
			}
			openErr, errs := readEverything(t, path)
			for _, err := range append(errs, openErr) {
				if err != nil && !errors.Is(err, ErrDamaged) && !errors.Is(err, errCorrupt) && !errors.Is(err, ErrNotArchive) {
					t.Logf("pages %d–%d %s: %v", start, start+1, fill, err)
				}
			}
			salvageVerify(t, path)
		}
	}
}

// TestVerifyReportsDamagedBucket checks what verify says of a file whose
// pages are overwritten: that reading failed, and the readable counts.
func TestVerifyReportsDamagedBucket(t *testing.T) {
	src := damageSource(t)
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for start := len(orig)/pageSize - 3; start > 2 && !found; start-- {
		damaged := bytes.Clone(orig)
		rng := rand.New(rand.NewPCG(uint64(start), 2))
		for i := start * pageSize; i < (start+1)*pageSize; i++ {
			damaged[i] = byte(rng.Uint32())
		}
		path := filepath.Join(t.TempDir(), "bad.db")
		if err := os.WriteFile(path, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		text := problemText(salvageVerify(t, path))
		if strings.Contains(text, "entries still readable by bucket") {
			found = true
			if !strings.Contains(text, "(damaged)") {
				t.Errorf("verify names no damaged bucket:\n%s", text)
			}
		}
	}
	if !found {
		t.Fatal("no overwritten page made verify report readable counts")
	}
}

func problemText(probs []Problem) string {
	var b strings.Builder
	for _, p := range probs {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// FuzzDamagedFile overwrites a span of a real archive file with the
// fuzzer's bytes, or cuts it short, then reads it every way a command
// does. Reading may fail; it must not panic or hang.
func FuzzDamagedFile(f *testing.F) {
	src := damageSource(f)
	orig, err := os.ReadFile(src)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint32(5*pageSize), []byte{0xff, 0xff, 0xff, 0xff}, false)
	f.Add(uint32(len(orig)/2), []byte{}, true)
	f.Add(uint32(pageSize+16), bytes.Repeat([]byte{0}, 64), false)
	f.Fuzz(func(t *testing.T, off uint32, patch []byte, truncate bool) {
		if len(orig) == 0 {
			t.Skip()
		}
		at := int(off) % len(orig)
		damaged := bytes.Clone(orig)
		if truncate {
			damaged = damaged[:at]
		} else {
			copy(damaged[at:], patch)
		}
		path := filepath.Join(t.TempDir(), "fuzz.db")
		if err := os.WriteFile(path, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		readEverything(t, path)
		salvageVerify(t, path)
	})
}

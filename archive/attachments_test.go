package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPutFile(t *testing.T) {
	a := openTestArchive(t)
	when := time.Date(2024, 1, 29, 7, 20, 0, 0, time.UTC)
	text := bytes.Repeat([]byte("岗位表 position table\n"), 2000) // compresses
	noise := make([]byte, 4096)                                // does not
	fill(noise, 1)

	cases := []struct {
		name string
		file File
		body []byte
	}{
		{"compressible", File{URL: "https://img.hxw.gov.cn/2024/01-29/a.xlsx", State: FileStored, Status: 200, ContentType: "application/vnd.ms-excel", Name: "职位表.xlsx", FetchedAt: when, Header: http.Header{"Content-Type": {"application/vnd.ms-excel"}}}, text},
		{"incompressible", File{URL: "https://www.hxw.gov.cn/files/b.pdf", State: FileStored, Status: 200, Name: "b.pdf", FetchedAt: when}, noise},
		{"same content, other URL", File{URL: "https://www.hxw.gov.cn/files/copy.pdf", State: FileStored, Status: 200, Name: "copy.pdf", FetchedAt: when}, noise},
		{"empty", File{URL: "https://www.hxw.gov.cn/files/empty.txt", State: FileStored, Status: 200, Name: "empty.txt", FetchedAt: when}, []byte{}},
		{"too large", File{URL: "https://www.hxw.gov.cn/files/big.zip", State: FileTooLarge, Status: 200, Size: 1 << 30, FetchedAt: when}, nil},
		{"failed", File{URL: "https://www.hxw.gov.cn/files/gone.doc", State: FileFailed, Status: 404, Err: "HTTP 404", FetchedAt: when}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := a.PutFile(c.file, c.body); err != nil {
				t.Fatal(err)
			}
			f, body, err := a.FileBody(c.file.URL)
			if err != nil {
				t.Fatal(err)
			}
			if f.State != c.file.State || f.Name != c.file.Name || f.Status != c.file.Status || !f.FetchedAt.Equal(when) {
				t.Errorf("got %+v, want %+v", f, c.file)
			}
			if !c.file.Stored() {
				if body != nil || f.Hash() != "" || f.Size != c.file.Size {
					t.Errorf("not stored, yet body %d bytes, hash %q, size %d", len(body), f.Hash(), f.Size)
				}
				return
			}
			if !bytes.Equal(body, c.body) || f.Size != int64(len(c.body)) || f.SHA256 != sha256.Sum256(c.body) {
				t.Errorf("body %d bytes, size %d, hash %s; want %d bytes", len(body), f.Size, f.Hash(), len(c.body))
			}
		})
	}

	st, err := a.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 4 || st.FilesTooLarge != 1 || st.FilesFailed != 1 || st.Blobs != 3 {
		t.Errorf("stats: %d files, %d too large, %d failed, %d blobs; want 4, 1, 1, 3", st.Files, st.FilesTooLarge, st.FilesFailed, st.Blobs)
	}
	if want := int64(len(text) + len(noise)); st.BlobBytes != want || st.BlobStoredBytes >= want {
		t.Errorf("blob bytes %d (stored %d), want %d and fewer stored", st.BlobBytes, st.BlobStoredBytes, want)
	}

	t.Run("a failure does not replace a stored file", func(t *testing.T) {
		u := cases[0].file.URL
		if err := a.PutFile(File{URL: u, State: FileFailed, Status: 503}, nil); err != nil {
			t.Fatal(err)
		}
		if f, err := a.File(u); err != nil || !f.Stored() {
			t.Errorf("after a failure: %+v, %v", f, err)
		}
	})
	t.Run("unknown URL", func(t *testing.T) {
		if _, err := a.File("https://www.hxw.gov.cn/nothing.pdf"); !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("ForEachFile", func(t *testing.T) {
		var urls []string
		err := a.ForEachFile(context.Background(), func(f File) error {
			urls = append(urls, f.URL)
			return nil
		})
		if err != nil || len(urls) != len(cases) {
			t.Errorf("got %v, %v", urls, err)
		}
	})
}

// TestVerifyFindsDamagedBlob flips a byte of a stored file in the archive
// file itself, as bit rot would, and expects Verify and FileBody to notice.
func TestVerifyFindsDamagedBlob(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	noise := make([]byte, 8192) // stored as it is, so it can be found in the file
	fill(noise, 3)
	const u = "https://img.hxw.gov.cn/2024/01-29/x.xlsx"
	if err := a.PutFile(File{URL: u, State: FileStored, Status: 200}, noise); err != nil {
		t.Fatal(err)
	}
	if probs, err := a.Verify(context.Background()); err != nil || len(probs) != 0 {
		t.Fatalf("before damage: %v, %v", probs, err)
	}
	a.Close()

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// bbolt may leave copies in free pages: damage every one.
	damaged := 0
	for i := bytes.Index(data, noise); i >= 0; i = bytes.Index(data, noise) {
		data[i+100] ^= 0xFF
		damaged++
	}
	if damaged == 0 {
		t.Fatal("stored bytes not found in the file")
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}

	a, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	probs, err := a.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].Bucket != "blobs" || !strings.Contains(probs[0].Msg, "hash to") {
		t.Errorf("problems %v, want one about the blob's hash", probs)
	}
	if _, _, err := a.FileBody(u); err == nil {
		t.Error("FileBody returned damaged bytes without an error")
	}
}

// fill fills b with bytes drawn from a generator seeded with seed.
func fill(b []byte, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

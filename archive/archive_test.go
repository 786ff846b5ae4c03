package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openTestArchive opens a new archive in a temporary directory. Cleanup
// runs Verify, fails the test on any problem, and closes the archive.
func openTestArchive(t testing.TB) *Archive {
	t.Helper()
	a, err := Open(filepath.Join(t.TempDir(), "archive.db"), Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { verifyAndClose(t, a) })
	return a
}

// verifyAndClose runs Verify on a, fails t on any problem, and closes a.
func verifyAndClose(t testing.TB, a *Archive) {
	t.Helper()
	probs, err := a.Verify(context.Background())
	if err != nil {
		t.Errorf("verify: %v", err)
	}
	for _, p := range probs {
		t.Errorf("verify: %s", p)
	}
	if err := a.Close(); err != nil {
		t.Error(err)
	}
}

var testZone = time.FixedZone("CST", 8*3600)

// words is sample text for generated articles.
var words = strings.Fields(`湖南 长沙 省委 省政府 会议 强调 推进 高质量 发展 乡村 振兴
经济 建设 改革 开放 创新 驱动 民生 保障 生态 文明 教育 卫生 交通 水利 农业 工业
the of and to in 2024 年 月 日 记者 报道 通讯员`)

// genText returns about n bytes of pseudo-random text.
func genText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(words[rng.IntN(len(words))])
		if rng.IntN(12) == 0 {
			b.WriteString("。\n")
		}
	}
	return b.String()
}

// testArticle returns a realistic article number i: about 3 KB of body and
// one raw page of about 12 KB.
func testArticle(rng *rand.Rand, i int) Article {
	url := fmt.Sprintf("http://www.hnredstar.gov.cn/c/2024-01-29/%d.html", i)
	body := genText(rng, 3000)
	title := fmt.Sprintf("第%d号 %s", i, genText(rng, 40))
	fetched := time.Date(2024, 2, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return Article{
		URL:       url,
		Title:     title,
		Source:    "湖南日报",
		Published: time.Date(2024, 1, 29, 15, 20, 0, 0, testZone).Add(time.Duration(i%5000) * time.Minute),
		Body:      body,
		Column:    "要闻",
		Images:    []string{fmt.Sprintf("http://www.hnredstar.gov.cn/img/%d.jpg", i)},
		Author:    "张三",
		FetchedAt: fetched,
		Pages: []RawPage{{
			URL:    url,
			Status: 200,
			Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Server": {"nginx"}},
			Body: []byte("<html><head><title>" + title + "</title></head><body>" +
				strings.Repeat("<div class=\"nav\"><a href=\"/col/index.html\">首页</a></div>\n", 60) +
				"<div class=\"content\">" + body + "</div></body></html>"),
			FetchedAt: fetched,
		}},
	}
}

// simple returns a minimal article.
func simple(url, title, body string) Article {
	return Article{URL: url, Title: title, Body: body,
		Published: time.Date(2024, 1, 29, 15, 20, 0, 0, testZone),
		FetchedAt: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC),
		Pages:     []RawPage{{URL: url, Status: 200, Body: []byte("<p>" + body + "</p>")}}}
}

func mustPut(t testing.TB, a *Archive, art Article) Outcome {
	t.Helper()
	out, err := a.Put(context.Background(), art)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestOpenCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "sub", "archive.db")
	a, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Path() != path {
		t.Errorf("Path() = %q, want %q", a.Path(), path)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("archive mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o750 {
		t.Errorf("directory mode %v, want 0750", di.Mode().Perm())
	}
}

func TestOpenReadOnlyMissing(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope.db"), Options{ReadOnly: true})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open read-only of a missing file: %v, want ErrNotExist", err)
	}
}

// writeBolt creates a bbolt file at path and runs fn in an update.
func writeBolt(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		want  error
	}{
		{"text file", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("url,title\nhttp://example.com/,hello\n"), 0o644)
		}, ErrNotArchive},
		{"random bytes", func(t *testing.T, path string) {
			b := make([]byte, 64<<10)
			rand.NewChaCha8([32]byte{1}).Read(b)
			os.WriteFile(path, b, 0o644)
		}, ErrNotArchive},
		{"empty file", func(t *testing.T, path string) {
			os.WriteFile(path, nil, 0o644)
		}, ErrNotArchive},
		{"directory", func(t *testing.T, path string) {
			os.Mkdir(path, 0o755)
		}, ErrNotArchive},
		{"empty bbolt file", func(t *testing.T, path string) {
			writeBolt(t, path, func(tx *bolt.Tx) error { return nil })
		}, ErrNotArchive},
		{"bbolt file of another program", func(t *testing.T, path string) {
			writeBolt(t, path, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("widgets"))
				if err != nil {
					return err
				}
				return b.Put([]byte("k"), []byte("v"))
			})
		}, ErrNotArchive},
		{"meta bucket of another program", func(t *testing.T, path string) {
			writeBolt(t, path, func(tx *bolt.Tx) error {
				b, err := tx.CreateBucket([]byte("meta"))
				if err != nil {
					return err
				}
				return b.Put([]byte("schema"), []byte("1"))
			})
		}, ErrNotArchive},
		{"newer schema", func(t *testing.T, path string) {
			a, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			mustPut(t, a, simple("http://example.com/a.html", "t", "b"))
			err = a.db.Update(func(tx *bolt.Tx) error {
				return tx.Bucket(bucketMeta).Put(metaSchema, []byte(strconv.Itoa(schemaVersion+1)))
			})
			if err != nil {
				t.Fatal(err)
			}
			a.Close()
		}, ErrSchemaTooNew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "archive.db")
			tt.setup(t, path)
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			var before [32]byte
			if !fi.IsDir() {
				before = fileSum(t, path)
			}
			for _, ro := range []bool{false, true} {
				a, err := Open(path, Options{ReadOnly: ro})
				if err == nil {
					a.Close()
					t.Fatalf("Open(ReadOnly: %v) succeeded", ro)
				}
				if !errors.Is(err, tt.want) {
					t.Fatalf("Open(ReadOnly: %v): %v, want %v", ro, err, tt.want)
				}
				t.Logf("ReadOnly %v: %v", ro, err)
			}
			after, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if after.Mode() != fi.Mode() || after.Size() != fi.Size() || !after.ModTime().Equal(fi.ModTime()) {
				t.Errorf("file changed: %v %d %v → %v %d %v", fi.Mode(), fi.Size(), fi.ModTime(), after.Mode(), after.Size(), after.ModTime())
			}
			if !fi.IsDir() && fileSum(t, path) != before {
				t.Error("file contents changed")
			}
		})
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		start := time.Now()
		b, err := Open(path, Options{ReadOnly: ro, Timeout: 100 * time.Millisecond})
		if err == nil {
			b.Close()
			t.Fatalf("second Open(ReadOnly: %v) succeeded", ro)
		}
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("second Open(ReadOnly: %v): %v, want ErrLocked", ro, err)
		}
		want := "archive " + path + " is locked by another crawler process; wait for it to finish or use --wait"
		if err.Error() != want {
			t.Errorf("error %q, want %q", err, want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("gave up after %v, want about 100ms", d)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// Readers share the lock.
	r1, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("second reader: %v", err)
	}
	r2.Close()
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 20 {
		mustPut(t, a, testArticle(rng, i))
	}
	mustPut(t, a, simple("http://example.com/x.html", "x", "y"))
	mustPut(t, a, simple("http://example.com/x.html", "x", "y2"))
	run := Run{Kind: "crawl", Start: time.Unix(1700000000, 0).UTC(), End: time.Unix(1700000100, 0).UTC(), Added: 21, Status: "drift",
		Coverage: &Coverage{
			FieldCounts: FieldCounts{Articles: 21, Have: map[string]int{"title": 21, "source": 2}, Suspect: map[string]int{"source": 1},
				Lacking: map[string][]string{"source": {"http://127.0.0.1/a.html"}}},
			Columns: map[string]*FieldCounts{"要闻": {Articles: 21, Have: map[string]int{"title": 21}}},
		},
		Drift: []Drift{{Field: "source", Articles: 21, Share: 2.0 / 21, Baseline: 0.95, History: 300, Examples: []string{"http://127.0.0.1/a.html"}}},
	}
	if err := a.PutRun(run); err != nil {
		t.Fatal(err)
	}
	if err := a.PutState("frontier", []byte("page=7")); err != nil {
		t.Fatal(err)
	}
	var before bytes.Buffer
	if _, err := a.WriteJSONL(ctx, &before, Filter{}, JSONLOptions{}); err != nil {
		t.Fatal(err)
	}
	statsBefore, err := a.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	for _, ro := range []bool{true, false} { // read-only first: the writer adds a record
		t.Run(fmt.Sprintf("ReadOnly=%v", ro), func(t *testing.T) {
			a, err := Open(path, Options{ReadOnly: ro})
			if err != nil {
				t.Fatal(err)
			}
			defer verifyAndClose(t, a)
			var after bytes.Buffer
			n, err := a.WriteJSONL(ctx, &after, Filter{}, JSONLOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if n != 21 || !bytes.Equal(before.Bytes(), after.Bytes()) {
				t.Errorf("export after reopen differs (%d records)", n)
			}
			stats, err := a.Stats()
			if err != nil {
				t.Fatal(err)
			}
			if stats.LastRun == nil || !reflect.DeepEqual(*stats.LastRun, run) {
				t.Errorf("LastRun = %+v, want %+v", stats.LastRun, run)
			}
			stats.LastRun, statsBefore.LastRun = nil, nil
			if stats != statsBefore {
				t.Errorf("stats after reopen %+v, want %+v", stats, statsBefore)
			}
			if v, err := a.State("frontier"); err != nil || string(v) != "page=7" {
				t.Errorf("State = %q, %v", v, err)
			}
			if ok, err := a.Has("http://example.com/x.html"); !ok || err != nil {
				t.Errorf("Has = %v, %v", ok, err)
			}
			_, err = a.Put(ctx, simple("http://example.com/new.html", "n", "n"))
			if ro != errors.Is(err, ErrReadOnly) {
				t.Errorf("Put: %v", err)
			}
			if err := a.PutRun(run); ro != errors.Is(err, ErrReadOnly) {
				t.Errorf("PutRun: %v", err)
			}
			if err := a.PutState("k", []byte("v")); ro != errors.Is(err, ErrReadOnly) {
				t.Errorf("PutState: %v", err)
			}
		})
	}
}

func TestRunsAndState(t *testing.T) {
	a := openTestArchive(t)
	if runs, err := a.Runs(0); err != nil || len(runs) != 0 {
		t.Fatalf("Runs on empty archive = %v, %v", runs, err)
	}
	if s, err := a.Stats(); err != nil || s.LastRun != nil {
		t.Fatalf("Stats on empty archive = %+v, %v", s, err)
	}
	start := time.Date(2024, 2, 1, 2, 0, 0, 0, time.UTC)
	for i := range 5 {
		r := Run{Kind: "crawl", Start: start.Add(time.Duration(i) * time.Hour), End: start.Add(time.Duration(i)*time.Hour + time.Minute),
			Pages: i * 10, Added: i, Failed: i % 2, Status: "ok"}
		if i == 4 {
			r.Status, r.Error = "failed", "fetch list page http://x/: 503"
		}
		if err := a.PutRun(r); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := a.Runs(2)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Pages != 40 || runs[1].Pages != 30 || runs[0].Error == "" || !runs[0].Start.Equal(start.Add(4*time.Hour)) {
		t.Errorf("Runs(2) = %+v", runs)
	}
	if all, _ := a.Runs(0); len(all) != 5 {
		t.Errorf("Runs(0) returned %d runs, want 5", len(all))
	}
	s, err := a.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.LastRun == nil || s.LastRun.Status != "failed" {
		t.Errorf("Stats.LastRun = %+v", s.LastRun)
	}

	if v, err := a.State("missing"); v != nil || err != nil {
		t.Errorf("State(missing) = %q, %v; want nil, nil", v, err)
	}
	if err := a.PutState("frontier", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if v, err := a.State("frontier"); err != nil || !bytes.Equal(v, []byte{1, 2, 3}) {
		t.Errorf("State(frontier) = %v, %v", v, err)
	}
	if err := a.PutState("frontier", nil); err != nil {
		t.Fatal(err)
	}
	if v, err := a.State("frontier"); v != nil || err != nil {
		t.Errorf("State after delete = %q, %v", v, err)
	}
	if err := a.PutState("", []byte("x")); err == nil {
		t.Error("PutState with empty key succeeded")
	}
}

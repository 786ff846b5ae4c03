package archive

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// mappedKB returns how many kilobytes of the file at path the process has
// resident through its mappings, from /proc/self/smaps.
func mappedKB(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	total, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			in = fields[len(fields)-1] == path // a mapping's first line ends with its file
		case in && len(fields) == 3 && fields[0] == "Rss:":
			kb, err := strconv.Atoi(fields[1])
			if err != nil {
				t.Fatalf("smaps: %q", sc.Text())
			}
			total += kb
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}

// TestWritesReleaseMappedPages checks that pages of the archive file read
// through bbolt's mapping leave the resident set within releaseEvery
// write transactions, so that a long crawl's memory does not grow with
// the archive.
func TestWritesReleaseMappedPages(t *testing.T) {
	ctx := context.Background()
	a := openTestArchive(t)
	rng := rand.New(rand.NewPCG(3, 4))
	var arts []Article
	for i := range 1500 {
		body := genText(rng, 6000)
		art := simple(fmt.Sprintf("http://example.com/%d.html", i), fmt.Sprint("标题", i), body)
		arts = append(arts, art)
	}
	if _, err := a.PutBatch(ctx, arts); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(a.path)
	if err != nil {
		t.Fatal(err)
	}
	fileKB := int(fi.Size() >> 10)

	// Read every record and raw page through the mapping.
	if problems, err := a.Verify(ctx); err != nil || len(problems) > 0 {
		t.Fatal(problems, err)
	}
	read := mappedKB(t, a.path)
	if read < fileKB/2 {
		t.Skipf("reading the %d KB archive left only %d KB resident; the kernel keeps no pages to release", fileKB, read)
	}

	for i := range releaseEvery {
		if err := a.PutState("k", []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	after := mappedKB(t, a.path)
	if after > fileKB/10 {
		t.Errorf("after %d writes, %d KB of the %d KB archive are still resident (%d KB after reading it all); want under a tenth",
			releaseEvery, after, fileKB, read)
	}
	t.Logf("archive %d KB: %d KB resident after reading it, %d KB after %d writes", fileKB, read, after, releaseEvery)
}

package archive

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

// testClock is a settable clock for Options.Now.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

// openClockArchive is openTestArchive with a clock the test moves.
func openClockArchive(t *testing.T) (*Archive, *testClock) {
	t.Helper()
	clock := &testClock{t: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)}
	a, err := Open(filepath.Join(t.TempDir(), "archive.db"), Options{NoSync: true, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { verifyAndClose(t, a) })
	return a, clock
}

// fields returns the re-extractable fields of a record as an Article.
func fields(r Record) Article {
	return Article{Title: r.Title, Source: r.Source, Published: r.Published, Body: r.Body, Column: r.Column,
		Images: r.Images, Attachments: r.Attachments, Author: r.Author, Editor: r.Editor}
}

func TestReextract(t *testing.T) {
	ctx := context.Background()
	a, clock := openClockArchive(t)
	art := simple("http://example.com/a.html", "标题", "第一页\n第二页")
	art.Source = "湖南日报"
	art.Pages = append(art.Pages, RawPage{URL: "http://example.com/a_2.html", Status: 200,
		Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<p>第二页</p>")})
	mustPut(t, a, art)
	mustPut(t, a, simple("http://example.com/b.html", "other", "other body"))
	rec, err := a.Lookup(art.URL)
	if err != nil {
		t.Fatal(err)
	}
	pages1, err := a.RawPages(rec.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	before, err := a.ChangedAt(rec.ID)
	if err != nil {
		t.Fatal(err)
	}

	// The same reading changes nothing, not even the change time.
	clock.t = clock.t.Add(time.Hour)
	out, changed, err := a.Reextract(ctx, rec.ID, 1, fields(rec))
	if err != nil || out != Unchanged || changed != nil {
		t.Fatalf("Reextract of the same fields: %v %v %v, want unchanged", out, changed, err)
	}
	if got, _ := a.ChangedAt(rec.ID); !got.Equal(before) {
		t.Errorf("change time moved from %v to %v on an unchanged re-extraction", before, got)
	}

	// A better title becomes version 2, with version 1's pages and fetch time.
	better := fields(rec)
	better.Title = "更好的标题"
	better.URL, better.FetchedAt = "http://ignored.example/", time.Now()
	out, changed, err = a.Reextract(ctx, rec.ID, 1, better)
	if err != nil || out != Versioned || !slices.Equal(changed, []string{"title"}) {
		t.Fatalf("Reextract with a new title: %v %v %v, want versioned [title]", out, changed, err)
	}
	vs, err := a.Versions(rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[1].Title != "更好的标题" || vs[1].Version != 2 || vs[0].Title != "标题" {
		t.Fatalf("versions after re-extraction: %+v", vs)
	}
	if !vs[1].FetchedAt.Equal(vs[0].FetchedAt) || vs[1].URL != rec.URL {
		t.Errorf("version 2 fetched %v at %s, want version 1's %v at %s", vs[1].FetchedAt, vs[1].URL, vs[0].FetchedAt, rec.URL)
	}
	if vs[1].ContentHash != ContentHash("更好的标题", rec.Body) {
		t.Errorf("version 2 hash %s", vs[1].ContentHash)
	}
	pages2, err := a.RawPages(rec.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pages1, pages2) {
		t.Errorf("version 2 raw pages differ from version 1's")
	}
	if got, _ := a.ChangedAt(rec.ID); !got.Equal(clock.t) {
		t.Errorf("change time %v, want %v", got, clock.t)
	}

	// A re-extraction of version 2 that moves the publication time is
	// version 3; its pages are still version 1's, and export order follows.
	clock.t = clock.t.Add(time.Hour)
	third := better
	third.Published = time.Date(2020, 1, 1, 9, 0, 0, 0, testZone)
	third.Images = []string{"http://example.com/1.jpg"}
	out, changed, err = a.Reextract(ctx, rec.ID, 2, third)
	if err != nil || out != Versioned || !slices.Equal(changed, []string{"published", "images"}) {
		t.Fatalf("third reading: %v %v %v", out, changed, err)
	}
	if p, err := a.RawPages(rec.ID, 0); err != nil || !reflect.DeepEqual(p, pages1) {
		t.Errorf("latest raw pages: %v, equal to version 1's: %v", err, reflect.DeepEqual(p, pages1))
	}
	var order []string
	a.ForEach(ctx, Filter{}, func(r Record) error { order = append(order, r.Title); return nil })
	if !slices.Equal(order, []string{"更好的标题", "other"}) {
		t.Errorf("export order %q, want the re-dated record first", order)
	}

	// Stale base, empty article, other record untouched.
	if _, _, err := a.Reextract(ctx, rec.ID, 2, fields(rec)); !errors.Is(err, ErrConflict) {
		t.Errorf("Reextract of a stale version: %v, want ErrConflict", err)
	}
	if _, _, err := a.Reextract(ctx, rec.ID, 3, Article{Source: "x"}); !errors.Is(err, ErrNoContent) {
		t.Errorf("Reextract without title and body: %v, want ErrNoContent", err)
	}
	if _, _, err := a.Reextract(ctx, "0000000099", 1, better); !errors.Is(err, ErrNotFound) {
		t.Errorf("Reextract of an unknown record: %v, want ErrNotFound", err)
	}
	if b, _ := a.Lookup("http://example.com/b.html"); b.Version != 1 {
		t.Errorf("other record has version %d", b.Version)
	}

	// A crawl that fetches new content later adds version 4 with its own pages.
	changedArt := art
	changedArt.Body = "改过的正文"
	if out := mustPut(t, a, changedArt); out != Versioned {
		t.Errorf("Put after re-extraction: %v", out)
	}
	if p, err := a.RawPages(rec.ID, 4); err != nil || len(p) != 2 {
		t.Errorf("version 4 raw pages: %d, %v", len(p), err)
	}
}

func TestReextractReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, a, simple("http://example.com/a.html", "t", "b"))
	a.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, _, err := ro.Reextract(context.Background(), "1", 1, Article{Title: "new"}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Reextract on a read-only archive: %v, want ErrReadOnly", err)
	}
}

func TestIDs(t *testing.T) {
	a := openTestArchive(t)
	const n = forEachBatch + 7
	arts := make([]Article, n)
	for i := range arts {
		arts[i] = simple("http://example.com/"+formatID(uint64(i))+".html", "t"+formatID(uint64(i)), "b")
	}
	if _, err := a.PutBatch(context.Background(), arts); err != nil {
		t.Fatal(err)
	}
	var ids []string
	err := a.IDs(context.Background(), func(id string) error {
		ids = append(ids, id)
		// Writing from fn must not deadlock.
		_, _, err := a.Reextract(context.Background(), id, 1, Article{Title: "x" + id, Body: "b"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != n || ids[0] != "0000000001" || ids[n-1] != formatID(n) || !slices.IsSorted(ids) {
		t.Errorf("IDs gave %d ids, %v … %v", len(ids), ids[0], ids[len(ids)-1])
	}
	if got, err := a.Len(); err != nil || got != n {
		t.Errorf("Len = %d, %v; want %d", got, err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.IDs(ctx, func(string) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("IDs with a cancelled context: %v", err)
	}
}

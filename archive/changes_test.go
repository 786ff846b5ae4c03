package archive

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// urlsOf runs ForEach with f and returns the records' URLs.
func urlsOf(t *testing.T, a *Archive, f Filter) []string {
	t.Helper()
	var got []string
	if err := a.ForEach(context.Background(), f, func(r Record) error {
		got = append(got, r.URL)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestFilterChangedSinceAndColumns(t *testing.T) {
	a, clock := openClockArchive(t)
	t0 := clock.t
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	put := func(d time.Duration, url, title, body, column string, published time.Time) Outcome {
		clock.t = at(d)
		art := simple(url, title, body)
		art.Column, art.Published = column, published
		return mustPut(t, a, art)
	}
	day := func(d int) time.Time { return time.Date(2024, 1, d, 9, 0, 0, 0, testZone) }
	const (
		u1 = "http://example.com/1.html"
		u2 = "http://example.com/2.html"
		u3 = "http://example.com/3.html"
		u4 = "http://example.com/4.html"
	)
	put(0, u1, "one", "body one", "要闻", day(1))
	put(time.Hour, u2, "two", "body two", "组工动态", day(2))
	put(2*time.Hour, u3, "three", "body three", "要闻", time.Time{})
	put(3*time.Hour, u4, "four", "body four", "要闻", day(4))
	// Changes: u1 gets an alias at 4h, u2 a new version at 5h; u3 is seen
	// again unchanged at 6h, which is not a change.
	if out := put(4*time.Hour, "http://example.com/1-copy.html", "one", "body one", "要闻", day(1)); out != Aliased {
		t.Fatalf("alias: %v", out)
	}
	if out := put(5*time.Hour, u2, "two", "body two, corrected", "组工动态", day(2)); out != Versioned {
		t.Fatalf("version: %v", out)
	}
	if out := put(6*time.Hour, u3, "three", "body three", "要闻", time.Time{}); out != Unchanged {
		t.Fatalf("unchanged: %v", out)
	}

	tests := []struct {
		name string
		f    Filter
		want []string
	}{
		{"all", Filter{}, []string{u1, u2, u4, u3}},
		{"changed since the start", Filter{ChangedSince: t0}, []string{u1, u2, u4, u3}},
		{"changed since 3h, inclusive", Filter{ChangedSince: at(3 * time.Hour)}, []string{u1, u2, u4}},
		{"changed since 4h30", Filter{ChangedSince: at(4*time.Hour + 30*time.Minute)}, []string{u2}},
		{"changed since 6h: unchanged put is no change", Filter{ChangedSince: at(6 * time.Hour)}, nil},
		{"column", Filter{Columns: []string{"要闻"}}, []string{u1, u4, u3}},
		{"two columns", Filter{Columns: []string{"组工动态", "要闻"}}, []string{u1, u2, u4, u3}},
		{"unknown column", Filter{Columns: []string{"要"}}, nil},
		{"column and publication time", Filter{Columns: []string{"要闻"}, Since: day(2)}, []string{u4}},
		{"column and change time", Filter{Columns: []string{"要闻"}, ChangedSince: at(3 * time.Hour)}, []string{u1, u4}},
		{"all three", Filter{Columns: []string{"要闻"}, ChangedSince: at(3 * time.Hour), Until: day(3)}, []string{u1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := urlsOf(t, a, tt.f); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}

	if got, err := a.ChangedAt("2"); err != nil || !got.Equal(at(5*time.Hour)) {
		t.Errorf("ChangedAt(2) = %v, %v; want %v", got, err, at(5*time.Hour))
	}
	if _, err := a.ChangedAt("99"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ChangedAt(99): %v, want ErrNotFound", err)
	}
}

// downgrade turns the archive at path into a schema 1 archive, as written
// by the crawler before schema 2.
func downgrade(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range slices.Concat(schema2Buckets, schema3Buckets) {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(metaSchema, []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateFromSchema1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	first := simple("http://example.com/1.html", "one", "body one")
	first.FetchedAt = time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	mustPut(t, a, first)
	first.Body, first.FetchedAt = "body one, corrected", time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC)
	mustPut(t, a, first)
	noTime := simple("http://example.com/2.html", "two", "body two")
	noTime.FetchedAt = time.Time{}
	mustPut(t, a, noTime)
	a.Close()
	downgrade(t, path)

	// Read-only, a schema 1 archive still reads, verifies and exports, but
	// cannot answer what it never recorded.
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of schema 1: %v", err)
	}
	if probs, err := ro.Verify(ctx); err != nil || len(probs) > 0 {
		t.Errorf("verify schema 1: %v %v", probs, err)
	}
	if got := urlsOf(t, ro, Filter{}); len(got) != 2 {
		t.Errorf("schema 1 export: %q", got)
	}
	err = ro.ForEach(ctx, Filter{ChangedSince: time.Unix(0, 0)}, func(Record) error { return nil })
	if !errors.Is(err, ErrOldSchema) {
		t.Errorf("ChangedSince on schema 1: %v, want ErrOldSchema", err)
	}
	ro.Close()

	// A writable open upgrades it in place.
	now := time.Date(2024, 5, 5, 0, 0, 0, 0, time.UTC)
	a, err = Open(path, Options{NoSync: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer verifyAndClose(t, a)
	if a.schema != schemaVersion {
		t.Errorf("schema after upgrade: %d", a.schema)
	}
	for _, tt := range []struct {
		id   string
		want time.Time
	}{{"1", first.FetchedAt}, {"2", now}} {
		if got, err := a.ChangedAt(tt.id); err != nil || !got.Equal(tt.want) {
			t.Errorf("ChangedAt(%s) after upgrade = %v, %v; want %v", tt.id, got, err, tt.want)
		}
	}
	if got := urlsOf(t, a, Filter{ChangedSince: time.Date(2024, 2, 4, 0, 0, 0, 0, time.UTC)}); !slices.Equal(got, []string{"http://example.com/2.html"}) {
		t.Errorf("changed since Feb 4 after upgrade: %q, want only the record dated to the upgrade", got)
	}
	var schema string
	a.view(func(tx *bolt.Tx) error {
		schema = string(tx.Bucket(bucketMeta).Get(metaSchema))
		return nil
	})
	if want := strconv.Itoa(schemaVersion); schema != want {
		t.Errorf("meta schema %q after upgrade, want %s", schema, want)
	}
}

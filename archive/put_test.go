package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPutOutcomes(t *testing.T) {
	const (
		a = "http://www.hnredstar.gov.cn/c/2024-01-29/1.html"
		b = "http://www.hnredstar.gov.cn/xxgk/1.html"
		c = "http://hnredstar.gov.cn/c/1.html"
		d = "http://www.hnredstar.gov.cn/c/2024-01-29/2.html"
	)
	later := func(art Article) Article { art.FetchedAt = art.FetchedAt.Add(24 * time.Hour); return art }
	X := simple(a, "省委召开会议", "会议强调，要推进高质量发展。")
	Y := simple(a, "省委召开会议", "会议强调，要推进高质量发展。（更正）")
	Z := simple(a, "省委召开会议", "第三稿")
	W := simple(d, "另一篇", "内容")
	at := func(art Article, url string) Article { art.URL = url; return art }
	// spaced is X with its white space reshaped: the same content.
	spaced := at(X, b)
	spaced.Title = "  省委召开会议\u3000"
	spaced.Body = "会议强调，要推进高质量发展。\n\n"

	steps := []struct {
		name string
		art  Article
		want Outcome
	}{
		{"new URL and content", X, Added},
		{"same again", X, Unchanged},
		{"same again later", later(X), Unchanged},
		{"same, URL spelled differently", at(X, "HTTP://WWW.HNREDSTAR.GOV.CN:80/c/2024-01-29/./1.html?utm_source=wx#top"), Unchanged},
		{"same content, other URL", spaced, Aliased},
		{"alias again", at(X, b), Unchanged},
		{"changed at record URL", Y, Versioned},
		{"stale content at alias", at(X, b), Unchanged},
		{"alias catches up", at(Y, b), Unchanged},
		{"changed at alias", at(Z, b), Versioned},
		{"record URL still has Y", Y, Unchanged},
		{"record URL reverts to X", X, Versioned},
		{"old content at new URL", at(Y, c), Aliased},
		{"another article", W, Added},
		{"another article again", later(W), Unchanged},
	}
	arch := openTestArchive(t)
	ctx := context.Background()
	for _, st := range steps {
		got, err := arch.Put(ctx, st.art)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got != st.want {
			t.Errorf("%s: Put = %v, want %v", st.name, got, st.want)
		}
	}

	vs, err := arch.Versions("0000000001")
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for i, v := range vs {
		bodies = append(bodies, v.Body)
		if v.Version != i+1 || v.URL != a || v.ID != "0000000001" {
			t.Errorf("version %d: id %s version %d url %s", i+1, v.ID, v.Version, v.URL)
		}
		if v.ContentHash != ContentHash(v.Title, v.Body) {
			t.Errorf("version %d: content hash %s", i+1, v.ContentHash)
		}
		if !v.FetchedAt.Equal(X.FetchedAt) {
			t.Errorf("version %d: fetched_at %v, want the first fetch %v", i+1, v.FetchedAt, X.FetchedAt)
		}
	}
	if want := []string{X.Body, Y.Body, Z.Body, X.Body}; !slices.Equal(bodies, want) {
		t.Errorf("versions have bodies %q, want %q", bodies, want)
	}
	if want := []string{b, c}; !slices.Equal(vs[0].Aliases, want) {
		t.Errorf("aliases %q, want %q", vs[0].Aliases, want)
	}
	if _, err := arch.Versions("0000000003"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Versions of unknown id: %v, want ErrNotFound", err)
	}
	if _, err := arch.Versions("bogus"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Versions of bad id: %v, want ErrNotFound", err)
	}

	for _, u := range []string{a, b, c, d, "http://WWW.hnredstar.gov.cn/xxgk/1.html#x", "http://www.hnredstar.gov.cn:80/c/2024-01-29/2.html?from=timeline"} {
		if ok, err := arch.Has(u); !ok || err != nil {
			t.Errorf("Has(%s) = %v, %v; want true", u, ok, err)
		}
	}
	if ok, err := arch.Has("http://www.hnredstar.gov.cn/c/2024-01-29/9.html"); ok || err != nil {
		t.Errorf("Has(unknown) = %v, %v; want false", ok, err)
	}
	if _, err := arch.Has("/relative.html"); err == nil {
		t.Error("Has(relative URL) succeeded")
	}
	r, err := arch.Lookup(b + "?utm_medium=x")
	if err != nil || r.ID != "0000000001" || r.Version != 4 {
		t.Errorf("Lookup(alias) = %s v%d, %v", r.ID, r.Version, err)
	}
	if _, err := arch.Lookup("http://example.com/"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Lookup(unknown): %v, want ErrNotFound", err)
	}

	s, err := arch.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{Articles: 2, Aliases: 2, Versions: 5, RawPages: 5}
	s.RawBytes, s.StoredBytes = 0, 0
	if s != want {
		t.Errorf("Stats = %+v, want %+v", s, want)
	}
}

func TestPutErrors(t *testing.T) {
	tests := []struct {
		name string
		art  Article
		want error
	}{
		{"relative URL", simple("/c/1.html", "t", "b"), nil},
		{"ftp URL", simple("ftp://example.com/1.html", "t", "b"), nil},
		{"no content", simple("http://example.com/1.html", " \u3000", "\n\t"), ErrNoContent},
	}
	a := openTestArchive(t)
	good := simple("http://example.com/ok.html", "t", "")
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(title-only article): %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.art.Validate(); err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("Validate: %v, want %v", err, tt.want)
			}
			_, err := a.Put(context.Background(), tt.art)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("Put: %v, want %v", err, tt.want)
			}
			_, err = a.PutBatch(context.Background(), []Article{simple("http://example.com/ok.html", "t", "b"), tt.art})
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("PutBatch: %v, want %v", err, tt.want)
			}
		})
	}
	if ok, _ := a.Has("http://example.com/ok.html"); ok {
		t.Error("a failed PutBatch wrote its valid articles")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Put(ctx, simple("http://example.com/1.html", "t", "b")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with cancelled ctx: %v", err)
	}
	if _, err := a.PutBatch(ctx, []Article{simple("http://example.com/1.html", "t", "b")}); !errors.Is(err, context.Canceled) {
		t.Errorf("PutBatch with cancelled ctx: %v", err)
	}
}

func TestRawPages(t *testing.T) {
	a := openTestArchive(t)
	binary := make([]byte, 4096)
	rand.NewChaCha8([32]byte{7}).Read(binary)
	fetched := time.Date(2024, 2, 1, 8, 0, 0, 123456789, time.UTC)
	pages := []RawPage{
		{URL: "http://www.hnredstar.gov.cn/c/1.html", Status: 200, FetchedAt: fetched,
			Header: http.Header{"Content-Type": {"text/html; charset=gb2312"}, "Set-Cookie": {"a=1", "b=2"}},
			Body:   []byte(strings.Repeat("<p>第一页 page one</p>\n", 500))},
		{URL: "http://www.hnredstar.gov.cn/c/1_2.html", Status: 200, FetchedAt: fetched.Add(time.Second),
			Header: http.Header{}, Body: binary},
		{URL: "http://www.hnredstar.gov.cn/c/1_3.html", Status: 404, FetchedAt: fetched.Add(2 * time.Second),
			Header: http.Header{"X-Empty": {""}}, Body: []byte{}},
	}
	art := simple(pages[0].URL, "分页文章", "第一页 第二页 第三页")
	art.Pages = pages
	if out := mustPut(t, a, art); out != Added {
		t.Fatalf("Put = %v", out)
	}
	changed := art
	changed.Body += " 更新"
	changed.Pages = pages[:1]
	if out := mustPut(t, a, changed); out != Versioned {
		t.Fatalf("Put = %v", out)
	}

	tests := []struct {
		name    string
		id      string
		version int
		want    []RawPage
		err     error
	}{
		{"version 1", "0000000001", 1, pages, nil},
		{"version 2", "0000000001", 2, pages[:1], nil},
		{"latest", "0000000001", 0, pages[:1], nil},
		{"unpadded id", "1", 1, pages, nil},
		{"no such version", "0000000001", 3, nil, ErrNotFound},
		{"no such record", "0000000002", 1, nil, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.RawPages(tt.id, tt.version)
			if !errors.Is(err, tt.err) {
				t.Fatalf("RawPages: %v, want %v", err, tt.err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d pages, want %d", len(got), len(tt.want))
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.URL != w.URL || g.Status != w.Status || !g.FetchedAt.Equal(w.FetchedAt) ||
					!reflect.DeepEqual(g.Header, w.Header) || !bytes.Equal(g.Body, w.Body) {
					t.Errorf("page %d:\n got %+v\nwant %+v", i+1, g, w)
				}
			}
		})
	}
	s, err := a.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.RawPages != 4 || s.StoredBytes >= s.RawBytes {
		t.Errorf("Stats = %+v: want 4 raw pages, compressed", s)
	}
}

// mixedArticles returns n articles with repeats, aliases and edits.
func mixedArticles(n int) []Article {
	rng := rand.New(rand.NewPCG(3, 4))
	var arts []Article
	for i := range n {
		switch r := rng.IntN(10); {
		case r < 5 || len(arts) == 0:
			arts = append(arts, testArticle(rng, i))
		case r < 7: // repeat
			arts = append(arts, arts[rng.IntN(len(arts))])
		case r < 8: // alias
			x := arts[rng.IntN(len(arts))]
			x.URL = strings.Replace(x.URL, "/c/", "/mirror/", 1)
			arts = append(arts, x)
		default: // edit
			x := arts[rng.IntN(len(arts))]
			x.Body += genText(rng, 20)
			x.Published = x.Published.Add(time.Duration(rng.IntN(3)) * time.Hour)
			arts = append(arts, x)
		}
	}
	return arts
}

func TestPutBatchEqualsPut(t *testing.T) {
	ctx := context.Background()
	arts := mixedArticles(300)
	seq, batch := openTestArchive(t), openTestArchive(t)
	var want []Outcome
	for _, art := range arts {
		want = append(want, mustPut(t, seq, art))
	}
	var got []Outcome
	for chunk := range slices.Chunk(arts, 64) {
		outs, err := batch.PutBatch(ctx, chunk)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, outs...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("PutBatch outcomes differ from Put:\n got %v\nwant %v", got, want)
	}
	count := map[Outcome]int{}
	for _, o := range want {
		count[o]++
	}
	for _, o := range []Outcome{Added, Versioned, Aliased, Unchanged} {
		if count[o] == 0 {
			t.Errorf("test data has no %v outcome", o)
		}
	}
	var a, b bytes.Buffer
	if _, err := seq.WriteJSONL(ctx, &a, Filter{}, JSONLOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := batch.WriteJSONL(ctx, &b, Filter{}, JSONLOptions{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("exports differ between Put and PutBatch")
	}
	// A second run that finds each URL as it was last seen changes nothing.
	last := map[string]int{}
	for i, art := range arts {
		last[art.URL] = i
	}
	var again []Article
	for i, art := range arts {
		if last[art.URL] == i {
			again = append(again, art)
		}
	}
	outs, err := batch.PutBatch(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outs {
		if o != Unchanged {
			t.Fatalf("second PutBatch: article %d %v", i, o)
		}
	}
}

func TestRerunWritesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "archive.db")
	rng := rand.New(rand.NewPCG(5, 6))
	var arts []Article
	for i := range 50 {
		arts = append(arts, testArticle(rng, i))
	}
	mirror := arts[3]
	mirror.URL = "http://www.hnredstar.gov.cn/mirror/3.html"
	arts = append(arts, mirror)

	run := func(batch bool) []Outcome {
		a, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if batch {
			outs, err := a.PutBatch(ctx, arts)
			if err != nil {
				t.Fatal(err)
			}
			return outs
		}
		var outs []Outcome
		for _, art := range arts {
			art.FetchedAt = art.FetchedAt.Add(time.Hour) // a later fetch
			outs = append(outs, mustPut(t, a, art))
		}
		return outs
	}
	run(true)
	before := fileSum(t, path)
	for _, batch := range []bool{false, true} {
		for i, o := range run(batch) {
			if o != Unchanged {
				t.Errorf("rerun (batch %v): article %d %v", batch, i, o)
			}
		}
		if fileSum(t, path) != before {
			t.Errorf("rerun (batch %v) changed the file", batch)
		}
	}
	a, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	verifyAndClose(t, a)
}

func TestContentHash(t *testing.T) {
	same := [][2]string{
		{"标题", "正文 第一段"},
		{" 标题 ", "正文\u3000第一段"},
		{"\t标题\n", "正文\u00a0\u00a0第一段\r\n"},
		{"标题", " 正文 \n\n 第一段 "},
	}
	want := ContentHash(same[0][0], same[0][1])
	if !strings.HasPrefix(want, "sha256:") || len(want) != len("sha256:")+64 {
		t.Fatalf("ContentHash = %q", want)
	}
	for _, s := range same {
		if got := ContentHash(s[0], s[1]); got != want {
			t.Errorf("ContentHash(%q, %q) = %s, want %s", s[0], s[1], got, want)
		}
	}
	differ := [][2]string{
		{"标题", "正文第一段"},
		{"标题 正文", "第一段"},
		{"", "标题 正文 第一段"},
	}
	for _, s := range differ {
		if got := ContentHash(s[0], s[1]); got == want {
			t.Errorf("ContentHash(%q, %q) equals the reference", s[0], s[1])
		}
	}
	// The hash is over exactly title, "\n", body once normalised.
	sum := sha256.Sum256([]byte("a b\nc"))
	if got, want := ContentHash(" a\u3000 b ", "\nc\n"), "sha256:"+hex.EncodeToString(sum[:]); got != want {
		t.Errorf("ContentHash = %s, want %s", got, want)
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{Added: "added", Versioned: "versioned", Aliased: "aliased", Unchanged: "unchanged", 0: "Outcome(0)"} {
		if o.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(o), o.String(), want)
		}
	}
}

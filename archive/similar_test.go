package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The paragraphs of a news item, and copies of it as other pages and
// extractors yield them.
var (
	newsTitle = "娄底市：外派竞学为干部提能发展提质"
	newsParas = []string{
		"近日，娄底市委组织部选派32名年轻干部赴长沙、株洲等地跟班学习，为期三个月。",
		"此次外派竞学聚焦产业发展、招商引资、城市建设等重点领域，采取“一对一”结对方式，让干部在实践中增长才干。",
		"据介绍，自2021年以来，全市已累计选派干部586人次，推动落地项目43个。",
		"下一步，娄底市将持续完善干部培养机制，为高质量发展提供坚强组织保障。",
	}
	newsDay = time.Date(2024, 1, 29, 0, 0, 0, 0, testZone)
)

// news returns the news item at url: the full extraction, with its
// source and the minute it was published.
func news(url string) Article {
	art := simple(url, newsTitle, strings.Join(newsParas, "\n"))
	art.Source = "娄底日报"
	art.Published = newsDay.Add(15*time.Hour + 20*time.Minute)
	return art
}

// noisyNews returns the news item at url as a worse extractor reads it:
// the second paragraph missing, white space and punctuation changed, no
// source, and only the day of publication.
func noisyNews(url string) Article {
	art := simple(url, "娄底市: 外派竞学为干部提能发展提质 ", "")
	var b strings.Builder
	for i, p := range newsParas {
		if i == 1 {
			continue
		}
		p = strings.NewReplacer("，", ", ", "。", ".", "、", ",").Replace(p)
		fmt.Fprintf(&b, "\u3000\u3000%s\n\n", p)
	}
	art.Body = b.String()
	art.Published = newsDay
	return art
}

// correctedNews returns the news item re-posted at url with a figure
// corrected and a note saying so.
func correctedNews(url string) Article {
	art := news(url)
	art.Body = strings.Replace(art.Body, "586人次", "568人次", 1) + "\n（更正：原稿中累计选派人次有误，现已更正。）"
	return art
}

// noisyRepost is the corrected re-post without its first paragraph and
// without a date.
func noisyRepost(url string) Article {
	art := correctedNews(url)
	_, art.Body, _ = strings.Cut(art.Body, "\n")
	art.Published = time.Time{}
	return art
}

// dated returns art published at t.
func dated(art Article, t time.Time) Article { art.Published = t; return art }

func recordsOf(t *testing.T, a *Archive, f Filter) []Record {
	t.Helper()
	var recs []Record
	if err := a.ForEach(context.Background(), f, func(r Record) error {
		r.Aliases = slices.Clone(r.Aliases)
		recs = append(recs, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestRelate(t *testing.T) {
	full := news("http://example.com/1.html").Body
	tests := []struct {
		name       string
		old, cur   string
		want       relation
		wantFuller bool
	}{
		{"identical", full, full, sameArticle, false},
		{"noise: paragraph missing, punctuation", full, noisyNews("http://example.com/2.html").Body, sameArticle, false},
		{"noise, fuller copy second", noisyNews("http://example.com/2.html").Body, full, sameArticle, true},
		{"paragraphs merged", full, strings.ReplaceAll(full, "\n", ""), sameArticle, false},
		{"full-width digits", full, strings.ReplaceAll(full, "32", "３２"), sameArticle, false},
		{"figure corrected, note appended", full, correctedNews("http://example.com/3.html").Body, nearDuplicate, false},
		{"figure corrected only", full, strings.Replace(full, "43个", "45个", 1), nearDuplicate, false},
		{"half rewritten", full, newsParas[0] + "\n" + newsParas[1] + "\n今年以来，全市各级组织部门围绕中心工作开展了一系列专项行动。\n各地反响热烈。", nearDuplicate, false},
		{"another article", full, "省委常委会召开会议，传达学习全国组织工作会议精神，研究部署全省组织工作重点任务。", unrelated, false},
		{"too short to compare", "会议召开。", "会议召开。", unrelated, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rel, fuller := relate(foldBody(tt.old), foldBody(tt.cur))
			if rel != tt.want || fuller != tt.wantFuller {
				t.Errorf("relate = %d, fuller %v; want %d, %v", rel, fuller, tt.want, tt.wantFuller)
			}
		})
	}
}

func TestFoldTitle(t *testing.T) {
	for _, tt := range [][2]string{
		{"娄底市：外派竞学 ＡＢＣ２０２４", " 娄底市:外派竞学abc 2024 "},
		{"《条例》①解读　", "“条例”1解读"},
		{"ﬁle", "FILE"},
	} {
		if a, b := foldTitle(tt[0]), foldTitle(tt[1]); a != b {
			t.Errorf("folded titles differ: %q → %q, %q → %q", tt[0], a, tt[1], b)
		}
	}
	if got := foldTitle("工作动态（一）"); got != "工作动态一" {
		t.Errorf("foldTitle = %q", got)
	}
}

// TestPutNoisyCopy stores the same article extracted two ways under two
// URLs, in both orders: one record with an alias, holding the fuller
// extraction, and the earlier reading kept as a version.
func TestPutNoisyCopy(t *testing.T) {
	const u1, u2 = "http://www.hnredstar.gov.cn/c/2024/01/29/1.html", "http://www.hnredstar.gov.cn/col/yw/202401/t20240129_1.html"
	t.Run("fuller first", func(t *testing.T) {
		a := openTestArchive(t)
		if out := mustPut(t, a, news(u1)); out != Added {
			t.Fatalf("first copy: %v", out)
		}
		if out := mustPut(t, a, noisyNews(u2)); out != Aliased {
			t.Fatalf("noisy copy: %v, want aliased", out)
		}
		recs := recordsOf(t, a, Filter{})
		if len(recs) != 1 {
			t.Fatalf("%d records, want 1", len(recs))
		}
		r, want := recs[0], news(u1)
		if r.URL != u1 || !slices.Equal(r.Aliases, []string{u2}) || r.Version != 1 {
			t.Errorf("record %s aliases %v version %d", r.URL, r.Aliases, r.Version)
		}
		if r.Body != want.Body || r.Source != want.Source || !r.Published.Equal(want.Published) || r.Title != want.Title {
			t.Errorf("record lost the fuller extraction: %+v", r)
		}
		if out := mustPut(t, a, noisyNews(u2)); out != Unchanged {
			t.Errorf("noisy copy again: %v, want unchanged", out)
		}
	})
	t.Run("noisy first", func(t *testing.T) {
		a := openTestArchive(t)
		mustPut(t, a, noisyNews(u1))
		if out := mustPut(t, a, news(u2)); out != Aliased {
			t.Fatalf("fuller copy: %v, want aliased", out)
		}
		vs, err := a.Versions("1")
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 {
			t.Fatalf("%d versions, want the noisy one and the fuller one", len(vs))
		}
		want := news(u2)
		r := vs[1]
		if r.URL != u1 || !slices.Equal(r.Aliases, []string{u2}) {
			t.Errorf("record %s aliases %v", r.URL, r.Aliases)
		}
		if r.Body != want.Body || r.Source != want.Source || !r.Published.Equal(want.Published) || r.Title != want.Title {
			t.Errorf("latest version is not the fuller extraction: %+v", r)
		}
		if old := noisyNews(u1); vs[0].Body != old.Body || vs[0].Source != "" {
			t.Errorf("the first reading was not kept as version 1: %+v", vs[0])
		}
		pages, err := a.RawPages("1", 2)
		if err != nil || len(pages) != 1 || pages[0].URL != u2 {
			t.Errorf("raw pages of the fuller version: %v, %v; want the page at %s", pages, err, u2)
		}
		// Each URL remembers what it showed: re-crawling either changes nothing.
		for _, art := range []Article{noisyNews(u1), news(u2)} {
			if out := mustPut(t, a, art); out != Unchanged {
				t.Errorf("%s again: %v, want unchanged", art.URL, out)
			}
		}
		// A third copy, exact, of the fuller text aliases too.
		if out := mustPut(t, a, news("http://hnredstar.gov.cn/xw/1.html")); out != Aliased {
			t.Errorf("third copy: %v, want aliased", out)
		}
	})
	t.Run("source only in the second", func(t *testing.T) {
		a := openTestArchive(t)
		first := news(u1)
		first.Source = ""
		mustPut(t, a, first)
		if out := mustPut(t, a, news(u2)); out != Aliased {
			t.Fatalf("second copy: %v, want aliased", out)
		}
		r, err := a.Get("1")
		if err != nil {
			t.Fatal(err)
		}
		if r.Source != "娄底日报" || r.Version != 2 || r.Body != first.Body {
			t.Errorf("record: source %q version %d; want the second copy's source in version 2", r.Source, r.Version)
		}
	})
	t.Run("one batch", func(t *testing.T) {
		a := openTestArchive(t)
		outs, err := a.PutBatch(context.Background(), []Article{news(u1), noisyNews(u2)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(outs, []Outcome{Added, Aliased}) {
			t.Errorf("outcomes %v", outs)
		}
	})
	t.Run("undated copy", func(t *testing.T) {
		a := openTestArchive(t)
		mustPut(t, a, news(u1))
		if out := mustPut(t, a, dated(noisyNews(u2), time.Time{})); out != Aliased {
			t.Errorf("undated copy: %v, want aliased", out)
		}
	})
	t.Run("copy a day later", func(t *testing.T) {
		a := openTestArchive(t)
		mustPut(t, a, news(u1))
		if out := mustPut(t, a, dated(noisyNews(u2), newsDay.AddDate(0, 0, 1))); out != Added {
			t.Errorf("copy dated the next day: %v, want added", out)
		}
	})
}

// TestNearDuplicates stores a corrected re-post, recurring titles and a
// correction at the same URL, then exports, counts and verifies them.
func TestNearDuplicates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const (
		orig  = "http://www.hnredstar.gov.cn/c/2024/01/29/1.html"
		again = "http://www.hnredstar.gov.cn/c/2024/01/29/2.html"
	)
	work := func(url string, day int, body string) Article {
		art := simple(url, "工作动态", body)
		art.Published = newsDay.AddDate(0, 0, day).Add(9 * time.Hour)
		return art
	}
	steps := []struct {
		name  string
		art   Article
		want  Outcome
		dupOf string
	}{
		{"original", news(orig), Added, ""},
		{"corrected re-post", correctedNews(again), Added, "0000000001"},
		{"noisy copy of the original", dated(noisyNews("http://example.com/3.html"), time.Time{}), Aliased, ""},
		{"noisy copy of the re-post", noisyRepost("http://example.com/4.html"), Aliased, ""},
		{"工作动态 one day", work("http://example.com/w1.html", 0, "省委组织部召开部务会议，传达学习中央有关会议精神，研究部署近期重点工作任务。"), Added, ""},
		{"工作动态 next day, much the same", work("http://example.com/w2.html", 1, "省委组织部召开部务会议，传达学习全省组织部长会议精神，研究部署近期重点工作任务。"), Added, ""},
		{"工作动态 same day, other work", work("http://example.com/w3.html", 0, "全省组织系统干部教育培训工作推进会在长沙召开，总结去年工作，安排今年任务。"), Added, ""},
		{"corrected at the same URL", dated(correctedNews(orig), news(orig).Published), Versioned, ""},
	}
	for _, st := range steps {
		out, err := a.Put(ctx, st.art)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if out != st.want {
			t.Errorf("%s: %v, want %v", st.name, out, st.want)
		}
		if st.want != Added {
			continue
		}
		r, err := a.Lookup(st.art.URL)
		if err != nil {
			t.Fatal(err)
		}
		if r.DuplicateOf != st.dupOf {
			t.Errorf("%s: duplicate_of %q, want %q", st.name, r.DuplicateOf, st.dupOf)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	a, err = Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer verifyAndClose(t, a)
	var all, distinct bytes.Buffer
	if n, err := a.WriteJSONL(ctx, &all, Filter{}, JSONLOptions{}); err != nil || n != 5 {
		t.Fatalf("export: %d records, %v; want 5", n, err)
	}
	if n, err := a.WriteJSONL(ctx, &distinct, Filter{Distinct: true}, JSONLOptions{}); err != nil || n != 4 {
		t.Fatalf("export distinct: %d records, %v; want 4", n, err)
	}
	for line := range strings.Lines(all.String()) {
		var r Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if (r.URL == again) != (r.DuplicateOf == "0000000001") {
			t.Errorf("exported %s with duplicate_of %q", r.URL, r.DuplicateOf)
		}
		if r.DuplicateOf == "" && strings.Contains(line, "duplicate_of") {
			t.Errorf("empty duplicate_of written: %s", line)
		}
		if r.URL == again && !slices.Equal(r.Aliases, []string{"http://example.com/4.html"}) {
			t.Errorf("re-post aliases %v", r.Aliases)
		}
	}
	if strings.Contains(distinct.String(), again) {
		t.Error("export --distinct kept the re-post")
	}
	st, err := a.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.NearDuplicates != 1 || st.Articles != 5 || st.Aliases != 2 {
		t.Errorf("stats %+v; want 5 articles, 1 near-duplicate, 2 aliases", st)
	}
	line := (&Record{ID: "2", DuplicateOf: "0000000001"}).AppendJSON(nil, []string{"id", "duplicate_of"})
	if string(line) != `{"id":"2","duplicate_of":"0000000001"}` {
		t.Errorf("fields id,duplicate_of: %s", line)
	}
}

// TestTitleIndexFollowsVersions changes a record's title and day by a new
// version and by re-extraction; Verify (at cleanup) checks the index, and
// lookups find the record under its new key only.
func TestTitleIndexFollowsVersions(t *testing.T) {
	a := openTestArchive(t)
	const u = "http://example.com/1.html"
	mustPut(t, a, news(u))
	renamed := news(u)
	renamed.Title = "娄底外派竞学"
	renamed.Published = newsDay.AddDate(0, 0, 2)
	if out := mustPut(t, a, renamed); out != Versioned {
		t.Fatalf("renamed: %v", out)
	}
	if out := mustPut(t, a, noisyNews("http://example.com/2.html")); out != Added {
		t.Errorf("copy under the old title: %v, want added", out)
	}
	if _, _, err := a.Reextract(context.Background(), "1", 2, Article{Title: newsTitle, Body: renamed.Body, Published: newsDay.AddDate(0, 0, 3)}); err != nil {
		t.Fatal(err)
	}
	if out := mustPut(t, a, dated(noisyNews("http://example.com/3.html"), newsDay.AddDate(0, 0, 3))); out != Aliased {
		t.Errorf("copy under the re-extracted title and day: %v, want aliased", out)
	}
}

// downgradeTo2 turns the archive at path into a schema 2 archive, as
// written before the title index.
func downgradeTo2(t *testing.T, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range schema3Buckets {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(metaSchema, []byte("2"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMigrateFromSchema2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, a, news("http://example.com/1.html"))
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 120 { // enough for a zstd dictionary
		mustPut(t, a, testArticle(rng, i))
	}
	a.Close()
	downgradeTo2(t, path)

	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of schema 2: %v", err)
	}
	if probs, err := ro.Verify(ctx); err != nil || len(probs) > 0 {
		t.Errorf("verify schema 2: %v %v", probs, err)
	}
	if got := recordsOf(t, ro, Filter{Distinct: true}); len(got) != 121 {
		t.Errorf("schema 2 export: %d records", len(got))
	}
	ro.Close()

	a, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer verifyAndClose(t, a)
	if out := mustPut(t, a, noisyNews("http://example.com/2.html")); out != Aliased {
		t.Errorf("noisy copy of a record stored before the upgrade: %v, want aliased", out)
	}
	if out := mustPut(t, a, correctedNews("http://example.com/3.html")); out != Added {
		t.Errorf("corrected re-post: %v, want added", out)
	}
	if r, err := a.Lookup("http://example.com/3.html"); err != nil || r.DuplicateOf != "0000000001" {
		t.Errorf("re-post: duplicate_of %q, %v", r.DuplicateOf, err)
	}
}

// TestVerifyTitleIndex breaks the title index and duplicate_of, and
// expects Verify to name each break.
func TestVerifyTitleIndex(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(tx *bolt.Tx) error
		bucket string
	}{
		{"intact", func(tx *bolt.Tx) error { return nil }, ""},
		{"entry deleted", func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketByTitle).Cursor()
			k, _ := c.First()
			return c.Bucket().Delete(k)
		}, "bytitle"},
		{"entry for no record", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketByTitle).Put(titleKey("x", time.Time{}, 9), nil)
		}, "bytitle"},
		{"entry under another day", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketByTitle).Put(titleKey(newsTitle, newsDay.AddDate(0, 0, 5), 1), nil)
		}, "bytitle"},
		{"duplicate of a missing record", func(tx *bolt.Tx) error {
			arts := tx.Bucket(bucketArticles)
			h, err := getHeader(arts, 2)
			if err != nil {
				return err
			}
			if err := arts.Delete(idKey(1)); err != nil {
				return err
			}
			h.DupOf = 1
			return arts.Put(idKey(2), h.append(nil))
		}, "articles"},
		{"duplicate of a later record", func(tx *bolt.Tx) error {
			arts := tx.Bucket(bucketArticles)
			h, err := getHeader(arts, 1)
			if err != nil {
				return err
			}
			h.DupOf = 2
			return arts.Put(idKey(1), h.append(nil))
		}, "articles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Open(filepath.Join(t.TempDir(), "archive.db"), Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			mustPut(t, a, news("http://example.com/1.html"))
			if out := mustPut(t, a, correctedNews("http://example.com/2.html")); out != Added {
				t.Fatalf("re-post: %v", out)
			}
			if err := a.db.Update(tt.break_); err != nil {
				t.Fatal(err)
			}
			probs, err := a.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tt.bucket == "" {
				for _, p := range probs {
					t.Errorf("intact archive: %s", p)
				}
				return
			}
			found := false
			for _, p := range probs {
				t.Logf("%s", p)
				found = found || strings.HasPrefix(p.String(), tt.bucket+" ")
			}
			if !found {
				t.Errorf("no problem in bucket %q among %d", tt.bucket, len(probs))
			}
		})
	}
}

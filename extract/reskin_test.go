package extract

import (
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hnredstar/crawler/internal/reskin"
	"github.com/hnredstar/crawler/simsite"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// reskinBase is an unchanged article page of the simulated site and its truth.
type reskinBase struct {
	template, url string
	page          []byte
	truth         reskin.Truth
}

// reskinBases renders, for every article template of the simulated site,
// three one-page articles (the first, middle and last of that
// template), through the site's handler without a listener.
func reskinBases(tb testing.TB) []reskinBase {
	tb.Helper()
	const base = "http://127.0.0.1"
	site := simsite.New(simsite.Options{Seed: 1, Articles: 400, SlowDelay: -1})
	byTemplate := map[string][]simsite.Article{}
	var templates []string
	for _, a := range site.Truth(base) {
		if len(a.URLs) != 1 || len(a.PageURLs[0]) != 1 {
			continue
		}
		k := a.Templates[0]
		if byTemplate[k] == nil {
			templates = append(templates, k)
		}
		byTemplate[k] = append(byTemplate[k], a)
	}
	sort.Strings(templates)
	if len(templates) != 8 {
		tb.Fatalf("simulated site has %d article templates with one-page articles (%v), want 8", len(templates), templates)
	}
	var out []reskinBase
	for _, k := range templates {
		arts := byTemplate[k]
		for _, i := range []int{0, len(arts) / 2, len(arts) - 1} {
			a := arts[i]
			rec := httptest.NewRecorder()
			site.Handler().ServeHTTP(rec, httptest.NewRequest("GET", a.URLs[0], nil))
			if rec.Code != 200 {
				rec = httptest.NewRecorder()
				site.Handler().ServeHTTP(rec, httptest.NewRequest("GET", a.URLs[0], nil))
			}
			if rec.Code != 200 {
				tb.Fatalf("%s: status %d", a.URLs[0], rec.Code)
			}
			page := rec.Body.Bytes()
			if a.Encoding == "gbk" {
				// Served as GBK; rewritten and read as UTF-8 (the header says so).
				var err error
				if page, err = simplifiedchinese.GB18030.NewDecoder().Bytes(page); err != nil {
					tb.Fatalf("%s: decode GBK: %v", a.URLs[0], err)
				}
			}
			out = append(out, reskinBase{template: k, url: a.URLs[0], page: page,
				truth: reskin.Truth{Title: a.Title, Source: a.Source, Published: a.Published, Body: a.Body}})
		}
	}
	return out
}

// reskinFields extracts the four fields the re-skinning suite checks.
func reskinFields(tb testing.TB, e *Extractor, page []byte, url string) [4]string {
	p, err := Parse(page, "text/html; charset=utf-8", url)
	if err != nil {
		tb.Fatalf("%s: %v", url, err)
	}
	a, _ := e.Article(p)
	return [4]string{a.Title, a.Source, a.Published.Format(time.DateTime), a.Body}
}

func truthFields(t reskin.Truth) [4]string {
	return [4]string{t.Title, t.Source, t.Published.In(defaultLocation()).Format(time.DateTime), t.Body}
}

var reskinFieldNames = [4]string{"title", "source", "published", "body"}

// reskinTally counts, over variants, the fields equal to the truth and the
// variants whose fields all equal what the unchanged page gives.
type reskinTally struct {
	mu        sync.Mutex
	variants  int
	right     [4]int
	allRight  int
	identical int
	failedBy  map[reskin.Op]int // single-op variants that failed, by op
	byField   map[string]int    // failed fields by template and field
	shown     int
	show      int // failures to keep for the log
	failures  []string
}

func (ty *reskinTally) add(b reskinBase, ops reskin.Op, seed uint64, baseGot, got [4]string, truth reskin.Truth) {
	want := truthFields(truth)
	baseWant := truthFields(b.truth)
	ty.mu.Lock()
	defer ty.mu.Unlock()
	ty.variants++
	all, same := true, true
	for i := range got {
		if got[i] == want[i] {
			ty.right[i]++
		} else {
			all = false
			if ty.byField != nil {
				ty.byField[b.template+" "+reskinFieldNames[i]]++
			}
			if ty.shown < ty.show {
				ty.shown++
				ty.failures = append(ty.failures, fmt.Sprintf("%s %s ops=%s seed=%d %s:\n  got  %q\n  want %q",
					b.template, b.url, ops, seed, reskinFieldNames[i], prefix(got[i], 160), prefix(want[i], 160)))
			}
		}
		ref := baseGot[i]
		if want[i] != baseWant[i] {
			ref = want[i] // the variant changed what the reader sees
		}
		if got[i] != ref {
			same = false
		}
	}
	if all {
		ty.allRight++
	} else if ty.failedBy != nil && ops&(ops-1) == 0 {
		ty.failedBy[ops]++
	}
	if same {
		ty.identical++
	}
}

// runReskin checks one variant: base rewritten by ops with seed.
func runReskin(tb testing.TB, e *Extractor, b reskinBase, baseGot [4]string, ops reskin.Op, seed uint64, ty *reskinTally) {
	page, truth, err := reskin.Mutate(b.page, b.truth, ops, seed)
	if err != nil {
		tb.Fatalf("%s ops=%s seed=%d: %v", b.url, ops, seed, err)
	}
	ty.add(b, ops, seed, baseGot, reskinFields(tb, e, page, b.url), truth)
}

// TestReskin is the re-skinning suite: every article template of the
// simulated site, rewritten by each transformation of internal/reskin alone
// (with several seeds) and by random combinations, must give the same
// title, source, publication time and body as its truth. RESKIN_VARIANTS
// sets the number of variants per page (default 100).
func TestReskin(t *testing.T) {
	bases := reskinBases(t)
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	perPage := 100
	if n, err := strconv.Atoi(os.Getenv("RESKIN_VARIANTS")); err == nil && n > 0 {
		perPage = n
	}
	singles := 6 // seeds per single transformation
	ty := &reskinTally{failedBy: map[reskin.Op]int{}, byField: map[string]int{}, show: 12}
	if n, err := strconv.Atoi(os.Getenv("RESKIN_SHOW")); err == nil {
		ty.show = n
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for bi, b := range bases {
		baseGot := reskinFields(t, e, b.page, b.url)
		if baseGot != truthFields(b.truth) {
			t.Errorf("%s %s: the unchanged page already differs from its truth: %q", b.template, b.url, prefix(fmt.Sprint(baseGot), 300))
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := rand.New(rand.NewPCG(uint64(bi), 7))
			n := 0
			for _, op := range reskin.Ops {
				for s := range singles {
					if n == perPage {
						return
					}
					runReskin(t, e, b, baseGot, op, uint64(s), ty)
					n++
				}
			}
			for ; n < perPage; n++ {
				ops := reskin.Op(r.Uint32()) & reskin.All
				runReskin(t, e, b, baseGot, ops, r.Uint64(), ty)
			}
		}()
	}
	wg.Wait()
	for _, f := range ty.failures {
		t.Log(f)
	}
	for i, name := range reskinFieldNames {
		t.Logf("%-9s %5d/%d  %.4f", name, ty.right[i], ty.variants, float64(ty.right[i])/float64(ty.variants))
	}
	t.Logf("all four right on %d/%d variants (%.4f); identical to the unchanged page on %d (%.4f)",
		ty.allRight, ty.variants, float64(ty.allRight)/float64(ty.variants), ty.identical, float64(ty.identical)/float64(ty.variants))
	var failed []string
	for _, op := range reskin.Ops {
		if n := ty.failedBy[op]; n > 0 {
			failed = append(failed, fmt.Sprintf("%s %d", op, n))
		}
	}
	if len(failed) > 0 {
		t.Logf("single-transformation variants failing, by transformation: %s", strings.Join(failed, ", "))
	}
	var keys []string
	for k := range ty.byField {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("wrong %s: %d", k, ty.byField[k])
	}
	if ty.allRight != ty.variants {
		t.Errorf("%d of %d re-skinned variants extract differently from their truth", ty.variants-ty.allRight, ty.variants)
	}
}

// FuzzReskin runs the re-skinning property on variants drawn by the fuzzer:
// (page, transformations, seed).
func FuzzReskin(f *testing.F) {
	bases := reskinBases(f)
	e, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	baseGot := make([][4]string, len(bases))
	for i, b := range bases {
		baseGot[i] = reskinFields(f, e, b.page, b.url)
	}
	f.Add(uint8(0), uint16(reskin.All), uint64(1))
	f.Add(uint8(5), uint16(reskin.Labels|reskin.MetaLine), uint64(2))
	f.Add(uint8(20), uint16(reskin.Paragraphs|reskin.Names), uint64(3))
	f.Fuzz(func(t *testing.T, base uint8, ops uint16, seed uint64) {
		b := bases[int(base)%len(bases)]
		ty := &reskinTally{show: 4}
		runReskin(t, e, b, baseGot[int(base)%len(bases)], reskin.Op(ops)&reskin.All, seed, ty)
		if ty.allRight != 1 {
			t.Error(strings.Join(ty.failures, "\n"))
		}
	})
}

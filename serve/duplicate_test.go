package serve

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
)

// TestDuplicateLink serves an article and its corrected re-post: the
// re-post's page links the earlier record, the earlier one links nothing.
func TestDuplicateLink(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	a, err := archive.Open(path, archive.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 29, 15, 20, 0, 0, beijing)
	body := "近日，娄底市委组织部选派32名年轻干部赴长沙跟班学习。\n据介绍，全市已累计选派干部586人次，推动落地项目43个。"
	for _, art := range []archive.Article{
		{URL: "https://www.hnredstar.gov.cn/c/2024/01/29/1.html", Title: "娄底市：外派竞学", Body: body, Published: at},
		{URL: "https://www.hnredstar.gov.cn/c/2024/01/29/2.html", Title: "娄底市：外派竞学", Body: strings.Replace(body, "586", "568", 1) + "\n（更正：人次有误，现已更正。）", Published: at},
	} {
		if out, err := a.Put(context.Background(), art); err != nil || out != archive.Added {
			t.Fatalf("put %s: %v, %v", art.URL, out, err)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	_, ts := newTestServer(t, path, Options{})
	if code, _, page := get(t, ts, "/article/0000000002"); code != 200 || !strings.Contains(page, `<a href="/article/0000000001">`) {
		t.Errorf("re-post page (%d) does not link the earlier record:\n%s", code, page)
	}
	if _, _, page := get(t, ts, "/article/0000000001"); strings.Contains(page, `id="duplicate-of"`) {
		t.Error("the earlier record's page says it repeats another")
	}
}

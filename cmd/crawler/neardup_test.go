package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hnredstar/crawler/archive"
)

// TestNearDuplicateCommands stores an article, a copy of it read with a
// paragraph and the source missing, and a corrected re-post, then runs
// export, export --distinct, stats and verify on the archive.
func TestNearDuplicateCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "archive.db")
	a, err := archive.Open(db, archive.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 29, 15, 20, 0, 0, beijing)
	paras := []string{
		"近日，娄底市委组织部选派32名年轻干部赴长沙、株洲等地跟班学习，为期三个月。",
		"此次外派竞学聚焦产业发展、招商引资、城市建设等重点领域，让干部在实践中增长才干。",
		"据介绍，自2021年以来，全市已累计选派干部586人次，推动落地项目43个。",
	}
	body := strings.Join(paras, "\n")
	const (
		orig   = "https://www.hnredstar.gov.cn/c/2024/01/29/1.html"
		mirror = "https://www.hnredstar.gov.cn/col/ganbu/t20240129_1.html"
		repost = "https://www.hnredstar.gov.cn/c/2024/01/29/2.html"
	)
	for _, tt := range []struct {
		art  archive.Article
		want archive.Outcome
	}{
		{archive.Article{URL: orig, Title: "娄底市：外派竞学", Source: "娄底日报", Body: body, Published: at}, archive.Added},
		{archive.Article{URL: mirror, Title: "娄底市: 外派竞学", Body: paras[0] + "\n\n" + paras[2], Published: at}, archive.Aliased},
		{archive.Article{URL: repost, Title: "娄底市：外派竞学", Body: strings.Replace(body, "586", "568", 1) + "\n（更正：累计选派人次有误，现已更正。）", Published: at}, archive.Added},
	} {
		out, err := a.Put(context.Background(), tt.art)
		if err != nil {
			t.Fatal(err)
		}
		if out != tt.want {
			t.Fatalf("%s: %v, want %v", tt.art.URL, out, tt.want)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	args := func(cmd ...string) []string { return append(cmd, "--config", "../../config.yaml", "--archive", db) }

	code, out, errOut := cli(t, args("export", "--fields", "url,aliases,duplicate_of")...)
	if code != exitOK {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	recs, _ := jsonLines(t, out)
	if len(recs) != 2 {
		t.Fatalf("export: %d records, want the article and its re-post:\n%s", len(recs), out)
	}
	for _, r := range recs {
		want := ""
		if r["url"] == repost {
			want = "0000000001"
		}
		if r["duplicate_of"] != want {
			t.Errorf("%s: duplicate_of %q, want %q", r["url"], r["duplicate_of"], want)
		}
	}
	code, out, errOut = cli(t, args("export", "--distinct")...)
	if code != exitOK {
		t.Fatalf("export --distinct: exit %d: %s", code, errOut)
	}
	if recs, _ := jsonLines(t, out); len(recs) != 1 || recs[0]["url"] != orig || recs[0]["source"] != "娄底日报" {
		t.Errorf("export --distinct: %v, want only %s with its source", recs, orig)
	}
	code, out, errOut = cli(t, args("stats")...)
	if code != exitOK {
		t.Fatalf("stats: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"articles:    2\n", "aliases:     1 ", "near-dups:   1 "} {
		if !strings.Contains(out, want) {
			t.Errorf("stats lacks %q:\n%s", want, out)
		}
	}
	if code, out, errOut := cli(t, args("verify")...); code != exitOK {
		t.Errorf("verify: exit %d: %s%s", code, out, errOut)
	}
}

package archive

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestPageFiles(t *testing.T) {
	a := openTestArchive(t)
	const topic = "https://www.hxw.gov.cn/topic/118/index.html"
	xlsx := "https://img.hxw.gov.cn/2024/01-29/5f0c.xlsx"
	pdf := "https://img.hxw.gov.cn/2024/01-29/notice.pdf"

	if got, err := a.PageFiles(topic); err != nil || got != nil {
		t.Fatalf("PageFiles before any write: %v, %v", got, err)
	}
	steps := []struct {
		name       string
		page       string
		add        []string
		wantAdded  []string
		wantListed []string
	}{
		{"first visit", topic, []string{xlsx, pdf, xlsx}, []string{xlsx, pdf}, []string{xlsx, pdf}},
		{"same files again", topic, []string{pdf, xlsx}, nil, []string{xlsx, pdf}},
		{"a file moved off the page, another came", topic, []string{"https://img.hxw.gov.cn/2024/02-01/b.docx"},
			[]string{"https://img.hxw.gov.cn/2024/02-01/b.docx"}, []string{xlsx, pdf, "https://img.hxw.gov.cn/2024/02-01/b.docx"}},
		{"URL spelled otherwise", "HTTPS://www.hxw.gov.cn/topic/118/index.html#files", []string{xlsx + "#top"}, nil, []string{xlsx, pdf, "https://img.hxw.gov.cn/2024/02-01/b.docx"}},
		{"nothing to add", "https://www.hxw.gov.cn/channel/7801.html", nil, nil, nil},
		{"second page", "https://www.hxw.gov.cn/topic/118/index_2.html", []string{pdf}, []string{pdf}, []string{pdf}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			added, err := a.AddPageFiles(s.page, s.add)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(added, s.wantAdded) {
				t.Errorf("added %v, want %v", added, s.wantAdded)
			}
			got, err := a.PageFiles(s.page)
			if err != nil || !slices.Equal(got, s.wantListed) {
				t.Errorf("PageFiles = %v, %v; want %v", got, err, s.wantListed)
			}
		})
	}

	var pages []string
	err := a.ForEachPageFiles(context.Background(), func(p PageFiles) error {
		pages = append(pages, p.Page)
		return nil
	})
	if want := []string{"https://www.hxw.gov.cn/topic/118/", "https://www.hxw.gov.cn/topic/118/index_2.html"}; err != nil || !slices.Equal(pages, want) {
		t.Errorf("ForEachPageFiles: %v, %v; want %v", pages, err, want)
	}

	if err := a.PutFile(File{URL: xlsx, State: FileStored, Status: 200, FetchedAt: time.Now()}, []byte("PK\x03\x04 table")); err != nil {
		t.Fatal(err)
	}
	if err := a.PutFile(File{URL: pdf, State: FileFailed, Status: 500, Err: "HTTP 500", FetchedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	st, err := a.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.FilePages != 2 || st.PageFiles != 3 || st.PageFilesStored != 1 {
		t.Errorf("stats: %d pages, %d files, %d stored; want 2, 3, 1", st.FilePages, st.PageFiles, st.PageFilesStored)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.ForEachPageFiles(ctx, func(PageFiles) error { return nil }); err == nil {
		t.Error("ForEachPageFiles with a cancelled context returned no error")
	}
}

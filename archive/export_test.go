package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestWriteJSONLMatchesForEach checks that the parallel export writes, over
// many batches, exactly the lines ForEach's records encode to, in its
// order, with fields and columns applied, and reports every record to
// Progress.
func TestWriteJSONLMatchesForEach(t *testing.T) {
	ctx := context.Background()
	a := openTestArchive(t)
	var arts []Article
	for i := range 5*forEachBatch + 17 {
		art := simple(fmt.Sprintf("http://example.com/%d.html", i), fmt.Sprint("标题", i), fmt.Sprint("正文\n", i))
		art.Column = []string{"要闻", "通知公告", "基层党建"}[i%3]
		arts = append(arts, art)
	}
	if _, err := a.PutBatch(ctx, arts); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		filter Filter
		fields []string
	}{
		{"all", Filter{}, nil},
		{"fields", Filter{}, []string{"title", "id", "column"}},
		{"columns", Filter{Columns: []string{"通知公告", "基层党建"}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var want []byte
			wantN := 0
			err := a.ForEach(ctx, tt.filter, func(r Record) error {
				want = append(r.AppendJSON(want, tt.fields), '\n')
				wantN++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			progress := 0
			n, err := a.WriteJSONL(ctx, &got, tt.filter, JSONLOptions{Fields: tt.fields, Progress: func(k int) { progress += k }})
			if err != nil || n != wantN || progress != wantN {
				t.Fatalf("WriteJSONL = %d, %v; progress %d; want %d records", n, err, progress, wantN)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("WriteJSONL wrote %d bytes that differ from ForEach's %d", got.Len(), len(want))
			}
		})
	}
}

// failingWriter accepts limit bytes, then fails.
type failingWriter struct {
	bytes.Buffer
	limit int
}

var errDiskFull = errors.New("disk full")

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.Len()+len(p) > w.limit {
		return 0, errDiskFull
	}
	return w.Buffer.Write(p)
}

// TestWriteJSONLWriteError checks that a failing writer stops the export
// with its error, and that what was written is whole lines.
func TestWriteJSONLWriteError(t *testing.T) {
	ctx := context.Background()
	a := openTestArchive(t)
	var arts []Article
	for i := range 4 * forEachBatch {
		arts = append(arts, simple(fmt.Sprintf("http://example.com/%d.html", i), "t", fmt.Sprint(i)))
	}
	if _, err := a.PutBatch(ctx, arts); err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	if _, err := a.WriteJSONL(ctx, &all, Filter{}, JSONLOptions{}); err != nil {
		t.Fatal(err)
	}
	w := &failingWriter{limit: all.Len() / 2}
	n, err := a.WriteJSONL(ctx, w, Filter{}, JSONLOptions{})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("WriteJSONL to a failing writer: %d, %v; want the writer's error", n, err)
	}
	if n >= len(arts) || bytes.Count(w.Bytes(), []byte("\n")) != n || !bytes.HasPrefix(all.Bytes(), w.Bytes()) {
		t.Errorf("after the error: %d records reported, %d lines written, prefix of the full export: %v",
			n, bytes.Count(w.Bytes(), []byte("\n")), bytes.HasPrefix(all.Bytes(), w.Bytes()))
	}
}

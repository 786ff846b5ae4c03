package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hnredstar/crawler/archive"
	"github.com/hnredstar/crawler/simsite"
)

// backfilled starts a simulated site, backfills it into a new archive and
// returns the site, the config and the archive path.
func backfilled(t *testing.T, seed int64, articles int) (*simsite.Server, string, string) {
	t.Helper()
	srv := simsite.NewServer(simsite.Options{Seed: seed, Articles: articles, Columns: 5})
	t.Cleanup(srv.Close)
	cfg := writeSiteConfig(t, srv)
	db := filepath.Join(t.TempDir(), "archive.db")
	if code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "-q"); code != exitOK {
		t.Fatalf("backfill exit %d\n%s\n%s", code, out, errOut)
	}
	return srv, cfg, db
}

// jsonLines decodes JSONL into maps, keeping each line's raw text.
func jsonLines(t *testing.T, s string) ([]map[string]any, []string) {
	t.Helper()
	var recs []map[string]any
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		recs = append(recs, m)
		lines = append(lines, sc.Text())
	}
	return recs, lines
}

func idsOf(recs []map[string]any) []string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i], _ = r["id"].(string)
	}
	return ids
}

func TestExportOptions(t *testing.T) {
	if testing.Short() {
		t.Skip("needs backfills")
	}
	srv, cfg, db := backfilled(t, 31, 25)
	export := func(t *testing.T, args ...string) string {
		t.Helper()
		code, out, errOut := cli(t, append([]string{"export", "--config", cfg, "--archive", db}, args...)...)
		if code != exitOK {
			t.Fatalf("export %v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	full1, lines1 := jsonLines(t, export(t))
	if first := export(t, "--updated-since", "last", "-o", "-"); first != strings.Join(lines1, "\n")+"\n" {
		t.Errorf("first --updated-since last is not the whole export")
	}
	before := time.Now()

	// Changes: new articles, revised ones, then a backfill.
	srv.Publish(3)
	srv.Revise(2)
	if code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "-q"); code != exitOK {
		t.Fatalf("second backfill exit %d\n%s\n%s", code, out, errOut)
	}
	full2, lines2 := jsonLines(t, export(t))
	old := map[string]string{}
	for i, r := range full1 {
		old[r["id"].(string)] = lines1[i]
	}
	var changed []string // ids whose line is new or differs, in export order
	for i, r := range full2 {
		if id := r["id"].(string); old[id] != lines2[i] {
			changed = append(changed, id)
		}
	}
	if len(changed) < 4 {
		t.Fatalf("only %d records changed after publishing 3 and revising 2", len(changed))
	}

	column := full2[0]["column"].(string)
	since, until := full2[len(full2)/4]["published"].(string), full2[3*len(full2)/4]["published"].(string)
	keep := func(pred func(r map[string]any) bool) []string {
		var ids []string
		for _, r := range full2 {
			if pred(r) {
				ids = append(ids, r["id"].(string))
			}
		}
		return ids
	}
	pub := func(r map[string]any) string { s, _ := r["published"].(string); return s }
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"updated since a time", []string{"--updated-since", before.Format(time.RFC3339Nano)}, changed},
		{"updated since last", []string{"--updated-since", "last"}, changed},
		{"updated since last again: nothing", []string{"--updated-since", "last"}, nil},
		{"column", []string{"--column", column}, keep(func(r map[string]any) bool { return r["column"] == column })},
		{"unknown column", []string{"--column", "没有这个栏目"}, nil},
		{"column and publication window", []string{"--column", column, "--since", since, "--until", until},
			keep(func(r map[string]any) bool { return r["column"] == column && pub(r) >= since && pub(r) < until })},
		{"column and updated since", []string{"--column", column, "--updated-since", before.Format(time.RFC3339Nano)},
			keep(func(r map[string]any) bool {
				return r["column"] == column && slices.Contains(changed, r["id"].(string))
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := jsonLines(t, export(t, tt.args...))
			if ids := idsOf(got); !slices.Equal(ids, tt.want) {
				t.Errorf("export %v gave %d records %v, want %d %v", tt.args, len(ids), ids, len(tt.want), tt.want)
			}
		})
	}

	t.Run("fields", func(t *testing.T) {
		out := export(t, "--fields", "title, id,published,author", "-o", "-")
		recs, lines := jsonLines(t, out)
		if len(recs) != len(full2) {
			t.Fatalf("%d records, want %d", len(recs), len(full2))
		}
		for i, r := range recs {
			if len(r) != 4 || !strings.HasPrefix(lines[i], `{"title":`) || r["id"] != full2[i]["id"] || r["title"] != full2[i]["title"] {
				t.Fatalf("line %d: %s", i, lines[i])
			}
		}
		for _, bad := range []string{"titel", "id,id", ""} {
			if code, _, _ := cli(t, "export", "--config", cfg, "--archive", db, "--fields", bad+","); code != exitUsage {
				t.Errorf("--fields %q: exit %d, want %d", bad, code, exitUsage)
			}
		}
	})

	t.Run("gzip file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "out.jsonl.gz")
		export(t, "--column", column, "-o", path)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(zr)
		if got := export(t, "--column", column); string(b) != got {
			t.Errorf("gzipped file differs from stdout export")
		}
	})

	t.Run("loaders", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "out.jsonl")
		export(t, "-o", path)
		checkLoaders(t, path, len(full2))
	})
}

// checkLoaders loads a JSONL file with jq, Python's json module line by
// line and pandas, each where installed, and expects n records.
func checkLoaders(t *testing.T, path string, n int) {
	t.Helper()
	type loader struct {
		name, prog string
		args       []string
		probe      []string // exits 0 if the loader is usable
	}
	loaders := []loader{
		{"jq", "jq", []string{"-s", "length", path}, []string{"--version"}},
		{"python json", "python3", []string{"-c", `import json,sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    assert isinstance(r["id"], str) and isinstance(r["body"], str) and isinstance(r["images"], list)
    n += 1
print(n)`, path}, []string{"-c", "import json"}},
		{"pandas", "python3", []string{"-c", `import pandas, sys
df = pandas.read_json(sys.argv[1], lines=True, dtype={"id": str})
assert df["id"].str.len().eq(10).all()
print(len(df))`, path}, []string{"-c", "import pandas"}},
	}
	for _, l := range loaders {
		t.Run(l.name, func(t *testing.T) {
			// pandas may be installed for the system's Python only.
			prog := ""
			for _, p := range []string{l.prog, "/usr/bin/" + l.prog} {
				if _, err := exec.LookPath(p); err == nil && exec.Command(p, l.probe...).Run() == nil {
					prog = p
					break
				}
			}
			if prog == "" {
				t.Skipf("%s not installed", l.name)
			}
			out, err := exec.Command(prog, l.args...).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", l.name, err, out)
			}
			if got := strings.TrimSpace(string(out)); got != strconv.Itoa(n) {
				t.Errorf("%s loaded %s records, want %d", l.name, got, n)
			}
		})
	}
}

// breakArchive opens the archive file with bbolt directly and damages it.
func breakArchive(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a backfill")
	}
	_, cfg, db := backfilled(t, 32, 20)
	code, out, errOut := cli(t, "verify", "--config", cfg, "--archive", db)
	if code != exitOK || !strings.Contains(out, "no problems found") {
		t.Fatalf("verify of a sound archive: exit %d\n%s%s", code, out, errOut)
	}

	// One broken index entry (a URL pointing at a record that does not
	// exist) and one missing raw page.
	var brokenURL, missingRaw string
	breakArchive(t, db, func(tx *bolt.Tx) error {
		urls := tx.Bucket([]byte("urls"))
		k, v := urls.Cursor().First()
		brokenURL = string(k)
		nv := slices.Clone(v)
		binary.BigEndian.PutUint64(nv, 999999)
		if err := urls.Put(slices.Clone(k), nv); err != nil {
			return err
		}
		raw := tx.Bucket([]byte("raw"))
		rk, _ := raw.Cursor().Last()
		missingRaw = formatRawKey(rk)
		return raw.Delete(slices.Clone(rk))
	})
	code, out, errOut = cli(t, "verify", "--config", cfg, "--archive", db)
	if code != exitError {
		t.Errorf("verify of a broken archive: exit %d, want %d", code, exitError)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !strings.HasSuffix(last, "problems found in "+db) {
		t.Errorf("last line %q does not count the problems", last)
	}
	for _, want := range []string{"urls " + brokenURL + ": points at record 0000999999", "raw " + missingRaw + ": missing"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "has problems") {
		t.Errorf("stderr %q does not say the archive has problems", errOut)
	}
	code, out, _ = cli(t, "verify", "--config", cfg, "--archive", db, "--max", "1")
	if code != exitError || !strings.Contains(out, "… and ") || strings.Count(out, "\n") != 3 {
		t.Errorf("--max 1: exit %d\n%s", code, out)
	}
}

// formatRawKey prints a raw key as Verify names it: "ID vN page P".
func formatRawKey(k []byte) string {
	id := binary.BigEndian.Uint64(k)
	v := binary.BigEndian.Uint32(k[8:])
	p := binary.BigEndian.Uint32(k[12:])
	return fmt.Sprintf("%010d v%d page %d", id, v, p+1)
}

func TestBackupCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a backfill")
	}
	_, cfg, db := backfilled(t, 33, 20)
	dir := t.TempDir()
	copyPath := filepath.Join(dir, "copy.db")
	code, _, errOut := cli(t, "backup", "--config", cfg, "--archive", db, "--verify", copyPath)
	if code != exitOK || !strings.Contains(errOut, "backed up") || !strings.Contains(errOut, "no problems found") {
		t.Fatalf("backup: exit %d: %s", code, errOut)
	}
	if code, out, errOut := cli(t, "verify", "--config", cfg, "--archive", copyPath); code != exitOK {
		t.Errorf("verify of the copy: exit %d\n%s%s", code, out, errOut)
	}
	_, want, _ := cli(t, "export", "--config", cfg, "--archive", db)
	if _, got, _ := cli(t, "export", "--config", cfg, "--archive", copyPath); got != want || want == "" {
		t.Errorf("export of the copy differs from the archive's")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("backup left %d files in its directory, want 1", len(entries))
	}

	// A directory gets a dated file; the archive itself is refused.
	if code, _, errOut := cli(t, "backup", "--config", cfg, "--archive", db, dir+"/"); code != exitOK {
		t.Errorf("backup to a directory: exit %d: %s", code, errOut)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "archive-*.db")); len(m) != 1 {
		t.Errorf("backup to a directory made %v", m)
	}
	if code, _, errOut := cli(t, "backup", "--config", cfg, "--archive", db, db); code != exitUsage {
		t.Errorf("backup over the archive: exit %d, want %d: %s", code, exitUsage, errOut)
	}

	// Held by a writer: busy, or waits for it with --wait.
	w, err := archive.Open(db, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut = cli(t, "backup", "--config", cfg, "--archive", db, "--wait", "100ms", copyPath)
	if code != exitLocked || !strings.Contains(errOut, "locked by another crawler process") || !strings.Contains(errOut, "--wait") {
		t.Errorf("backup of a held archive: exit %d, want %d: %s", code, exitLocked, errOut)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(300 * time.Millisecond)
		w.Close()
		close(released)
	}()
	code, _, errOut = cli(t, "backup", "--config", cfg, "--archive", db, "--wait", "60s", copyPath)
	<-released
	if code != exitOK {
		t.Errorf("backup --wait 60s of an archive released later: exit %d: %s", code, errOut)
	}
	if code, _, _ := cli(t, "stats", "--config", cfg, "--archive", db, "--wait", "-1s"); code != exitUsage {
		t.Errorf("--wait -1s: exit %d, want %d", code, exitUsage)
	}
}

func TestReextractCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a backfill")
	}
	srv, cfg, db := backfilled(t, 34, 25)
	_, before, _ := cli(t, "export", "--config", cfg, "--archive", db)
	requests := srv.Requests()

	// The extractor that made the archive finds nothing to change.
	code, out, errOut := cli(t, "reextract", "--config", cfg, "--archive", db)
	if code != exitOK || !strings.Contains(out, " 0 changed,") {
		t.Fatalf("reextract with the same extractor: exit %d\n%s%s", code, out, errOut)
	}

	// A selector for the source that matches the headline on one
	// template only: those records change in their source and nothing else.
	hinted := filepath.Join(t.TempDir(), "config.yaml")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(hinted, append(b, "extract:\n  source: \"h2\"\n"...), 0o600)
	code, dry, errOut := cli(t, "reextract", "--config", hinted, "--archive", db, "--dry-run")
	if code != exitOK || !strings.Contains(dry, "would change (source ") {
		t.Fatalf("reextract --dry-run: exit %d\n%s%s", code, dry, errOut)
	}
	if _, now, _ := cli(t, "export", "--config", cfg, "--archive", db); now != before {
		t.Fatal("--dry-run changed the archive")
	}
	code, out, errOut = cli(t, "reextract", "--config", hinted, "--archive", db, "--sample", "2")
	if code != exitOK {
		t.Fatalf("reextract: exit %d\n%s%s", code, out, errOut)
	}
	counts := func(s string) string { first, _, _ := strings.Cut(s, ", in "); return first }
	if counts(strings.Replace(out, "changed", "would change", 1)) != counts(dry) {
		t.Errorf("reextract and --dry-run disagree:\n%s\n%s", out, dry)
	}
	if !strings.Contains(out, "sample of the differences (2 of") || !strings.Contains(out, "    source: ") {
		t.Errorf("no sample of the differences:\n%s", out)
	}
	if srv.Requests() != requests {
		t.Errorf("reextract fetched %d pages; it must fetch none", srv.Requests()-requests)
	}

	_, after, _ := cli(t, "export", "--config", cfg, "--archive", db)
	old, oldLines := jsonLines(t, before)
	now, _ := jsonLines(t, after)
	if len(now) != len(old) {
		t.Fatalf("%d records after reextract, %d before", len(now), len(old))
	}
	byID := map[string]map[string]any{}
	for _, r := range old {
		byID[r["id"].(string)] = r
	}
	changed := 0
	for _, r := range now {
		o := byID[r["id"].(string)]
		if r["version"] == o["version"] {
			if !equalJSON(r, o) {
				t.Errorf("record %s changed without a new version", r["id"])
			}
			continue
		}
		changed++
		if r["version"].(float64) != o["version"].(float64)+1 || r["source"] == o["source"] {
			t.Errorf("record %s: version %v → %v, source %q → %q", r["id"], o["version"], r["version"], o["source"], r["source"])
		}
		for _, k := range []string{"title", "body", "published", "column", "images", "attachments", "fetched_at", "url", "aliases"} {
			if !equalJSON(r[k], o[k]) {
				t.Errorf("record %s: %s changed from %v to %v; only source should", r["id"], k, o[k], r[k])
			}
		}
	}
	if changed == 0 || changed == len(oldLines) {
		t.Errorf("%d of %d records changed; want some, not all", changed, len(oldLines))
	}

	// Again: nothing more to change. Then the archive verifies, and the
	// runs are in the history.
	if code, out, _ := cli(t, "reextract", "--config", hinted, "--archive", db); code != exitOK || !strings.Contains(out, " 0 changed,") {
		t.Errorf("second reextract: exit %d\n%s", code, out)
	}
	if code, out, _ := cli(t, "verify", "--config", cfg, "--archive", db); code != exitOK {
		t.Errorf("verify after reextract: exit %d\n%s", code, out)
	}
	code, out, _ = cli(t, "runs", "--config", cfg, "--archive", db, "--json")
	runs, _ := jsonLines(t, out)
	var kinds []string
	for _, r := range runs {
		kinds = append(kinds, r["kind"].(string))
		if _, ok := r["exit"]; !ok {
			t.Errorf("run without exit: %v", r)
		}
	}
	if code != exitOK || !slices.Equal(kinds, []string{"reextract", "reextract", "reextract", "backfill"}) {
		t.Errorf("runs --json: exit %d, kinds %v", code, kinds)
	}
	code, out, _ = cli(t, "runs", "--config", cfg, "--archive", db, "--limit", "2")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != exitOK || len(lines) != 3 || !strings.Contains(lines[0], "status") || !strings.Contains(lines[1], "reextract") {
		t.Errorf("runs --limit 2: exit %d\n%s", code, out)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestRunsOnEmptyHistory(t *testing.T) {
	db := filepath.Join(t.TempDir(), "archive.db")
	a, err := archive.Open(db, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	code, out, _ := cli(t, "runs", "--config", "../../config.yaml", "--archive", db)
	if code != exitOK || !strings.Contains(out, "no runs recorded") {
		t.Errorf("runs on a new archive: exit %d: %q", code, out)
	}
	if code, _, _ := cli(t, "runs", "--config", "../../config.yaml", "--archive", db, "--limit", "-1"); code != exitUsage {
		t.Errorf("runs --limit -1: exit %d", code)
	}
}

// TestWritingCommandsNeverCreateAnArchive: commands that open the archive
// for writing but only make sense on an existing one refuse a missing path
// instead of creating an empty archive there.
func TestWritingCommandsNeverCreateAnArchive(t *testing.T) {
	for _, args := range [][]string{
		{"export", "--updated-since", "last"},
		{"reextract"},
		{"reextract", "--dry-run"},
		{"verify"},
		{"backup", "copy.db"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "missing.db")
			if args[0] == "backup" {
				args[1] = filepath.Join(dir, args[1])
			}
			code, _, errOut := cli(t, append(args, "--config", "../../config.yaml", "--archive", db)...)
			if code != exitError || !strings.Contains(errOut, "does not exist yet") {
				t.Errorf("exit %d, stderr %q", code, errOut)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left %v behind", entries)
			}
		})
	}
}

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hnredstar/crawler/simsite"
)

// runIn runs the crawler as a subprocess in dir and returns its exit
// status, stdout and stderr.
func runIn(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	cmd := crawlerCmd(t, args...)
	if !filepath.IsAbs(cmd.Path) {
		abs, err := filepath.Abs(cmd.Path)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Path = abs
	}
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("crawler %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// testPage is a small article page for extract.
const testPage = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>测试文章 - 红星网</title></head><body>
<h1>测试文章</h1><p>来源：红星网 时间：2024-01-29 15:20</p>
<div class="content"><p>` + "这是一篇用于测试的文章，正文足够长，可以被提取器认出来。这是一篇用于测试的文章，正文足够长，可以被提取器认出来。这是一篇用于测试的文章，正文足够长，可以被提取器认出来。" + `</p>
<p>` + "第二段也有一些文字，说明这是一篇真正的文章，而不是列表页或者首页。第二段也有一些文字，说明这是一篇真正的文章。" + `</p></div></body></html>`

func TestCommandsRunWithoutConfigFile(t *testing.T) {
	dir := t.TempDir() // no config.yaml here
	page := filepath.Join(dir, "page.html")
	if err := os.WriteFile(page, []byte(testPage), 0o600); err != nil {
		t.Fatal(err)
	}
	db := emptyArchive(t, t.TempDir())
	for _, args := range [][]string{
		{"extract", "--url", "https://www.hnredstar.gov.cn/c/2024/01/29/1.html", page},
		{"stats", "--archive", db},
		{"verify", "--archive", db},
	} {
		code, out, errOut := runIn(t, dir, args...)
		if code != exitOK {
			t.Errorf("%v without config.yaml: exit %d, want 0\n%s%s", args, code, out, errOut)
		}
		if strings.Contains(errOut, "no such file") {
			t.Errorf("%v complains about config.yaml: %s", args, errOut)
		}
	}
	// An explicit --config that does not exist stays an error.
	code, _, errOut := runIn(t, dir, "stats", "--archive", db, "--config", "missing.yaml")
	if code != exitUsage || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("missing --config: exit %d, stderr %q", code, errOut)
	}
}

func TestArchivePathIsRelativeToConfigFile(t *testing.T) {
	confDir, workDir := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(confDir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	emptyArchive(t, filepath.Join(confDir, "data"))
	cfg := filepath.Join(confDir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("archive:\n  path: data/archive.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runIn(t, workDir, "stats", "--config", cfg)
	if code != exitOK || !strings.Contains(out, filepath.Join(confDir, "data", "archive.db")) {
		t.Errorf("archive.path not read relative to %s: exit %d\n%s%s", cfg, code, out, errOut)
	}
	// A relative --archive stays relative to the current directory.
	emptyArchive(t, workDir)
	code, out, errOut = runIn(t, workDir, "stats", "--config", cfg, "--archive", "archive.db")
	if code != exitOK || !strings.Contains(out, "archive:     archive.db") {
		t.Errorf("--archive archive.db not read from the current directory: exit %d\n%s%s", code, out, errOut)
	}
}

// jsonOnly checks that every line of a log is a JSON object and returns
// the records.
func jsonOnly(t *testing.T, log string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not a JSON object: %q", line)
			continue
		}
		recs = append(recs, rec)
	}
	return recs
}

func findRecord(recs []map[string]any, msg string) map[string]any {
	for _, r := range recs {
		if r["msg"] == msg {
			return r
		}
	}
	return nil
}

// TestJSONLogIsAllJSON runs the README's cron line (--quiet --log-format
// json, stdout and stderr into one file) on a site where some pages fail:
// the warnings, the run summary and the final error are all JSON.
func TestJSONLogIsAllJSON(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 5, Articles: 30,
		Faults: simsite.Faults{Rate: 0.1, Kinds: []simsite.FaultKind{simsite.Fault500}}})
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`site:
  start_urls: ["%s/"]
  allowed_domains: ["127.0.0.1"]
crawl:
  delay: 0s
  max_retries: 0
  allow_private_networks: true
`, srv.URL)), 0o600)
	db := filepath.Join(t.TempDir(), "archive.db")

	cmd := crawlerCmd(t, "crawl", "--quiet", "--log-format", "json", "--config", cfg, "--archive", db)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log // 2>&1
	cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != exitPagesFailed {
		t.Fatalf("exit %d, want %d (some pages fail)\n%s", code, exitPagesFailed, log.String())
	}
	recs := jsonOnly(t, log.String())
	sum := findRecord(recs, "run summary")
	if sum == nil || sum["kind"] != "crawl" || sum["status"] != "partial" || sum["failed"].(float64) < 1 || sum["pages"].(float64) < 10 {
		t.Errorf("no run summary record with kind, status and counts: %v", sum)
	}
	last := recs[len(recs)-1]
	if last["level"] != "ERROR" || last["exit"] != float64(exitPagesFailed) || !strings.Contains(last["msg"].(string), "some pages failed") {
		t.Errorf("the final error is not a JSON record with the exit status: %v", last)
	}

	// A usage error found before --log-format is parsed is JSON too.
	code, _, errOut := runIn(t, t.TempDir(), "stats", "--wiat", "1s", "--log-format=json")
	if code != exitUsage {
		t.Errorf("--wiat: exit %d, want %d", code, exitUsage)
	}
	if recs := jsonOnly(t, errOut); len(recs) == 0 || recs[len(recs)-1]["exit"] != float64(exitUsage) {
		t.Errorf("usage error not a JSON record: %q", errOut)
	}

	// backup's result lines follow the format.
	code, out, errOut := runIn(t, t.TempDir(), "backup", "--log-format", "json", "--archive", db, "--verify", filepath.Join(t.TempDir(), "b.db"))
	if code != exitOK || out != "" {
		t.Fatalf("backup: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if recs := jsonOnly(t, errOut); len(recs) < 2 || recs[len(recs)-1]["problems"] != float64(0) {
		t.Errorf("backup did not report in JSON: %q", errOut)
	}
}

// TestTextSummaryStaysOnStdout keeps the plain run summary of text mode.
func TestTextSummaryStaysOnStdout(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 6, Articles: 10})
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "archive.db")
	code, out, errOut := cli(t, "crawl", "--quiet", "--config", writeSiteConfig(t, srv), "--archive", db)
	if code != exitOK || !strings.HasPrefix(out, "crawl: ") || strings.Contains(errOut, "crawl: ") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestUnknownCommandIsAUsageError(t *testing.T) {
	code, out, errOut := runIn(t, t.TempDir(), "bakfill")
	if code != exitUsage || !strings.Contains(errOut, `unknown command "bakfill"`) || !strings.Contains(errOut, "backfill") {
		t.Errorf("exit %d, want %d; stdout %q, stderr %q", code, exitUsage, out, errOut)
	}
	if code, out, _ := runIn(t, t.TempDir()); code != exitOK || !strings.Contains(out, "Available Commands") {
		t.Errorf("no command: exit %d, want the help; %q", code, out)
	}
}

// shortFlags are the only one-letter flags, each meaning the same in
// every command (README, "Commands").
var shortFlags = map[string]string{"v": "verbose", "q": "quiet", "o": "output", "h": "help"}

func TestShortFlagsMeanOneThing(t *testing.T) {
	root, _ := newRootCommand(io.Discard)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Shorthand != "" && shortFlags[f.Shorthand] != f.Name {
				t.Errorf("crawler %s: -%s means --%s; one-letter flags are only %v", c.Name(), f.Shorthand, f.Name, shortFlags)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func TestVersionText(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	got := versionText(bi, "go1.26.0", "linux/amd64")
	for _, want := range []string{"crawler v1.2.3\n", "commit: 0123456789abcdef0123456789abcdef01234567 (with uncommitted changes)\n",
		"date:   2026-01-02T03:04:05Z", "go:     go1.26.0 linux/amd64\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("version text lacks %q:\n%s", want, got)
		}
	}
	if got := versionText(&debug.BuildInfo{}, "go1.26.0", "linux/amd64"); !strings.Contains(got, "crawler (devel)\ncommit: unknown") {
		t.Errorf("without build info:\n%s", got)
	}
}

// TestVersionOfABuild builds the crawler with go build in a git checkout
// of the current sources and checks --version names its commit.
func TestVersionOfABuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the crawler")
	}
	gitCmd := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	src := gitCmd(".", "rev-parse", "--show-toplevel")
	repo := t.TempDir()
	for _, f := range strings.Split(gitCmd(src, "ls-files", "-co", "--exclude-standard"), "\n") {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			continue // deleted in the work tree
		}
		os.MkdirAll(filepath.Dir(filepath.Join(repo, f)), 0o755)
		if err := os.WriteFile(filepath.Join(repo, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitCmd(repo, "init", "-q")
	gitCmd(repo, "add", ".")
	gitCmd(repo, "commit", "-qm", "snapshot")
	rev := gitCmd(repo, "rev-parse", "HEAD")
	bin := filepath.Join(t.TempDir(), "crawler")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/crawler")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("crawler --version: %v", err)
	}
	if !strings.HasPrefix(string(out), "crawler ") || !strings.Contains(string(out), "commit: "+rev+"\n") || !strings.Contains(string(out), "date:   ") {
		t.Errorf("--version does not name commit %s:\n%s", rev, out)
	}
}

func TestMaxPagesFlag(t *testing.T) {
	srv := simsite.NewServer(simsite.Options{Seed: 7, Articles: 40})
	defer srv.Close()
	cfg := writeSiteConfig(t, srv)
	db := filepath.Join(t.TempDir(), "archive.db")
	code, out, errOut := cli(t, "backfill", "--config", cfg, "--archive", db, "--max-pages", "6", "-q")
	var pages int
	fmt.Sscanf(out, "backfill: %d pages", &pages)
	if code != exitOK || pages == 0 || pages > 6 {
		t.Errorf("backfill --max-pages 6: exit %d, %d pages\n%s%s", code, pages, out, errOut)
	}
	for _, args := range [][]string{
		{"crawl", "--config", cfg, "--archive", db, "--max-pages", "-1"},
		{"export", "--config", cfg, "--archive", db, "--max-pages", "5"},
	} {
		if code, _, errOut := cli(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errOut)
		}
	}
}

// TestSimsiteCommand starts "crawler simsite", backfills it with the
// configuration it writes, and stops it with SIGINT.
func TestSimsiteCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a subprocess and a backfill")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "simsite.yaml")
	cmd := crawlerCmd(t, "simsite", "--addr", "127.0.0.1:0", "--articles", "20", "--write-config", conf)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var printed strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.Contains(sc.Text(), "crawler serve --config "+conf) {
		printed.WriteString(sc.Text() + "\n")
	}
	go io.Copy(io.Discard, stdout)
	if !strings.Contains(printed.String(), "simulated site with 20 articles") || !strings.Contains(printed.String(), "crawler backfill --config "+conf) {
		t.Fatalf("simsite printed:\n%s\nstderr: %s", printed.String(), stderr.String())
	}
	code, out, errOut := cli(t, "backfill", "--config", conf, "-q")
	if code != exitOK || !strings.Contains(out, "20 articles (20 new") {
		t.Errorf("backfill of the simulated site: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "simsite.db")); err != nil {
		t.Errorf("archive not beside the configuration: %v", err)
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitOK {
		t.Errorf("simsite exit %d after SIGINT, want 0; stderr %s", code, stderr.String())
	}
}

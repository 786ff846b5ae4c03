package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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

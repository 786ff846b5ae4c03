package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/robfig/cron/v3"
)

// crawlerArgs returns the arguments of each "crawler" invocation in a
// shell command line: the words after ./crawler or /…/crawler (not a cd
// to a directory of that name) up to a redirection or && .
func crawlerArgs(line string) [][]string {
	var calls [][]string
	words := strings.Fields(line)
	for i := 0; i < len(words); i++ {
		if words[i] != "./crawler" && !strings.HasSuffix(words[i], "/crawler") || i > 0 && words[i-1] == "cd" {
			continue
		}
		var args []string
		for i++; i < len(words); i++ {
			w := words[i]
			if w == "&&" || w == "||" || w == ";" || strings.HasPrefix(w, ">") || strings.HasPrefix(w, "2>") {
				break
			}
			args = append(args, w)
		}
		calls = append(calls, args)
	}
	return calls
}

// checkInvocation fails unless args name a crawler command and flags it
// accepts.
func checkInvocation(t *testing.T, where string, args []string) {
	t.Helper()
	root, _ := newRootCommand(os.Stderr)
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root {
		t.Errorf("%s: crawler %v: no such command (%v)", where, args, err)
		return
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("%s: crawler %v: %v", where, args, err)
		return
	}
	if cmd.Args != nil {
		if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
			t.Errorf("%s: crawler %v: %v", where, args, err)
		}
	}
}

// TestDeployFiles checks that the crontab lines (deploy/crontab and the
// README's cron blocks) have schedules that parse, and that every crawler
// command line in them and in the systemd units names a real command with
// flags it accepts.
func TestDeployFiles(t *testing.T) {
	files, err := filepath.Glob("../../deploy/*")
	if err != nil || len(files) < 4 {
		t.Fatalf("deploy files: %v %v", files, err)
	}
	files = append(files, "../../README.md")
	calls := 0
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		inCron := filepath.Base(path) == "crontab"
		for n, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			where := filepath.Base(path) + ":" + strconv.Itoa(n+1)
			if filepath.Ext(path) == ".md" {
				switch {
				case line == "```cron":
					inCron = true
					continue
				case strings.HasPrefix(line, "```"):
					inCron = false
					continue
				}
			}
			switch {
			case line == "" || strings.HasPrefix(line, "#"):
				continue
			case inCron:
				fields := strings.Fields(line)
				if len(fields) == 1 && strings.Contains(line, "=") {
					continue // SHELL=, PATH=
				}
				if len(fields) < 6 {
					t.Errorf("%s: not a crontab line: %q", where, line)
					continue
				}
				if _, err := cron.ParseStandard(strings.Join(fields[:5], " ")); err != nil {
					t.Errorf("%s: schedule %q: %v", where, strings.Join(fields[:5], " "), err)
				}
				if strings.Contains(line, "%") {
					t.Errorf("%s: cron turns %% into a newline; escape it", where)
				}
			case strings.HasPrefix(line, "ExecStart="):
			default:
				continue
			}
			for _, args := range crawlerArgs(line) {
				calls++
				checkInvocation(t, where, args)
			}
		}
	}
	if calls < 5 {
		t.Errorf("found %d crawler command lines in deploy/ and the README, want at least 5", calls)
	}
}

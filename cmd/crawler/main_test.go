package main

import (
	"os"
	"os/exec"
	"testing"
)

// subprocessEnv marks the test binary, started again by crawlerCmd, as
// the crawler itself.
const subprocessEnv = "CRAWLER_TEST_RUN_MAIN"

// TestMain lets tests run the crawler as a real subprocess (for kills and
// signals) without building a separate binary: the test binary, started
// with subprocessEnv set, is the crawler.
func TestMain(m *testing.M) {
	if os.Getenv(subprocessEnv) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}

// crawlerCmd returns a command running the crawler with args in a
// subprocess.
func crawlerCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), subprocessEnv+"=1")
	return cmd
}

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/markusmobius/go-trafilatura"
)

// runnerFlag makes this program go-trafilatura's runner for the
// whole-process comparison: it extracts each file named after the flag
// and prints one JSON line per file, as crawler extract does.
const runnerFlag = "-trafilatura-runner"

// runTrafilatura is the runner: go-trafilatura over files, in order.
func runTrafilatura(files []string) error {
	enc := json.NewEncoder(os.Stdout)
	for _, f := range files {
		b, err := readPage(f)
		if err != nil {
			return err
		}
		res, err := trafilatura.Extract(bytes.NewReader(b), trafilatura.Options{ExcludeComments: true})
		line := map[string]string{"input": f}
		if err != nil {
			line["error"] = err.Error()
		} else {
			line["title"], line["body"] = res.Metadata.Title, strings.TrimSpace(res.ContentText)
		}
		if err := enc.Encode(line); err != nil {
			return err
		}
	}
	return nil
}

func readPage(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil || !strings.HasSuffix(path, ".gz") {
		return b, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return io.ReadAll(zr)
}

// processReport times whole processes over the scrapinghub pages: the
// crawler binary's extract command against go-trafilatura's runner, each
// started fresh, alternating, the fastest of rounds counting.
type processReport struct {
	files             int
	ours, trafilatura time.Duration
	workers           int
}

// runProcesses runs from bench/extract, two levels below the project.
func runProcesses(dir string, rounds int) (*processReport, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(abs, "html", "*.html.gz"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no pages in %s/html", dir)
	}
	tmp, err := os.MkdirTemp("", "extract-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	crawler := filepath.Join(tmp, "crawler")
	// Built in the project's own module, as its users build it.
	build := exec.Command("go", "build", "-o", crawler, "./cmd/crawler")
	build.Dir = filepath.Join("..", "..")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("build the crawler: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	rep := &processReport{files: len(files), ours: time.Duration(1<<63 - 1), trafilatura: time.Duration(1<<63 - 1)}
	time1 := func(name string, args ...string) (time.Duration, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = tmp // no config.yaml there: the crawler's defaults
		cmd.Stdout = io.Discard
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		err := cmd.Run()
		if _, exit := err.(*exec.ExitError); exit && name == crawler {
			err = nil // extract exits 1 when some input holds no article
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w\n%s", filepath.Base(name), err, stderr.String())
		}
		return time.Since(start), nil
	}
	for range rounds {
		d, err := time1(crawler, append([]string{"extract", "-q"}, files...)...)
		if err != nil {
			return nil, err
		}
		rep.ours = min(rep.ours, d)
		d, err = time1(self, append([]string{runnerFlag}, files...)...)
		if err != nil {
			return nil, err
		}
		rep.trafilatura = min(rep.trafilatura, d)
	}
	return rep, nil
}

func (p *processReport) summary() string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("**Whole process** (%d scrapinghub pages, one process each, fastest of the rounds): `crawler extract` %.2f s (on every core), go-trafilatura's runner %.2f s (one goroutine): **%.1f×**.\n\n",
		p.files, p.ours.Seconds(), p.trafilatura.Seconds(), p.trafilatura.Seconds()/p.ours.Seconds())
}

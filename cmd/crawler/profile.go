package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// profiles writes the CPU and heap profiles --cpuprofile and --memprofile
// ask for (go tool pprof reads them), for reports of slow or large runs.
type profiles struct {
	cpuPath, memPath string
	cpu              *os.File
}

// start begins the CPU profile, if one is asked for.
func (p *profiles) start() error {
	if p.cpuPath == "" {
		return nil
	}
	f, err := os.Create(p.cpuPath)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("--cpuprofile: %v", err)}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("--cpuprofile %s: %w", p.cpuPath, err)
	}
	p.cpu = f
	return nil
}

// stop ends the CPU profile and writes the heap profile, as the command
// returns.
func (p *profiles) stop() error {
	var errs []error
	if p.cpu != nil {
		pprof.StopCPUProfile()
		if err := p.cpu.Close(); err != nil {
			errs = append(errs, fmt.Errorf("--cpuprofile %s: %w", p.cpuPath, err))
		}
		p.cpu = nil
	}
	if p.memPath != "" {
		runtime.GC() // the heap as the last collection left it, up to date
		if err := writeHeapProfile(p.memPath); err != nil {
			errs = append(errs, fmt.Errorf("--memprofile %s: %w", p.memPath, err))
		}
	}
	return errors.Join(errs...)
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startProfiles starts a CPU profile of this process into cpuPath and
// records every allocation for an allocation profile written into memPath
// when the returned stop is called. Empty paths profile nothing.
func startProfiles(cpuPath, memPath string) (stop func(), err error) {
	stopCPU, err := startCPUProfile(cpuPath)
	if err != nil || memPath == "" {
		return stopCPU, err
	}
	runtime.MemProfileRate = 1
	return func() {
		stopCPU()
		if err := writeProfile("allocs", memPath); err != nil {
			fmt.Fprintf(os.Stderr, "streamsgd-bench: %v\n", err)
		}
	}, nil
}

// writeProfile writes pprof's profile name ("heap", "allocs") of this
// process into path.
func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("%s profile: %w", name, err)
	}
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("%s profile: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s profile: %w", name, err)
	}
	return nil
}

// startCPUProfile writes a CPU profile of this process to path until the
// returned stop is called (the bench, the broker child and the pipeline
// child each take one). An empty path profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

//go:build unix

package state

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) the process has used:
// on shared cores it measures a benchmark's cost, background goroutines
// (pebble's WAL writer, flushes, compactions) included, better than the
// wall clock.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

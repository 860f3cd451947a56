package operations

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/streamsgd/streamsgd/state"
	"github.com/streamsgd/streamsgd/topology"
)

// StoreOptions are the options of the local stores kept in dir, sized by
// the config's state section: state.memory_mb divided evenly among every
// store an instance can hold (each partition of each table the groups keep
// locally: LocalTables), then cache_mb and memtable_mb where they are set.
func StoreOptions(p *topology.Pipeline, dir string) state.Options {
	s := p.Config.State
	stores := max(len(LocalTables(p))*p.Config.Partitions, 1)
	o := state.Options{Dir: dir}
	o.Size(int64(s.MemoryMB) << 20 / int64(stores))
	if s.CacheMB > 0 {
		o.CacheSize = int64(s.CacheMB) << 20
	}
	if s.MemtableMB > 0 {
		o.MemTableSize = uint64(s.MemtableMB) << 20
	}
	return o
}

// runOverheadMB is what a run holds beside its stores, in MiB: decoded
// model states, messages in flight between the clients and the groups,
// produce buffers, and the garbage between two collections.
const runOverheadMB = 96

// MemoryLimit is the soft memory limit (bytes, as GOMEMLIMIT) that keeps a
// process running p's groups sized to its work: its stores' budget,
// state.memory_mb, plus 96 MiB for the rest. Without a limit the heap
// grows to 1+GOGC/100 times its live data before a collection (5 times at
// streamsgd's --gogc 400); with it, the collector runs as often as the
// limit needs while a backlog fills the buffers, and as GOGC says when the
// stream is steady.
func MemoryLimit(p *topology.Pipeline) int64 {
	return int64(p.Config.State.MemoryMB+runOverheadMB) << 20
}

// SetMemoryLimit sets the Go runtime's soft memory limit of a process
// running p's groups (debug.SetMemoryLimit): mb MiB, or MemoryLimit(p) when
// mb is 0; a negative mb sets none. The GOMEMLIMIT variable wins when set.
// It returns what it did, for a start-up line.
func SetMemoryLimit(mb int, p *topology.Pipeline) string {
	switch {
	case os.Getenv("GOMEMLIMIT") != "":
		return "memory limit GOMEMLIMIT=" + os.Getenv("GOMEMLIMIT")
	case mb < 0:
		return "no memory limit"
	}
	limit := int64(mb) << 20
	if mb == 0 {
		limit = MemoryLimit(p)
	}
	debug.SetMemoryLimit(limit)
	return fmt.Sprintf("memory limit %d MiB", limit>>20)
}

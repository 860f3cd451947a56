package operations

import (
	"github.com/streamsgd/streamsgd/state"
	"github.com/streamsgd/streamsgd/topology"
)

// storeOptions are the options of the local stores kept in dir, sized by
// the config's state section: state.memory_mb divided evenly among every
// store an instance can hold (each partition of each table the groups keep
// locally: LocalTables), then cache_mb and memtable_mb where they are set.
func storeOptions(p *topology.Pipeline, dir string) state.Options {
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


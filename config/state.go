package config

// State sizes the local pebble stores of the pipeline's tables (package
// state), one per table partition. Memory is taken only as a store uses
// it: a table of a few keys never fills its cache.
type State struct {
	// MemoryMB is the pebble memory (block caches and memtables), in MiB,
	// of the local stores of one instance. It is divided evenly among
	// every table partition the pipeline keeps locally (the most one
	// instance can hold: learn, checkpoint and, when sharded, merge
	// tables, each of `partitions` partitions); each store takes a
	// quarter of its share for its block cache and a quarter for each of
	// up to three memtables (two in use, one kept for reuse). Raise it for
	// tables of many keys (a million per-entity models). Default 64.
	MemoryMB int `yaml:"memory_mb"`
	// CacheMB sets each store's block cache, in MiB, instead of its share
	// of memory_mb. Default 0: derived from memory_mb.
	CacheMB int `yaml:"cache_mb"`
	// MemtableMB sets each store's memtable size, in MiB (below 4096),
	// instead of its share of memory_mb. Default 0: derived from
	// memory_mb.
	MemtableMB int `yaml:"memtable_mb"`
}

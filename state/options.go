package state

import (
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Default option values.
const (
	DefaultCacheSize    int64  = 16 << 20
	DefaultMemTableSize uint64 = 16 << 20

	// MinMemTableSize is the smallest memtable Options.Size gives: the
	// size pebble's first memtable has anyway.
	MinMemTableSize uint64 = 256 << 10

	// maxMemTableSize is pebble's limit (exclusive) on MemTableSize.
	maxMemTableSize uint64 = 4 << 30
	// memTablesReserved is how many memtables pebble can hold (its
	// MemTableStopWritesThreshold, default 2), each reserved in the cache.
	memTablesReserved = 2
	// bloomBitsPerKey sizes the bloom filter of every level: a
	// Get of a key that is not in a level's table skips the table's data
	// blocks.
	bloomBitsPerKey = 10
)

// Options configures a Store. Each field documents its default; Open and
// Builder apply EnsureDefaults, so the zero value with Dir set is valid.
type Options struct {
	// Dir is the base directory. Builder opens each partition in
	// Dir/<topic>.<partition>; Open ignores Dir and uses its dir argument.
	// Required by Builder.
	Dir string
	// CacheSize is the block cache of each partition's DB, in bytes. Reads
	// of keys that left the memtable are served from it (or, slower, from
	// the OS page cache). pebble counts its memtables against the cache, so
	// the pebble cache is sized CacheSize + 2*MemTableSize (memory is taken
	// only as it is used): a 64 MiB pebble cache with 64 MiB memtables
	// caches no block at all. Default DefaultCacheSize (16 MiB); negative
	// is invalid. Every partition (and, with hot standby, every partition
	// of the topic) has its own: a process with 2 tables of 4 partitions
	// holds up to 8*(CacheSize+2*MemTableSize) here, 384 MiB at the
	// defaults. Without cgo (as `make build`) this memory is Go heap.
	CacheSize int64
	// MemTableSize is the size of each pebble memtable, in bytes; pebble
	// starts small and grows to it. Default DefaultMemTableSize (16 MiB);
	// must be below 4 GiB.
	MemTableSize uint64
	// DisableWAL turns pebble's write-ahead log off. Default false: the WAL
	// stays on, written without fsync (see the package doc for the
	// measurement). With it off, a crash loses every write since the last
	// memtable flush, and goka replays them from the changelog; a clean
	// Close flushes the memtable first.
	DisableWAL bool
	// InMemory keeps the DBs on pebble's in-memory filesystem (vfs.NewMem):
	// for tests and examples. A Builder shares one such filesystem between
	// the partitions it opens, so a partition reopened through the same
	// Builder finds its data. Default false.
	InMemory bool
}

// EnsureDefaults replaces zero fields with their defaults.
func (o *Options) EnsureDefaults() {
	if o.CacheSize == 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = DefaultMemTableSize
	}
}

// Size sets CacheSize and MemTableSize so that a store takes at most share
// bytes of memory: a quarter for its block cache and a quarter for each of
// up to three memtables (pebble writes into one while it flushes another,
// and keeps an obsolete one to reuse its memory). The memtable is at least
// MinMemTableSize, the cache at least one byte (zero would mean the
// default). pebble takes the memory as it is used: the cache of a table
// smaller than it holds the table, no more.
func (o *Options) Size(share int64) {
	o.MemTableSize = max(uint64(max(share, 0)/4), MinMemTableSize)
	o.CacheSize = max(share/4, 1)
}

// Validate reports the first invalid field. Call it after EnsureDefaults.
func (o Options) Validate() error {
	switch {
	case o.Dir == "":
		return fmt.Errorf("%w: Dir is required", ErrInvalidOptions)
	case o.CacheSize < 0:
		return fmt.Errorf("%w: CacheSize %d is negative", ErrInvalidOptions, o.CacheSize)
	case o.MemTableSize == 0 || o.MemTableSize >= maxMemTableSize:
		return fmt.Errorf("%w: MemTableSize %d is not in (0, 4 GiB)", ErrInvalidOptions, o.MemTableSize)
	}
	return nil
}

// pebbleOptions builds the pebble options of one DB. The caller owns the
// returned cache reference and must Unref it once the DB is open.
func (o Options) pebbleOptions(fs vfs.FS) *pebble.Options {
	po := &pebble.Options{
		Cache:                       pebble.NewCache(o.CacheSize + memTablesReserved*int64(o.MemTableSize)),
		MemTableSize:                o.MemTableSize,
		DisableWAL:                  o.DisableWAL,
		FS:                          fs,
		FormatMajorVersion:          pebble.FormatNewest,
		MemTableStopWritesThreshold: memTablesReserved,
		Logger:                      quietLogger{},
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(bloomBitsPerKey)
	}
	// No block compression: the values are model states, float64s that
	// snappy cannot shrink, and compressing then decompressing them took
	// 15% of the CPU of per-entity learning at 200,000 keys (pprof).
	po.ApplyCompressionSettings(func() pebble.DBCompressionSettings { return pebble.DBCompressionNone })
	return po
}

// filesystem returns the filesystem the options ask for.
func (o Options) filesystem() vfs.FS {
	if o.InMemory {
		return vfs.NewMem()
	}
	return vfs.Default
}

// quietLogger drops pebble's informational messages ("Found 0 WALs") and
// passes errors and fatal errors to pebble's default logger.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any) {}

func (quietLogger) Errorf(format string, args ...any) { pebble.DefaultLogger.Errorf(format, args...) }

func (quietLogger) Fatalf(format string, args ...any) { pebble.DefaultLogger.Fatalf(format, args...) }

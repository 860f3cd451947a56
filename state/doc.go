// Package state is goka's local table storage on pebble: a Store implements
// goka's storage.Storage for one table partition, and Builder gives goka
// (goka.WithStorageBuilder) one pebble DB per topic/partition under a base
// directory.
//
// It owns the on-disk layout of those DBs. It imports goka's storage
// package and pebble only; it must not import goka's processor side or any
// streamsgd package (model, topology, processors): state is a leaf.
// The registry of model versions is not kept here apart: it is the
// checkpoint group's table, stored by this package like any other table,
// and read by package registry.
//
// # Semantics
//
// The Store behaves like goka's memory storage, checked by one conformance
// suite run against both: Get of a missing key returns nil, nil; a nil
// value is rejected (ErrNilValue); GetOffset(def) returns def until an
// offset is set or stored; iterators walk a point-in-time view in key
// order; IteratorWithRange(start, limit) is [start, limit), and with an
// empty limit selects the keys prefixed by start, as goka's LevelDB and
// memory storages do. Every method returns ErrClosed after Close instead
// of panicking; Close releases open iterators.
//
// # Key layout
//
// Every pebble key starts with a namespace byte: 0x00 for the store's own
// records (the table offset, 8 bytes big-endian), 0x01 for table keys.
// Table keys can therefore never collide with the offset (goka's LevelDB
// store keeps it under the table key "__offset"), and iterators never see
// it. Namespaces from 0x02 are free.
//
// # Durability
//
// The changelog topic is the durable copy of a table; the local store only
// has to be a consistent prefix of its writes, with the table offset never
// ahead of the data. So:
//   - no write is synced (pebble.NoSync);
//   - SetOffset writes nothing by itself: the offset rides in the same batch
//     as the next Set or Delete (goka calls SetOffset only after the data up
//     to that offset is Set), and MarkRecovered and Close write it. A
//     message costs one pebble commit, not two. After a crash the stored
//     offset may lag; goka replays the difference from the changelog;
//   - pebble applies batches in order, and its WAL replay (or, with the WAL
//     off, its memtable flushes) restores a prefix of them. A test crashes
//     an in-memory filesystem at random points (vfs.CrashClone) and checks
//     that each image is exactly writes 0..m with the offset <= m.
//
// # WAL on or off: measured
//
// Options.DisableWAL defaults to false: the WAL stays on (unsynced). Per
// message, Get then Set of a 300-byte value (BenchmarkGetThenSet,
// BenchmarkGetThenSet1M, BenchmarkGetSetOffset), on 2 shared cores (load
// average 5-6 from other jobs, so wall-clock figures swing 2x; the process
// CPU time per op, background goroutines included, is the steadier figure).
// Medians of 6 runs of 300k ops (at 1M keys: mean of 2 runs):
//
//	keys  per message                   CPU/op   wall/op (best)  allocs/op
//	10k   Get+Set, WAL on               4.2 µs    4.2 µs         1
//	10k   Get+Set, WAL off              4.2 µs    6.1 µs         1
//	10k   Get+Set, goka memory storage  0.1 µs    0.09 µs        0
//	10k   Get+Set+SetOffset, WAL on     4.9 µs    4.8 µs         1
//	10k   Get+Set+SetOffset, WAL off    4.2 µs    3.8 µs         1
//	1M    Get+Set, WAL on              17.9 µs   18.9 µs         2
//	1M    Get+Set, WAL off             15.8 µs   10.7 µs         2
//
// A Set alone costs 3.0-3.5 µs CPU with the WAL and 2.5-2.8 µs without. The
// WAL thus costs 0-1 µs CPU per message, within the noise of a Get+Set and
// small beside goka's own ~4 µs per changelog produce. Turning it off would
// make a crash (not a clean Close, which flushes) lose up to two memtables
// (16 MiB each by default), ~100k records of 300 B for goka to replay from
// the changelog.
// The WAL stays on; set DisableWAL where write CPU or disk bandwidth matter
// more than restart time after a crash (every value is written once to the
// WAL; with it off, only the flushed memtables, where repeated writes to a
// key collapse).
//
// The cost is pebble's: a Get builds an iterator and seeks a memtable
// skiplist of up to ~200k versions of the 10k keys; with 1M keys (300 MB)
// reads leave the memtables for sstables and compactions compete for the
// cores. The wrapper adds nothing measurable (it allocates less than
// calling pebble directly: 1 allocation per Get, the returned copy; none
// per Set).
//
// # Absent keys
//
// pebble's Get reads no bloom filter of the bottom level (L6: pebble
// deems them too large to cache for keys that are mostly there), and a
// store past its memtables keeps nearly all its data in L6. Looking up a
// key that is not there then reads a data block, as for one that is: each
// first row of a new per-entity model (the learn and the checkpoint
// groups both look its key up), each delayed-label example waiting for
// its label. An iterator opened with UseL6Filters answers such a lookup
// from the filter, but costs more than Get when the key is there (it
// reads the filter too; in the memtable, building it costs ~1.5 µs more
// than Get's pooled iterator). get therefore predicts from the store's
// recent lookups (a counter from 0 to 3, up on a miss, down on a hit; the
// filtered iterator at 2 and above), as a branch predictor does.
// BenchmarkLookup1M, 1M keys of 300 B compacted into L6, 200k lookups:
//
//	                      Get       filtered iterator   chosen
//	key present           8.2 µs    8.8 µs              7.2 µs (Get)
//	key absent            6.6 µs    1.6 µs              1.5 µs (iterator)
//
// End to end the gain is small beside the rest of a row's cost: per-entity
// models (streamsgd-bench -only per-entity, every key absent on its first
// pass) went from 19,145/20,297/20,779 to 21,145/18,906/21,696 rows/s at
// 300k keys (interleaved runs), and from 10,951 to 10,983 at 1M keys,
// where a row costs ~140 µs of CPU, two present lookups ~23 µs each.
//
// # Sizing
//
// CacheSize (default 16 MiB per partition) is the block cache proper.
// pebble reserves its memtables inside its cache, so a pebble cache of 64
// MiB with 64 MiB memtables caches no block at all (measured: 0 hits); the
// store therefore gives pebble CacheSize + 2*MemTableSize (a test guards
// it). At 1M keys, WAL off, single side runs: ~25 µs CPU per message with
// no block cached, ~18 µs with a 64 MiB block cache, ~15 µs with 512 MiB
// (more than the data). Bloom filters (10 bits per key) are on
// for every level. With many keys, keeping hot state in memory in front
// of the store saves more than any pebble setting.
//
// A running pipeline does not use the defaults: it gives each store its
// share of the config's state.memory_mb (Options.Size: a quarter for the
// cache, a quarter for each of up to three memtables), since the defaults
// were the largest cause of a run's memory. pebble's memtables grow to
// MemTableSize, and with the memtable it is flushing and the obsolete one
// it keeps for reuse it holds three: at 16 MiB, a learn table of 41 keys
// at 20k rows/s held 176 MB of memtables in 4 partitions, and the heap
// grew to five times that at GOGC 400 (RSS 1.1 GB). The cache fills only
// as blocks are read, so a small table's cache stays small.
//
// The defaults were 64 MiB (cache) and 64 MiB (memtables), the figures
// above. They are 16 MiB each since per-entity models at scale (1M keys,
// the bench's per-entity scenario): the memory is per partition and per
// table, and the processors of a pipeline with a learn and a checkpoint
// table of 4 partitions held ~1.1 GB of pebble memory at 64/64 (peak RSS
// 4.3 GiB with the other causes). The block cache holds little of 1M keys
// either way; the OS page cache serves the sstables.
package state

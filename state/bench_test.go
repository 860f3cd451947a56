package state

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lovoo/goka/storage"
)

const benchValueSize = 300 // bytes, like a ModelState of ~37 float64s

// benchStore is one storage under benchmark.
type benchStore struct {
	name string
	open func(b *testing.B) storage.Storage
}

func benchStores(withMemory bool) []benchStore {
	pebbleStore := func(o Options) func(b *testing.B) storage.Storage {
		return func(b *testing.B) storage.Storage {
			s, err := Open(b.TempDir(), o)
			if err != nil {
				b.Fatalf("Open: %v", err)
			}
			return s
		}
	}
	stores := []benchStore{
		{"pebble-wal", pebbleStore(Options{})},
		{"pebble-nowal", pebbleStore(Options{DisableWAL: true})},
	}
	if withMemory {
		stores = append(stores, benchStore{"goka-memory", func(*testing.B) storage.Storage { return storage.NewMemory() }})
	}
	return stores
}

// BenchmarkGetThenSet is the table write of a goka processor: per message,
// Get the key's value, change it and Set it back, over 10k keys of 300 B
// visited in a scattered order.
func BenchmarkGetThenSet(b *testing.B) {
	benchGetThenSet(b, 10_000, false, true)
}

// BenchmarkGetThenSetFew is BenchmarkGetThenSet over 1 key (one global
// model) and 1,000 keys (a few per-entity models): the memtable's case.
func BenchmarkGetThenSetFew(b *testing.B) {
	benchGetThenSet(b, 1, false, true)
	benchGetThenSet(b, 1_000, false, false)
}

// BenchmarkGetThenSet1M is BenchmarkGetThenSet over 1M keys (300 MB, past
// the memtables and the block cache). Loading takes a few seconds and
// 300 MB of disk per store; -short skips it.
func BenchmarkGetThenSet1M(b *testing.B) {
	if testing.Short() {
		b.Skip("1M keys: skipped with -short")
	}
	benchGetThenSet(b, 1_000_000, false, false)
}

// BenchmarkGetSetOffset is goka's full sequence per message: Get, Set, and
// SetOffset when the changelog write is acknowledged.
func BenchmarkGetSetOffset(b *testing.B) {
	benchGetThenSet(b, 10_000, true, false)
}

func benchGetThenSet(b *testing.B, n int, offsets, withMemory bool) {
	keys := benchKeys(n)
	for _, bs := range benchStores(withMemory) {
		st := bs.open(b)
		preload(b, st, keys)
		b.Run(fmt.Sprintf("keys=%d/%s", n, bs.name), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(benchValueSize)
			cpu0, cpuOK := processCPU()
			for i := 0; b.Loop(); i++ {
				getThenSet(b, st, keys[scatter(i, n)], int64(i), offsets)
			}
			reportRates(b, cpu0, cpuOK)
		})
		if err := st.Close(); err != nil {
			b.Fatalf("Close: %v", err)
		}
	}
}

// reportRates reports ops/s (wall clock) and, where the platform tells,
// the process CPU time per op (background goroutines included).
func reportRates(b *testing.B, cpu0 time.Duration, cpuOK bool) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	if cpu1, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// getThenSet is one message's table work.
func getThenSet(b *testing.B, st storage.Storage, key string, offset int64, setOffset bool) {
	v, err := st.Get(key)
	if err != nil || len(v) != benchValueSize {
		b.Fatalf("Get(%q) = %d bytes, %v", key, len(v), err)
	}
	v[0]++
	if err := st.Set(key, v); err != nil {
		b.Fatalf("Set: %v", err)
	}
	if setOffset {
		if err := st.SetOffset(offset); err != nil {
			b.Fatalf("SetOffset: %v", err)
		}
	}
}

// scatter visits the n keys in a fixed scattered order (7919 is prime and
// divides neither 10k nor 1M), as hashed keys arrive.
func scatter(i, n int) int { return (i * 7919) % n }

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("model-%08d", i)
	}
	return keys
}

// preload writes a random 300-byte value (incompressible, like float
// weights) for every key.
func preload(b *testing.B, st storage.Storage, keys []string) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range keys {
		v := make([]byte, benchValueSize)
		for i := range v {
			v[i] = byte(rng.Uint32())
		}
		if err := st.Set(k, v); err != nil {
			b.Fatalf("preload: %v", err)
		}
	}
}

// BenchmarkLookup1M looks up keys that are there and keys that are not
// among 1M keys compacted into the bottom level (L6), by pebble's Get, by
// the iterator reading L6's bloom filters, and as get chooses (after
// lookups like this one). -short skips it.
func BenchmarkLookup1M(b *testing.B) {
	if testing.Short() {
		b.Skip("1M keys: skipped with -short")
	}
	keys := benchKeys(1_000_000)
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	defer s.Close()
	preload(b, s, keys)
	if err := s.db.Compact(b.Context(), []byte{0}, []byte{0xff}, false); err != nil {
		b.Fatalf("Compact: %v", err)
	}
	for _, present := range []bool{true, false} {
		for _, path := range []string{"get", "filtered", "chosen"} {
			b.Run(fmt.Sprintf("present=%v/%s", present, path), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					k := keys[scatter(i, len(keys))]
					if !present {
						k += "-absent"
					}
					switch path {
					case "get":
						s.misses.Store(0)
					case "filtered":
						s.misses.Store(missesMax)
					}
					if _, ok, err := s.get(k, true); err != nil || ok != present {
						b.Fatalf("get(%q) = %v, %v", k, ok, err)
					}
				}
			})
		}
	}
}

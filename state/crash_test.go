package state

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestCrashLeavesConsistentPrefix writes keys round robin, each Set
// followed by SetOffset as goka does, and simulates crashes (losing a random
// part of what was not synced). Every crash image must hold exactly the
// writes 0..m for some m, and a stored offset must not exceed m.
func TestCrashLeavesConsistentPrefix(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"wal", Options{MemTableSize: 256 << 10}},
		{"nowal", Options{MemTableSize: 256 << 10, DisableWAL: true}},
	}
	const keys, writes, crashEvery = 50, 6000, 1500
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Dir = "db"
			tt.opts.EnsureDefaults()
			fs := vfs.NewCrashableMem()
			s, err := open("db", tt.opts, fs)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer s.Close()
			rng := rand.New(rand.NewPCG(1, 2))
			value := make([]byte, 300)
			for i := range writes {
				binary.BigEndian.PutUint64(value, uint64(i))
				if err := s.Set(crashKey(i%keys), value); err != nil {
					t.Fatalf("Set: %v", err)
				}
				if err := s.SetOffset(int64(i)); err != nil {
					t.Fatalf("SetOffset: %v", err)
				}
				if i%crashEvery == crashEvery-1 {
					clone := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rng})
					checkCrashImage(t, clone, tt.opts, keys)
				}
			}
		})
	}
}

func crashKey(k int) string { return fmt.Sprintf("key-%03d", k) }

// checkCrashImage opens a crash image and checks it is a prefix of the
// writes with the offset not ahead of the data.
func checkCrashImage(t *testing.T, fs vfs.FS, o Options, keys int) {
	t.Helper()
	s, err := open("db", o, fs)
	if err != nil {
		t.Fatalf("open crash image: %v", err)
	}
	defer s.Close()
	stored := make([]int64, keys) // write index per key, -1 when missing
	last := int64(-1)
	for k := range keys {
		v, err := s.Get(crashKey(k))
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		stored[k] = -1
		if v != nil {
			stored[k] = int64(binary.BigEndian.Uint64(v))
		}
		last = max(last, stored[k])
	}
	for k := range keys { // after writes 0..last, key k holds its last write <= last
		want := last - (last-int64(k))%int64(keys)
		if want < 0 || last < int64(k) {
			want = -1
		}
		if stored[k] != want {
			t.Fatalf("not a prefix: key %d holds write %d, want %d (latest write %d)", k, stored[k], want, last)
		}
	}
	off, err := s.GetOffset(-1)
	if err != nil || off > last {
		t.Fatalf("stored offset %d (%v) is ahead of the data (latest write %d)", off, err, last)
	}
	t.Logf("crash image: writes 0..%d, offset %d", last, off)
}

package table

import (
	"hash/fnv"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestPartitionMatchesGoka checks Partition against franz-go's
// sarama-compatible partitioner, which producers use to write goka inputs.
func TestPartitionMatchesGoka(t *testing.T) {
	hasher := kgo.SaramaCompatHasher(func(b []byte) uint32 {
		h := fnv.New32a()
		h.Write(b)
		return h.Sum32()
	})
	for _, n := range []int{1, 2, 4, 6, 12} {
		for i := 0; i < 2000; i++ {
			key := "m/" + strconv.Itoa(i)
			if got, want := Partition(key, n), int32(hasher([]byte(key), n)); got != want {
				t.Fatalf("%d partitions: key %q -> %d, want %d", n, key, got, want)
			}
		}
	}
}

// TestPartitionOfHashMatchesSarama: every hash, 0x80000000 included
// (whose negation overflows), goes where sarama's partitioner puts it.
func TestPartitionOfHashMatchesSarama(t *testing.T) {
	for _, h := range []uint32{0, 1, 0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0xdeadbeef} {
		hasher := kgo.SaramaCompatHasher(func([]byte) uint32 { return h })
		for _, n := range []int{1, 3, 6, 7, 12} {
			if got, want := partitionOf(h, n), int32(hasher(nil, n)); got != want {
				t.Errorf("hash %#x, %d partitions: %d, want %d", h, n, got, want)
			}
		}
	}
}

func TestShardKeysSpreadOverPartitions(t *testing.T) {
	for _, tt := range []struct{ shards, partitions int }{{1, 4}, {2, 4}, {4, 4}, {8, 4}, {3, 7}} {
		keys := ShardKeys("m", tt.shards, tt.partitions)
		if len(keys) != tt.shards {
			t.Fatalf("%d shards: %d keys", tt.shards, len(keys))
		}
		seen := map[string]bool{}
		for i, k := range keys {
			if seen[k] {
				t.Errorf("duplicate key %q", k)
			}
			seen[k] = true
			if tt.shards > 1 && Partition(k, tt.partitions) != int32(i%tt.partitions) {
				t.Errorf("shard %d key %q on partition %d", i, k, Partition(k, tt.partitions))
			}
		}
		again := ShardKeys("m", tt.shards, tt.partitions)
		for i := range keys {
			if keys[i] != again[i] {
				t.Errorf("not deterministic: %q vs %q", keys[i], again[i])
			}
		}
	}
}

func TestShardIndex(t *testing.T) {
	for _, partitions := range []int{1, 3, 4, 16} {
		for i, k := range ShardKeys("g", 8, partitions) {
			if got, ok := ShardIndex("g", 8, k); !ok || got != i {
				t.Errorf("%d partitions: key %q -> %d, %v; want %d", partitions, k, got, ok, i)
			}
		}
	}
	for _, k := range []string{"g", "g/8", "g/-1", "g/01", "h/1", "g/x", "g/1x", ""} {
		if i, ok := ShardIndex("g", 8, k); ok {
			t.Errorf("key %q is shard %d", k, i)
		}
	}
	if _, ok := ShardIndex("g", 1, "g/0"); ok {
		t.Error("an unsharded model has shard keys")
	}
}

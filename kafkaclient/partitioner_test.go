package kafkaclient

import (
	"hash/fnv"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// gokaPartition is goka's own computation (processor.go, hash): FNV-1a as
// an int32, negated if negative, modulo the partition count.
func gokaPartition(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	p := int32(h.Sum32())
	if p < 0 {
		p = -p
	}
	return int(p % int32(n))
}

// TestPartitionerMatchesGoka guards the silent data-loss trap of
// goka and franz-go: records produced with franz-go must land in the partition
// where goka's tables look for their key.
func TestPartitionerMatchesGoka(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 6, 12, 100} {
		tp := GokaPartitioner().ForTopic("t")
		for i := 0; i < 5000; i++ {
			key := "key-" + strconv.Itoa(i)
			got := tp.Partition(&kgo.Record{Key: []byte(key)}, n)
			if want := gokaPartition(key, n); got != want {
				t.Fatalf("%d partitions: key %q -> %d, goka expects %d", n, key, got, want)
			}
		}
	}
}

package kafkaclient

import (
	"fmt"
	"hash/fnv"

	"github.com/twmb/franz-go/pkg/kgo"
)

// GokaPartitioner partitions keyed records exactly as goka and sarama do.
func GokaPartitioner() kgo.Partitioner {
	return kgo.StickyKeyPartitioner(kgo.SaramaCompatHasher(fnv32a))
}

func fnv32a(b []byte) uint32 {
	h := fnv.New32a()
	h.Write(b) // never fails
	return h.Sum32()
}

// ProducerBatchMaxBytes is the largest record batch a producer of NewClient
// sends (kgo.ProducerBatchMaxBytes): a record larger than this fails in
// the client, whatever the topic's max.message.bytes allows.
const ProducerBatchMaxBytes = 1 << 20

// NewClient returns a franz-go client for brokers, tuned for throughput,
// partitioning keys like goka. Extra options come last and win.
func NewClient(brokers []string, extra ...kgo.Opt) (*kgo.Client, error) {
	opts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.RecordPartitioner(GokaPartitioner()),
		kgo.ProducerLinger(0),
		kgo.ProducerBatchMaxBytes(ProducerBatchMaxBytes),
		kgo.MaxBufferedRecords(1 << 18),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	}
	cl, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("kafkaclient: client for %v: %w", brokers, err)
	}
	return cl, nil
}

// New returns a plain franz-go client for brokers (consumers, admin,
// readers of tables); opts carry its security (Security.Kgo) and its
// consumer settings, and come last.
func New(brokers []string, opts ...kgo.Opt) (*kgo.Client, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafkaclient: client for %v: %w", brokers, err)
	}
	return cl, nil
}

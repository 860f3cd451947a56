package operations

import (
	"context"
	"fmt"
	"slices"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ReadTable consumes a table's changelog topic, read committed, from its
// start to its stable offsets as of the call and returns the latest value of every key (a key
// whose latest record is a deletion, a nil value, is left out). opts are
// the client's extra options (security). A topic that does not exist is
// an error.
func ReadTable(ctx context.Context, brokers []string, opts []kgo.Opt, topic string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := ScanTable(ctx, brokers, opts, topic, func(r *kgo.Record) error {
		if r.Value == nil {
			delete(out, string(r.Key))
		} else {
			out[string(r.Key)] = r.Value
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ScanTable calls fn, in offset order per partition, for every committed
// record of a table's changelog topic from its start to its last stable
// offsets as of the call (deletions included; the transactions' control
// records and aborted records left out: the learn and merge tables are
// written in transactions, see kafkaclient.FencedProducer). An error from fn stops the scan and is returned.
func ScanTable(ctx context.Context, brokers []string, opts []kgo.Opt, topic string, fn func(*kgo.Record) error) error {
	return scanPartitions(ctx, brokers, opts, topic, nil, fn)
}

// scanPartitions is ScanTable over the partitions that pick returns, given
// the topic's number of partitions (nil: all).
func scanPartitions(ctx context.Context, brokers []string, opts []kgo.Opt, topic string, pick func(int) []int32, fn func(*kgo.Record) error) error {
	cl, err := kafkaclient.New(brokers, append(append([]kgo.Opt{kgo.FetchMaxBytes(64 << 20)}, kafkaclient.ReadCommittedOpts()...), opts...)...)
	if err != nil {
		return fmt.Errorf("operations: read table %s: %w", topic, err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListCommittedOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return fmt.Errorf("operations: read table %s: end offsets: %w", topic, err)
	}
	left := map[int32]int64{}
	parts := map[int32]kgo.Offset{}
	picked := func(int32) bool { return true }
	if pick != nil {
		want := pick(len(ends[topic]))
		picked = func(p int32) bool { return slices.Contains(want, p) }
	}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 && picked(o.Partition) {
			left[o.Partition] = o.Offset
			parts[o.Partition] = kgo.NewOffset().AtStart()
		}
	})
	if len(left) == 0 {
		return nil
	}
	cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts})
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("operations: read table %s: %d partitions not read to their end: %w", topic, len(left), err)
		}
		if err := fs.Err0(); err != nil {
			return fmt.Errorf("operations: read table %s: %w", topic, err)
		}
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			end, ok := left[r.Partition]
			if !ok || r.Offset >= end {
				continue // read already, or written after the call
			}
			if !r.Attrs.IsControl() {
				if err := fn(r); err != nil {
					return fmt.Errorf("operations: read table %s: %w", topic, err)
				}
			}
			if r.Offset+1 >= end {
				delete(left, r.Partition)
			}
		}
	}
	return nil
}

package operations

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

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
// written in transactions, see kafkaclient.FencedProducer). An error from
// fn stops the scan and is returned.
func ScanTable(ctx context.Context, brokers []string, opts []kgo.Opt, topic string, fn func(*kgo.Record) error) error {
	return scanPartitions(ctx, brokers, opts, topic, nil, fn)
}

// scanIdle is how long a scan waits for records before it asks whether
// the partitions it has not finished end in records it will never be
// handed (an aborted transaction's, or ones compaction removed).
const scanIdle = time.Second

// scanPartitions is ScanTable over the partitions that pick returns, given
// the topic's number of partitions (nil: all).
func scanPartitions(ctx context.Context, brokers []string, opts []kgo.Opt, topic string, pick func(int) []int32, fn func(*kgo.Record) error) error {
	cl, err := kafkaclient.New(brokers, append(append([]kgo.Opt{kgo.FetchMaxBytes(64 << 20)}, kafkaclient.ReadCommittedOpts()...), opts...)...)
	if err != nil {
		return fmt.Errorf("operations: read table %s: %w", topic, err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListCommittedOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return fmt.Errorf("operations: read table %s: end offsets: %w", topic, err)
	}
	left := map[int32]int64{} // partition -> its stable offset as of the call
	seen := map[int32]int64{} // partition -> the last offset handed to the scan
	parts := map[int32]kgo.Offset{}
	picked := func(int32) bool { return true }
	if pick != nil {
		want := pick(len(ends[topic]))
		picked = func(p int32) bool { return slices.Contains(want, p) }
	}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 && picked(o.Partition) {
			left[o.Partition], seen[o.Partition] = o.Offset, -1
			parts[o.Partition] = kgo.NewOffset().AtStart()
		}
	})
	if len(left) == 0 {
		return nil
	}
	cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{topic: parts})
	for len(left) > 0 {
		pctx, cancel := context.WithTimeout(ctx, scanIdle)
		fs := cl.PollFetches(pctx)
		idle := pctx.Err() != nil
		cancel()
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("operations: read table %s: partitions %v not read to their end: %w", topic, slices.Sorted(maps.Keys(left)), err)
		}
		if idle && fs.NumRecords() == 0 {
			if err := dropSettledEnds(ctx, adm, brokers, opts, topic, left, seen); err != nil {
				return err
			}
			continue
		}
		if err := fs.Err0(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("operations: read table %s: %w", topic, err)
		}
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			end, ok := left[r.Partition]
			if !ok {
				continue // read already
			}
			if r.Offset >= end {
				delete(left, r.Partition) // written after the call: the end is behind
				continue
			}
			seen[r.Partition] = r.Offset
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

// dropSettledEnds removes from left the partitions that hold no committed
// data record below their stable offset, or whose last one was handed to
// the scan already (seen): what follows it in the log, if anything, is an
// aborted transaction, which a read committed consumer skips without a
// trace, or markers whose offsets compaction left empty.
func dropSettledEnds(ctx context.Context, adm *kadm.Client, brokers []string, opts []kgo.Opt, topic string, left, seen map[int32]int64) error {
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return fmt.Errorf("operations: read table %s: start offsets: %w", topic, err)
	}
	for part, stable := range left {
		so, ok := starts.Lookup(topic, part)
		if !ok {
			continue
		}
		end, err := kafkaclient.DataEndBelow(ctx, brokers, opts, topic, part, so.Offset, stable)
		if err != nil {
			return fmt.Errorf("operations: read table %s: %w", topic, err)
		}
		if end <= so.Offset || end-1 <= seen[part] {
			delete(left, part)
		}
	}
	return nil
}

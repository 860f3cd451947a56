package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ReadCommittedOpts are the consumer options of every franz-go reader of a
// fenced table (FencedProducer): it reads committed records only, and is
// handed the transactions' control records too (IsControl), so that it
// can tell that it reached an end offset whose last record is a commit or
// abort marker. Readers skip the control records.
func ReadCommittedOpts() []kgo.Opt {
	return []kgo.Opt{kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords()}
}

// dataEndQuiet is how long CommittedDataEnd waits for a record before it
// takes the records it has seen as the partition's end (the last offsets
// below the stable offset were compacted away).
const dataEndQuiet = 3 * time.Second

// CommittedDataEnd returns 1 + the offset of the last committed data
// record of topic/part (not a control record, not an aborted record), or
// the partition's start offset if it holds none. goka's recovery reads a
// table until it has seen the record at its "high water mark" - 1; with
// transactions that offset is a commit marker, which a consumer never
// delivers, so the recovery of a fenced table is given this offset
// instead. Call it after the partition's writers are fenced: then nothing
// is in flight. opts are the client's options (security).
func CommittedDataEnd(ctx context.Context, brokers []string, opts []kgo.Opt, topic string, part int32) (int64, error) {
	cl, err := New(brokers, opts...)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("kafkaclient: start offsets of %s: %w", topic, err)
	}
	stables, err := adm.ListCommittedOffsets(ctx, topic)
	if err == nil {
		err = stables.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("kafkaclient: stable offsets of %s: %w", topic, err)
	}
	so, ok1 := starts.Lookup(topic, part)
	lo, ok2 := stables.Lookup(topic, part)
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("kafkaclient: no offsets for %s/%d", topic, part)
	}
	start, stable := so.Offset, lo.Offset
	for window := int64(64); ; window *= 16 {
		from := max(start, stable-window)
		if from >= stable {
			return start, nil
		}
		last, err := lastDataRecord(ctx, brokers, opts, topic, part, from, stable)
		if err != nil {
			return 0, err
		}
		if last >= 0 {
			return last + 1, nil
		}
		if from == start {
			return start, nil
		}
	}
}

// lastDataRecord reads topic/part from from to end (exclusive), read
// committed, and returns the offset of the last data record, or -1.
func lastDataRecord(ctx context.Context, brokers []string, opts []kgo.Opt, topic string, part int32, from, end int64) (int64, error) {
	cl, err := New(brokers, append(append([]kgo.Opt{
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {part: kgo.NewOffset().At(from)}}),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	}, ReadCommittedOpts()...), opts...)...)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	last, seen := int64(-1), from-1
	for seen+1 < end {
		pctx, cancel := context.WithTimeout(ctx, dataEndQuiet)
		fs := cl.PollFetches(pctx)
		cancel()
		if ctx.Err() != nil {
			return 0, fmt.Errorf("kafkaclient: read %s/%d: %w", topic, part, ctx.Err())
		}
		if pctx.Err() != nil && fs.NumRecords() == 0 {
			return last, nil // the rest was compacted away
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				ferr = errors.Join(ferr, err)
			}
		})
		if ferr != nil {
			return 0, fmt.Errorf("kafkaclient: read %s/%d: %w", topic, part, ferr)
		}
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			if r.Offset >= end {
				continue
			}
			seen = max(seen, r.Offset)
			if !r.Attrs.IsControl() {
				last = max(last, r.Offset)
			}
		}
	}
	return last, nil
}

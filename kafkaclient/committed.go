package kafkaclient

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

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

// lastDataRecord reads topic/part from from (read uncommitted, control
// records kept) until it has seen a record at end - 1 or later, and
// returns the offset of the last data record below end that is committed:
// not transactional, or followed by its producer's commit marker (a
// producer's transactions are sequential, and below the last stable
// offset every transaction is decided), or -1 if there is none. Reading
// uncommitted, every record is delivered, so the read ends on an offset it
// sees rather than on a pause (a read committed consumer is silent over
// aborted records); the partition's last record is never compacted away.
func lastDataRecord(ctx context.Context, brokers []string, opts []kgo.Opt, topic string, part int32, from, end int64) (int64, error) {
	cl, err := New(brokers, append([]kgo.Opt{
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {part: kgo.NewOffset().At(from)}}),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadUncommitted()),
		kgo.KeepControlRecords(),
	}, opts...)...)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	last, seen := int64(-1), from-1
	open := map[int64]int64{} // producer id -> its last transactional data record not yet decided
	for seen+1 < end {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return 0, fmt.Errorf("kafkaclient: read %s/%d from %d to %d: %w", topic, part, from, end, ctx.Err())
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) { ferr = errors.Join(ferr, err) })
		if ferr != nil {
			return 0, fmt.Errorf("kafkaclient: read %s/%d: %w", topic, part, ferr)
		}
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			seen = max(seen, r.Offset)
			if r.Offset >= end {
				continue
			}
			switch {
			case r.Attrs.IsControl():
				if o, ok := open[r.ProducerID]; ok && isCommitMarker(r.Key) {
					last = max(last, o)
				}
				delete(open, r.ProducerID)
			case r.Attrs.IsTransactional():
				open[r.ProducerID] = r.Offset
			default:
				last = max(last, r.Offset)
			}
		}
	}
	return last, nil
}

// isCommitMarker tells a transaction's commit marker from its abort marker
// by the control record's key: version (int16), then type (int16: 0 abort,
// 1 commit).
func isCommitMarker(key []byte) bool {
	return len(key) >= 4 && binary.BigEndian.Uint16(key[2:4]) == 1
}

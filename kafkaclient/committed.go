package kafkaclient

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
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
	return DataEndBelow(ctx, brokers, opts, topic, part, so.Offset, lo.Offset)
}

// DataEndBelow returns 1 + the offset of the last committed data record
// of topic/part in [start, stable), or start if it holds none. stable is
// at most the partition's last stable offset: every transaction below it
// is decided, so the answer holds while the partition's writers go on.
// A read committed consumer is never handed an aborted transaction's
// records, and compaction may have removed the records before stable
// (a transaction's marker goes with its transaction's last record), so
// a reader that waits for the record at stable-1 may wait until more is
// written; the record at DataEndBelow-1 is one it is handed.
func DataEndBelow(ctx context.Context, brokers []string, opts []kgo.Opt, topic string, part int32, start, stable int64) (int64, error) {
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

// lastDataRecord returns the offset of the last committed data record of
// topic/part in [from, end), or -1. It fetches the partition from its
// leader itself, read committed, and decides which batches are aborted
// from the broker's list of aborted transactions, exactly as a read
// committed consumer does (Kafka's consumer, sarama's in goka's recovery):
// so the end it finds is the one goka's recovery will see, whatever the
// broker keeps of the transactions' markers (kfake after a restart, say).
// It reads record batches, not records, so the read ends at the offset it
// has reached, never on a pause.
func lastDataRecord(ctx context.Context, brokers []string, opts []kgo.Opt, topic string, part int32, from, end int64) (int64, error) {
	cl, err := New(brokers, opts...)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	fail := func(err error) (int64, error) {
		return 0, fmt.Errorf("kafkaclient: read %s/%d from %d to %d: %w", topic, part, from, end, err)
	}
	var (
		last        = int64(-1)
		off         = from
		abortedPIDs = map[int64]bool{}
		decomp      = kgo.DefaultDecompressor()
	)
	for off < end {
		md, err := kadm.NewClient(cl).Metadata(ctx, topic)
		if err != nil {
			return fail(err)
		}
		td, ok := md.Topics[topic]
		if !ok || td.Err != nil {
			return fail(fmt.Errorf("metadata: %v", td.Err))
		}
		pd, ok := td.Partitions[part]
		if !ok || pd.Err != nil {
			return fail(fmt.Errorf("metadata of the partition: %v", pd.Err))
		}
		req := kmsg.NewPtrFetchRequest()
		req.ReplicaID = -1
		req.MaxWaitMillis = 100
		req.MinBytes = 1
		req.MaxBytes = 16 << 20
		req.IsolationLevel = 1 // read committed
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic, rt.TopicID = topic, td.ID
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = part, off, 16<<20
		rp.CurrentLeaderEpoch, rp.LogStartOffset = -1, -1
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		kresp, err := cl.Broker(int(pd.Leader)).Request(ctx, req)
		if err != nil {
			return fail(err)
		}
		resp := kresp.(*kmsg.FetchResponse)
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			return fail(err)
		}
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
			return fail(errors.New("fetch answered for other partitions"))
		}
		rpart := resp.Topics[0].Partitions[0]
		if err := kerr.ErrorForCode(rpart.ErrorCode); err != nil {
			if errors.Is(err, kerr.OffsetOutOfRange) && rpart.LogStartOffset > off {
				off = rpart.LogStartOffset
				continue
			}
			return fail(err)
		}
		aborts := slices.SortedFunc(slices.Values(rpart.AbortedTransactions),
			func(a, b kmsg.FetchResponseTopicPartitionAbortedTransaction) int {
				return cmp.Compare(a.FirstOffset, b.FirstOffset)
			})
		before := off
		for raw := rpart.RecordBatches; len(raw) >= 12 && off < end; {
			var rb kmsg.RecordBatch
			n := 12 + int(binary.BigEndian.Uint32(raw[8:12]))
			if n > len(raw) {
				break // a batch cut by the size limit: fetched again from off
			}
			if err := rb.ReadFrom(raw[:n]); err != nil {
				return fail(fmt.Errorf("record batch at %d: %w", off, err))
			}
			raw = raw[n:]
			lastOff := rb.FirstOffset + int64(rb.LastOffsetDelta)
			if lastOff < off {
				continue
			}
			for len(aborts) > 0 && aborts[0].FirstOffset <= lastOff {
				abortedPIDs[aborts[0].ProducerID] = true
				aborts = aborts[1:]
			}
			off = lastOff + 1
			const transactional, control = 0x10, 0x20
			switch {
			case rb.Attributes&control != 0:
				if abortedPIDs[rb.ProducerID] {
					delete(abortedPIDs, rb.ProducerID) // its abort marker
				}
			case rb.Attributes&transactional != 0 && abortedPIDs[rb.ProducerID]:
			default:
				o, err := lastRecordOffset(&rb, decomp, end)
				if err != nil {
					return fail(err)
				}
				last = max(last, o)
			}
		}
		if off == before && (rpart.HighWatermark <= off || rpart.LastStableOffset <= end) {
			// Nothing more to read: end was past the log's end, or
			// nothing is left below it (compaction removed the
			// records from off on; a read committed fetch returns
			// nothing from the stable offset on).
			break
		}
	}
	return last, nil
}

// lastRecordOffset is the offset of the last record of rb below end (a
// compacted batch keeps its offset range but not every record), or -1.
func lastRecordOffset(rb *kmsg.RecordBatch, decomp kgo.Decompressor, end int64) (int64, error) {
	raw, err := decomp.Decompress(rb.Records, kgo.CompressionCodecType(rb.Attributes&0x07))
	if err != nil {
		return 0, fmt.Errorf("decompress the batch at %d: %w", rb.FirstOffset, err)
	}
	last := int64(-1)
	for i := int32(0); i < rb.NumRecords && len(raw) > 0; i++ {
		length, w := binary.Varint(raw)
		if w <= 0 || int(length) > len(raw)-w {
			return 0, fmt.Errorf("record %d of the batch at %d: bad length", i, rb.FirstOffset)
		}
		var r kmsg.Record
		if err := r.ReadFrom(raw[:w+int(length)]); err != nil {
			return 0, fmt.Errorf("record %d of the batch at %d: %w", i, rb.FirstOffset, err)
		}
		raw = raw[w+int(length):]
		if o := rb.FirstOffset + int64(r.OffsetDelta); o < end {
			last = max(last, o)
		}
	}
	return last, nil
}

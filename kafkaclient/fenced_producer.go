package kafkaclient

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Fenced-writer defaults: a partition's table writes are committed in one
// transaction every FenceCommitInterval or FenceCommitRecords records,
// whichever comes first.
const (
	FenceCommitInterval = 5 * time.Millisecond
	FenceCommitRecords  = 256
	// fenceTxnTimeout bounds a transaction the broker keeps open for a
	// writer that stopped (a paused process): it aborts it after this.
	fenceTxnTimeout = 30 * time.Second
)

// ErrNotOwner is the error of a table write for a partition this producer
// has not fenced (Assign) in the current generation.
var ErrNotOwner = errors.New("kafkaclient: table partition not assigned to this producer")

// FencedProducer is a goka.Producer whose writes to one table topic (a
// processor's group table, copartitioned with its input) go through one
// transactional franz-go client per table partition, with transactional id
// "<prefix><partition>": the owner of a partition fences every earlier
// owner (Assign bumps the producer epoch, which aborts the earlier owner's
// open transaction and makes its later writes fail), so a paused process
// that resumes can no longer write a model state to the changelog. Readers
// must read committed (ReadCommittedOpts, SaramaConfig). A write's promise
// is resolved once its transaction is committed: goka then commits the
// input offset after the state is durable. Every other record goes through
// one plain idempotent client.
type FencedProducer struct {
	plain    *kgo.Client
	table    string
	prefix   string
	nparts   int32
	brokers  []string
	opts     []kgo.Opt
	interval time.Duration
	maxRecs  int
	mu       sync.Mutex
	parts    map[int32]*txnPartition
	closed   bool
}

// NewFencedProducer returns a FencedProducer for table (nparts partitions)
// with transactional ids prefix+partition. extra are the clients' options
// (security, client id).
func NewFencedProducer(brokers []string, table, prefix string, nparts int32, extra ...kgo.Opt) (*FencedProducer, error) {
	plain, err := NewClient(brokers, append([]kgo.Opt{kgo.ProducerLinger(0)}, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("kafkaclient: fenced producer: %w", err)
	}
	return &FencedProducer{
		plain: plain, table: table, prefix: prefix, nparts: nparts, brokers: brokers, opts: extra,
		interval: FenceCommitInterval, maxRecs: FenceCommitRecords, parts: map[int32]*txnPartition{},
	}, nil
}

// Builder returns a goka.ProducerBuilder that hands goka p itself (goka
// closes it with the processor).
func (p *FencedProducer) Builder() goka.ProducerBuilder {
	return func([]string, string, func() hash.Hash32) (goka.Producer, error) { return p, nil }
}

// TransactionalID is the transactional id of partition part.
func (p *FencedProducer) TransactionalID(part int32) string {
	return fmt.Sprintf("%s%d", p.prefix, part)
}

// Assign makes p the writer of the given table partitions, and only of
// them: it commits and closes the transactional clients of the others,
// and for each assigned partition starts a new client and initialises its
// producer id, which fences every earlier writer of that transactional id
// (this process's earlier client included) and aborts its open
// transaction. It returns once every assigned partition is fenced, before
// goka recovers the partitions; a partition that could not be fenced keeps
// its error and fails its writes.
func (p *FencedProducer) Assign(ctx context.Context, parts []int32) error {
	p.mu.Lock()
	old := p.parts
	p.parts = map[int32]*txnPartition{}
	p.mu.Unlock()
	for _, tp := range old {
		tp.close()
	}
	var (
		wg   sync.WaitGroup
		emu  sync.Mutex
		errs []error
	)
	fresh := map[int32]*txnPartition{}
	for _, part := range parts {
		tp := &txnPartition{p: p, part: part}
		fresh[part] = tp
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tp.init(ctx); err != nil {
				tp.err = err
				emu.Lock()
				errs = append(errs, err)
				emu.Unlock()
			}
		}()
	}
	wg.Wait()
	p.mu.Lock()
	p.parts = fresh
	if p.closed {
		p.mu.Unlock()
		for _, tp := range fresh {
			tp.close()
		}
		return errors.New("kafkaclient: fenced producer closed")
	}
	p.mu.Unlock()
	return errors.Join(errs...)
}

// Emit implements goka.Producer.
func (p *FencedProducer) Emit(topic string, key string, value []byte) *goka.Promise {
	return p.EmitWithHeaders(topic, key, value, nil)
}

// EmitWithHeaders implements goka.Producer.
func (p *FencedProducer) EmitWithHeaders(topic string, key string, value []byte, headers goka.Headers) *goka.Promise {
	promise, finish := goka.NewPromiseWithFinisher()
	r := &kgo.Record{Topic: topic, Key: []byte(key), Value: value}
	for k, v := range headers {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: k, Value: v})
	}
	if topic != p.table {
		p.plain.Produce(context.Background(), r, func(_ *kgo.Record, err error) {
			if err != nil {
				err = fmt.Errorf("kafkaclient: %s key %q: %w", topic, key, err)
			}
			finish(nil, err)
		})
		return promise
	}
	r.Partition = GokaPartition([]byte(key), p.nparts)
	p.mu.Lock()
	tp := p.parts[r.Partition]
	p.mu.Unlock()
	if tp == nil {
		finish(nil, fmt.Errorf("%w: %s/%d key %q", ErrNotOwner, topic, r.Partition, key))
		return promise
	}
	tp.produce(r, func(err error) {
		if err != nil {
			err = fmt.Errorf("kafkaclient: %s/%d key %q: %w", topic, r.Partition, key, err)
		}
		finish(nil, err)
	})
	return promise
}

// Close commits the open transactions, closes every client, and returns
// the first error.
func (p *FencedProducer) Close() error {
	p.mu.Lock()
	p.closed = true
	parts := p.parts
	p.parts = map[int32]*txnPartition{}
	p.mu.Unlock()
	var errs []error
	for _, tp := range parts {
		errs = append(errs, tp.close())
	}
	if err := p.plain.Flush(context.Background()); err != nil {
		errs = append(errs, fmt.Errorf("kafkaclient: fenced producer: flush: %w", err))
	}
	p.plain.Close()
	return errors.Join(errs...)
}

// GokaPartition is the partition goka (sarama's hash partitioner, FNV-1a)
// gives key among n partitions.
func GokaPartition(key []byte, n int32) int32 {
	part := int32(fnv32a(key)) % n
	if part < 0 {
		part = -part
	}
	return part
}

// txnPartition writes one table partition in short transactions, each of
// them one record batch: the records of a transaction are buffered in the
// process and sent together when it commits. (Every state is sent, not
// only a key's last of the transaction: the checkpoint group and the merge
// of shards read the changelog as a stream of states.) So the broker never holds two batches of a transaction
// that is still open, and no open transaction has a batch behind which
// another batch of the partition lies. That mattered for the embedded
// broker (kfake), whose log compaction did not stop at the last stable
// offset as Kafka's cleaner does (third_party/kfake/PATCHES.md, item 7):
// a key's record in an open transaction that is not the partition's last
// batch superseded the key's committed record, and when that transaction
// was then aborted (its writer fenced or killed) the key had no record
// left. It also keeps a paused writer's
// buffered states out of the broker entirely: they are sent only at
// commit, which fails once the writer is fenced.
type txnPartition struct {
	p    *FencedProducer
	part int32

	mu     sync.Mutex
	cl     *kgo.Client
	err    error // sticky: fencing failed, or the client was fenced
	buf    []*kgo.Record
	bytes  int           // buffered bytes, as recordBytes counts them
	dones  []func(error) // the buffered writes' callbacks
	timer  *time.Timer   // commits the buffer; set while buf is not empty
	closed bool
}

// recordBytes is what a record adds to a batch, counted generously (its
// key, value and headers, and room for the record's own varint framing).
func recordBytes(r *kgo.Record) int {
	n := len(r.Key) + len(r.Value) + 32
	for _, h := range r.Headers {
		n += len(h.Key) + len(h.Value) + 8
	}
	return n
}

// txnBatchBytes bounds the bytes buffered for one transaction so that its
// records make one batch (kgo.ProducerBatchMaxBytes), with room for the
// batch header.
const txnBatchBytes = ProducerBatchMaxBytes - 1<<10

// init starts the transactional client and initialises its producer id:
// the fencing itself. The client sends what it buffered only when it is
// flushed (a transaction's commit).
func (tp *txnPartition) init(ctx context.Context) error {
	opts := append([]kgo.Opt{
		kgo.TransactionalID(tp.p.TransactionalID(tp.part)),
		kgo.TransactionTimeout(fenceTxnTimeout),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ManualFlushing(),
	}, tp.p.opts...)
	cl, err := NewClient(tp.p.brokers, opts...)
	if err != nil {
		return fmt.Errorf("kafkaclient: fence %s: %w", tp.p.TransactionalID(tp.part), err)
	}
	if _, _, err := cl.ProducerID(ctx); err != nil {
		cl.Close()
		return fmt.Errorf("kafkaclient: fence %s: init producer id: %w", tp.p.TransactionalID(tp.part), err)
	}
	tp.cl = cl
	return nil
}

// produce adds r to the partition's next transaction and calls done with
// that transaction's outcome.
func (tp *txnPartition) produce(r *kgo.Record, done func(error)) {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.err != nil || tp.closed || tp.cl == nil {
		err := tp.err
		if err == nil {
			err = ErrNotOwner
		}
		done(err)
		return
	}
	n := recordBytes(r)
	if len(tp.buf) > 0 && tp.bytes+n > txnBatchBytes {
		tp.endLocked()
		if tp.err != nil {
			done(tp.err)
			return
		}
	}
	tp.buf = append(tp.buf, r)
	tp.bytes += n
	tp.dones = append(tp.dones, done)
	if tp.timer == nil {
		tp.timer = time.AfterFunc(tp.p.interval, tp.commit)
	}
	if len(tp.dones) >= tp.p.maxRecs {
		tp.endLocked()
	}
}

// awaitPartition waits (at most partitionWait) until the client knows the
// table partition's leader. A client buffers the records of a topic it has
// not loaded apart and adds them to the partition's batch when its
// metadata arrives; a flush before that would send the records that are
// already batched and then the others, two batches. Once the leader is
// known, every record produced is in the one batch (the client is flushed
// by hand, kgo.ManualFlushing, so nothing was sent yet).
func (tp *txnPartition) awaitPartition() {
	deadline := time.Now().Add(partitionWait)
	for time.Now().Before(deadline) {
		if leader, _, _ := tp.cl.PartitionLeader(tp.p.table, tp.part); leader >= 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// partitionWait bounds awaitPartition: past it, the flush goes on (and
// fails if the partition cannot be loaded).
const partitionWait = 10 * time.Second

// commit commits the buffered transaction (timer).
func (tp *txnPartition) commit() {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.endLocked()
}

// endLocked sends the buffered records in one transaction, commits it
// (aborts it if one of them failed) and calls their callbacks. tp.mu is
// held.
func (tp *txnPartition) endLocked() {
	if tp.timer != nil {
		tp.timer.Stop()
		tp.timer = nil
	}
	if len(tp.buf) == 0 {
		return
	}
	recs, dones := tp.buf, tp.dones
	tp.buf, tp.dones, tp.bytes = nil, nil, 0
	ctx := context.Background()
	err := tp.cl.BeginTransaction()
	if err == nil {
		var (
			fmu    sync.Mutex
			failed error
		)
		for _, r := range recs {
			tp.cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
				if err != nil {
					fmu.Lock()
					failed = cmp.Or(failed, err)
					fmu.Unlock()
				}
			})
		}
		tp.awaitPartition()
		// Flush returns after the records' callbacks have run.
		ferr := tp.cl.Flush(ctx)
		fmu.Lock()
		err = errors.Join(ferr, failed)
		fmu.Unlock()
		if err == nil {
			err = tp.cl.EndTransaction(ctx, kgo.TryCommit)
		} else {
			err = errors.Join(err, tp.cl.EndTransaction(ctx, kgo.TryAbort))
		}
	}
	if err != nil {
		tp.err = fmt.Errorf("transaction of %s: %w", tp.p.TransactionalID(tp.part), err)
		err = tp.err
	}
	for _, done := range dones {
		done(err)
	}
}

// close commits the open transaction and closes the client.
func (tp *txnPartition) close() error {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if tp.closed {
		return nil
	}
	if tp.timer != nil {
		tp.timer.Stop()
	}
	var err error
	if tp.cl != nil {
		tp.endLocked()
		err = tp.err
		tp.cl.Close()
	}
	tp.closed = true
	return err
}

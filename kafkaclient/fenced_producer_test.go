package kafkaclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestFencedProducerFencesEarlierOwner: two FencedProducers with the same
// transactional ids stand for an owner of a table partition and the
// instance it is handed to. Once the second is assigned the partition,
// the first one's writes fail as fenced, its open transaction is aborted,
// and a read-committed reader sees the first owner's committed writes and
// the second's, nothing of the fenced ones; CommittedDataEnd is one past
// the last committed data record.
func TestFencedProducerFencesEarlierOwner(t *testing.T) {
	const table = "t-table"
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, table, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := c.ListenAddrs()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	old, err := NewFencedProducer(brokers, table, "g-t-table-", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := old.Assign(ctx, []int32{0}); err != nil {
		t.Fatal(err)
	}
	if err := wait(old.Emit(table, "k", []byte("old-1"))); err != nil {
		t.Fatalf("first owner's write: %v", err)
	}
	if err := wait(old.Emit("out", "k", []byte("plain"))); err != nil {
		t.Fatalf("plain write: %v", err)
	}
	// A write of the first owner left in its open transaction.
	old.interval = time.Hour
	pending := old.Emit(table, "k", []byte("old-open"))

	cur, err := NewFencedProducer(brokers, table, "g-t-table-", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	if err := cur.Assign(ctx, []int32{0}); err != nil {
		t.Fatal(err)
	}
	if err := wait(cur.Emit(table, "k", []byte("new-1"))); err != nil {
		t.Fatalf("new owner's write: %v", err)
	}
	for _, tp := range old.parts {
		tp.commit()
	}
	if err := wait(pending); err == nil {
		t.Fatal("the fenced owner's open transaction committed")
	} else {
		t.Logf("fenced owner's open write: %v", err)
	}
	if err := wait(old.Emit(table, "k", []byte("old-2"))); !isFenced(err) {
		t.Fatalf("the fenced owner's later write: %v, want a fenced error", err)
	}

	var got []string
	cl, err := New(brokers, append([]kgo.Opt{
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{table: {0: kgo.NewOffset().AtStart()}}),
	}, ReadCommittedOpts()...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	end, err := CommittedDataEnd(ctx, brokers, nil, table, 0)
	if err != nil {
		t.Fatal(err)
	}
	last := int64(-1)
	for last+1 < end {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if !r.Attrs.IsControl() {
				got = append(got, string(r.Value))
				last = r.Offset
			}
		})
	}
	if len(got) != 2 || got[0] != "old-1" || got[1] != "new-1" {
		t.Errorf("committed table records %q, want [old-1 new-1]", got)
	}
	t.Logf("committed data end %d", end)
}

func wait(p *goka.Promise) error {
	done := make(chan error, 1)
	p.Then(func(err error) { done <- err })
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		return errors.New("promise not resolved in 30s")
	}
}

func isFenced(err error) bool {
	return errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch) ||
		errors.Is(err, kerr.InvalidProducerIDMapping)
}

// TestFencedProducerOneBatchPerTransaction: a transaction's records reach
// the broker in one produce request of one batch, sent at commit; a
// transaction left open by
// a writer that is then fenced sends nothing, so the embedded broker's
// compaction (which does not stop at the last stable offset) cannot drop a
// key's committed state for a record that is later aborted.
func TestFencedProducerOneBatchPerTransaction(t *testing.T) {
	const table = "t-table"
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CreateTopic(table, 1, map[string]string{"cleanup.policy": "compact"}); err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		requests int
		batches  int
	)
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		pr := req.(*kmsg.ProduceRequest)
		if pr.TransactionID == nil {
			return nil, nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		requests++
		for _, tp := range pr.Topics {
			for _, p := range tp.Partitions {
				var b kmsg.RecordBatch
				for raw := p.Records; len(raw) > 0; batches++ {
					if err := b.ReadFrom(raw); err != nil {
						t.Errorf("batch: %v", err)
						return nil, nil, false
					}
					raw = raw[12+int(b.Length):]
				}
			}
		}
		return nil, nil, false
	})
	brokers := c.ListenAddrs()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	w, err := NewFencedProducer(brokers, table, "g-t-table-", 1)
	if err != nil {
		t.Fatal(err)
	}
	w.interval = time.Hour
	if err := w.Assign(ctx, []int32{0}); err != nil {
		t.Fatal(err)
	}
	// 300 writes of 40 keys: the 256th commits the first transaction.
	var promises []*goka.Promise
	for i := range 300 {
		promises = append(promises, w.Emit(table, fmt.Sprintf("k%02d", i%40), []byte(fmt.Sprintf("v%03d", i))))
	}
	for _, tp := range w.parts {
		tp.commit()
	}
	for i, p := range promises {
		if err := wait(p); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	mu.Lock()
	if requests != 2 || batches != 2 {
		t.Errorf("2 transactions sent in %d produce requests of %d batches, want 2 and 2", requests, batches)
	}
	mu.Unlock()

	// A transaction left open: its writer is fenced before it commits.
	for i := range 40 {
		w.Emit(table, fmt.Sprintf("k%02d", i), []byte("open"))
	}
	c.Compact()
	next, err := NewFencedProducer(brokers, table, "g-t-table-", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if err := next.Assign(ctx, []int32{0}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); !isFenced(err) {
		t.Errorf("the fenced writer's close: %v, want a fenced error", err)
	}
	c.Compact()

	end, err := CommittedDataEnd(ctx, brokers, nil, table, 0)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := New(brokers, append([]kgo.Opt{
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{table: {0: kgo.NewOffset().AtStart()}}),
	}, ReadCommittedOpts()...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[string]string{}
	for seen := int64(-1); seen+1 < end; {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			seen = max(seen, r.Offset)
			if !r.Attrs.IsControl() {
				got[string(r.Key)] = string(r.Value)
			}
		})
	}
	for i := range 40 {
		k := fmt.Sprintf("k%02d", i)
		last := 280 + i // the last of the 300 writes of key i
		if last >= 300 {
			last -= 40
		}
		if want := fmt.Sprintf("v%03d", last); got[k] != want {
			t.Errorf("key %s: %q, want %q", k, got[k], want)
		}
	}
}

package broker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestCompactionDropsEndedTransactionsMarkers: on a compacted topic written
// by one long-lived transactional producer (as streamsgd's fenced table
// writers are), compaction drops the commit markers of transactions whose
// records were all superseded, as Kafka's cleaner does. Upstream kfake kept
// every marker of a producer id that had any record left, so the log start
// stayed at the first marker and each compaction read every marker ever
// written (third_party/kfake/PATCHES.md).
func TestCompactionDropsEndedTransactionsMarkers(t *testing.T) {
	ctx, b := startCompacting(t, "100")
	const topic = "table"
	adm := compactedTopic(ctx, t, b, topic)
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...), kgo.TransactionalID("writer"), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// Each transaction writes the same key once: one data batch, then its
	// marker, two offsets a transaction.
	const txns = 200
	for i := range txns {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		rec := &kgo.Record{Key: []byte("k"), Value: fmt.Appendf(nil, "%d", i)}
		if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
			t.Fatal(err)
		}
	}
	// Only the last transaction has a record left: the log starts at it.
	want := int64(2 * (txns - 1))
	var start int64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		starts, err := kadm.NewClient(adm).ListStartOffsets(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := starts.Lookup(topic, 0)
		if start = o.Offset; start >= want {
			return
		}
	}
	t.Fatalf("log start %d after compaction, want %d (the last transaction's record): the markers of superseded transactions were kept",
		start, want)
}

// TestCompactionWaitsForDirtyRatio: a compacted log is cleaned again only
// once the part written since its last cleaning is the topic's
// min.cleanable.dirty.ratio of it, as Kafka's cleaner does. Upstream kfake
// cleaned every compacted log at every tick, rewriting it whole however
// little had changed (third_party/kfake/PATCHES.md).
func TestCompactionWaitsForDirtyRatio(t *testing.T) {
	ctx, b := startCompacting(t, "50")
	// Uncompressed, so that the log's bytes are the records' sizes below:
	// snappy (franz-go's default) shrank big's zero padding to a few
	// hundred bytes, and when a tick cleaned the log before big came, big
	// no longer made it dirty past the ratio and it was never cleaned.
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...), kgo.DefaultProduceTopic("table"), kgo.ProducerLinger(0),
		kgo.ProducerBatchCompression(kgo.NoCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	compact, ratio := "compact", "0.9"
	cfg := map[string]*string{"cleanup.policy": &compact, "min.cleanable.dirty.ratio": &ratio}
	if _, err := adm.CreateTopic(ctx, 1, 1, cfg, "table"); err != nil {
		t.Fatal(err)
	}
	// Each record is a batch of its own; key k's records supersede each
	// other, key "big" pads the clean part of the log.
	produce := func(key string, from, n, size int) {
		t.Helper()
		for i := from; i < from+n; i++ {
			v := make([]byte, size)
			copy(v, fmt.Sprint(i))
			if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(key), Value: v}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	logStart := func() int64 {
		t.Helper()
		starts, err := adm.ListStartOffsets(ctx, "table")
		if err != nil {
			t.Fatal(err)
		}
		o, _ := starts.Lookup("table", 0)
		return o.Offset
	}
	waitStart := func(want int64) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if logStart() >= want {
				return
			}
		}
		t.Fatalf("log start %d, want %d: the log was not cleaned", logStart(), want)
	}
	// Offsets 0-9: k's; 10: big (10 kB), the active batch. Once cleaned,
	// k's last record (9) and big are left, whenever the ticks fell.
	produce("k", 0, 10, 10)
	produce("big", 0, 1, 10_000)
	waitStart(9)
	// Two more records of k: far less than 90% of the log, which big
	// holds. Offset 9 is superseded but stays for many ticks.
	produce("k", 10, 2, 10)
	time.Sleep(500 * time.Millisecond)
	if got := logStart(); got != 9 {
		t.Fatalf("log start %d after a small write, want 9: a log with 0.9 of it clean was cleaned", got)
	}
	// Writing big again 10 times makes the log dirty past 90%.
	produce("big", 1, 10, 10_000)
	waitStart(10)
}

// TestCompactionKeepsCommittedBelowOpenTransaction: compaction cleans a
// log only below its last stable offset, as Kafka's cleaner does, so a
// record of a transaction still open does not supersede the committed
// record of its key. Upstream kfake cleaned up to the last batch: the
// committed value and its commit marker were removed, and once the open
// transaction was aborted (its writer killed, then fenced) the key had
// no value left, and a reader of the partition up to its stable offset
// waited for ever for the marker (third_party/kfake/PATCHES.md).
func TestCompactionKeepsCommittedBelowOpenTransaction(t *testing.T) {
	ctx, b := startCompacting(t, "50")
	const topic = "table"
	adm := compactedTopic(ctx, t, b, topic)
	writer := func() *kgo.Client {
		cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...), kgo.TransactionalID("writer"), kgo.DefaultProduceTopic(topic))
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	produce := func(cl *kgo.Client, key, value string) {
		t.Helper()
		if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(key), Value: []byte(value)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	// Offset 0: k committed, 1: its marker; 2-4: k and two other keys in
	// a transaction left open, one batch each.
	cl := writer()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produce(cl, "k", "committed")
	if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produce(cl, "k", "open")
	produce(cl, "a", "open")
	produce(cl, "b", "open")
	time.Sleep(500 * time.Millisecond) // ten compaction ticks
	starts, err := kadm.NewClient(adm).ListStartOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := starts.Lookup(topic, 0); o.Offset != 0 {
		t.Errorf("log start %d while the transaction from offset 2 is open, want 0: committed records were cleaned", o.Offset)
	}
	// The writer dies; its successor fences it, which aborts the open
	// transaction.
	cl.Close()
	successor := writer()
	defer successor.Close()
	if err := successor.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produce(successor, "c", "new")
	if err := successor.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	rd, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	got := map[string]string{}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for len(got) < 2 && rctx.Err() == nil {
		rd.PollFetches(rctx).EachRecord(func(r *kgo.Record) { got[string(r.Key)] = string(r.Value) })
	}
	if got["k"] != "committed" || got["c"] != "new" || len(got) != 2 {
		t.Errorf("read committed %v, want k=committed and c=new", got)
	}
}

// compactedTopic creates topic, one partition, compacted, and returns the
// admin client it used (closed with the test).
func compactedTopic(ctx context.Context, t *testing.T, b *Broker, topic string) *kgo.Client {
	t.Helper()
	adm, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(adm.Close)
	compact := "compact"
	if _, err := kadm.NewClient(adm).CreateTopic(ctx, 1, 1, map[string]*string{"cleanup.policy": &compact}, topic); err != nil {
		t.Fatal(err)
	}
	return adm
}

// startCompacting starts a broker that compacts every interval
// milliseconds, closed with the test, and a context of a minute.
func startCompacting(t *testing.T, interval string) (context.Context, *Broker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	b, err := Start(Options{CompactionInterval: interval})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return ctx, b
}

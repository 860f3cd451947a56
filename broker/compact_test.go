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
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := Start(Options{CompactionInterval: "100"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	adm, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	const topic = "table"
	compact := "compact"
	if _, err := kadm.NewClient(adm).CreateTopic(ctx, 1, 1, map[string]*string{"cleanup.policy": &compact}, topic); err != nil {
		t.Fatal(err)
	}
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

package broker

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestFetchReadCommittedSkipsAbortedWhenFull: a read_committed consumer
// never sees an aborted transaction's records, also when a fetch response
// fills up in the partition that holds them. Upstream kfake left the
// partition's list of aborted transactions out of a response it found full
// (third_party/kfake/PATCHES.md), so a consumer whose fetches hold one
// batch at a time took aborted records for committed ones. Run on the
// in-memory broker and on one with a data directory: the two read their
// segments differently.
func TestFetchReadCommittedSkipsAbortedWhenFull(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  bool
	}{{"in memory", false}, {"data dir", true}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			o := Options{}
			if tc.dir {
				o.DataDir = t.TempDir()
			}
			b, err := Start(o)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			const topic = "txns"
			adm, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...))
			if err != nil {
				t.Fatal(err)
			}
			defer adm.Close()
			if _, err := kadm.NewClient(adm).CreateTopic(ctx, 1, 1, nil, topic); err != nil {
				t.Fatal(err)
			}
			cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...), kgo.TransactionalID("writer"),
				kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(0))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			// Transactions of one record each (one batch, then a marker),
			// every third aborted.
			var want []string
			for i := range 30 {
				if err := cl.BeginTransaction(); err != nil {
					t.Fatal(err)
				}
				v := fmt.Sprintf("r%d", i)
				if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
					t.Fatal(err)
				}
				commit := kgo.TryCommit
				if i%3 == 1 {
					commit = kgo.TryAbort
				} else {
					want = append(want, v)
				}
				if err := cl.EndTransaction(ctx, commit); err != nil {
					t.Fatal(err)
				}
			}
			// One batch a response: the response is full in the partition
			// from its second batch on.
			rd, err := kgo.NewClient(kgo.SeedBrokers(b.Addrs()...), kgo.ConsumeTopics(topic),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
				kgo.FetchMaxBytes(1), kgo.FetchMaxPartitionBytes(1))
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			var got []string
			for len(got) < len(want) {
				fs := rd.PollFetches(ctx)
				if err := fs.Err0(); err != nil {
					t.Fatalf("after %v: %v", got, err)
				}
				fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
			}
			if !slices.Equal(got, want) {
				t.Fatalf("read committed %v, want %v", got, want)
			}
		})
	}
}

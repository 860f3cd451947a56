package operations

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/broker"
	"github.com/streamsgd/streamsgd/kafkaclient"
)

// TestScanTableEnds: ScanTable reads a fenced table's partition to its
// stable offset whatever the partition ends in, table-driven over its
// transactions: committed, aborted, aborted only, and an aborted one
// followed by one still open, on a broker that compacts every 50 ms.
// There compaction removes the aborted transaction and its marker, the
// record before the stable offset (the open transaction's first); the
// scan waited for that record and, before it asked the log for its last
// committed record, never returned while the transaction stayed open.
func TestScanTableEnds(t *testing.T) {
	b, err := broker.Start(broker.Options{CompactionInterval: "50"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	type txn struct {
		values string // one record per letter
		end    string // commit, abort or open
	}
	for i, tc := range []struct {
		name string
		txns []txn
		want []string
	}{
		{"committed", []txn{{"ab", "commit"}}, []string{"a", "b"}},
		{"then aborted", []txn{{"ab", "commit"}, {"xy", "abort"}}, []string{"a", "b"}},
		{"aborted only", []txn{{"x", "abort"}}, nil},
		{"committed after aborted", []txn{{"x", "abort"}, {"a", "commit"}}, []string{"a"}},
		{"aborted then open", []txn{{"a", "commit"}, {"x", "abort"}, {"o", "open"}}, []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			topic := fmt.Sprintf("scan-%d", i)
			cl, err := kafkaclient.NewClient(b.Addrs(), kgo.TransactionalID(topic), kgo.DefaultProduceTopic(topic))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			if _, err := createTopic(ctx, kadm.NewClient(cl), topic, 1, 1, stringPtrs(TableTopicConfig())); err != nil {
				t.Fatal(err)
			}
			for _, x := range tc.txns {
				if err := cl.BeginTransaction(); err != nil {
					t.Fatal(err)
				}
				for _, v := range x.values {
					if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte{byte(v)}, Value: []byte{byte(v)}}).FirstErr(); err != nil {
						t.Fatal(err)
					}
				}
				if x.end != "open" {
					if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(x.end == "commit")); err != nil {
						t.Fatal(err)
					}
				}
			}
			time.Sleep(300 * time.Millisecond) // compacted
			var got []string
			err = ScanTable(ctx, b.Addrs(), nil, topic, func(r *kgo.Record) error {
				got = append(got, string(r.Value))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("scanned %q, want %q", got, tc.want)
			}
		})
	}
}

package kafkaclient

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestCommittedDataEnd: the end of a partition's committed data, table-
// driven over what follows the last committed record: nothing, an aborted
// transaction, a plain (non-transactional) record, a committed
// transaction, and an empty partition.
func TestCommittedDataEnd(t *testing.T) {
	type step struct {
		values []string
		commit bool // false: abort; ignored when plain
		plain  bool
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  int64
	}{
		{"empty", nil, 0},
		{"committed", []step{{values: []string{"a", "b"}, commit: true}}, 2},                                                                     // a b C
		{"then aborted", []step{{values: []string{"a"}, commit: true}, {values: []string{"x", "y"}}}, 1},                                         // a C x y A
		{"plain after aborted", []step{{values: []string{"a"}, commit: true}, {values: []string{"x"}}, {values: []string{"p"}, plain: true}}, 5}, // a C x A p
		{"aborted only", []step{{values: []string{"x"}}}, 0},
		{"committed after aborted", []step{{values: []string{"x"}}, {values: []string{"a"}, commit: true}}, 3}, // x A a C
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			txn, err := NewClient(c.ListenAddrs(), kgo.TransactionalID("tx"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
			if err != nil {
				t.Fatal(err)
			}
			defer txn.Close()
			plain, err := NewClient(c.ListenAddrs(), kgo.RecordPartitioner(kgo.ManualPartitioner()))
			if err != nil {
				t.Fatal(err)
			}
			defer plain.Close()
			for _, s := range tc.steps {
				if s.plain {
					for _, v := range s.values {
						if err := plain.ProduceSync(ctx, &kgo.Record{Topic: "t", Key: []byte("k"), Value: []byte(v)}).FirstErr(); err != nil {
							t.Fatal(err)
						}
					}
					continue
				}
				if err := txn.BeginTransaction(); err != nil {
					t.Fatal(err)
				}
				for _, v := range s.values {
					if err := txn.ProduceSync(ctx, &kgo.Record{Topic: "t", Key: []byte("k"), Value: []byte(v)}).FirstErr(); err != nil {
						t.Fatal(err)
					}
				}
				if err := txn.EndTransaction(ctx, kgo.TransactionEndTry(s.commit)); err != nil {
					t.Fatal(err)
				}
			}
			got, err := CommittedDataEnd(ctx, c.ListenAddrs(), nil, "t", 0)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("CommittedDataEnd = %d, want %d", got, tc.want)
			}
		})
	}
}

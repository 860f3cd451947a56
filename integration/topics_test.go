package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

// produceSync writes records (in order, partitioned like goka) and returns
// them with the partition and offset each one got.
func produceSync(t *testing.T, brokers []string, recs []*kgo.Record) []*kgo.Record {
	t.Helper()
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	return recs
}

// recordID is the prediction id of row index of a produced record.
func recordID(r *kgo.Record, index int32) string {
	return processors.PredictionID(r.Topic, r.Partition, r.Offset, index)
}

// consume reads topic from its start until want records were read or the
// deadline passed, failing the test at once if an instance failed.
func consume(t *testing.T, brokers []string, topic goka.Stream, want int, deadline time.Duration, ins ...*instance) []*kgo.Record {
	t.Helper()
	return consumeUntil(t, brokers, topic, deadline, func(recs []*kgo.Record) bool { return len(recs) >= want }, ins...)
}

// consumeUntil reads topic from its start until done says the records read
// so far are enough or the deadline passed, failing the test at once if an
// instance failed.
func consumeUntil(t *testing.T, brokers []string, topic goka.Stream, deadline time.Duration, done func([]*kgo.Record) bool, ins ...*instance) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(string(topic)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []*kgo.Record
	end := time.Now().Add(deadline)
	for !done(out) && time.Now().Before(end) {
		for _, in := range ins {
			if in.failed() {
				t.FailNow()
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		out = append(out, fs.Records()...)
	}
	return out
}

// topicSize is the number of records topic holds: the sum over its
// partitions of end minus start offset.
func topicSize(t *testing.T, brokers []string, topic goka.Stream) int64 {
	t.Helper()
	adm := admin(t, brokers)
	ctx := context.Background()
	starts, err := adm.ListStartOffsets(ctx, string(topic))
	if err != nil {
		t.Fatal(err)
	}
	ends, err := adm.ListEndOffsets(ctx, string(topic))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) {
		s, _ := starts.Lookup(o.Topic, o.Partition)
		n += o.Offset - s.Offset
	})
	return n
}

// decodeAll decodes record values with a goka codec.
func decodeAll[T any](t *testing.T, c goka.Codec, recs []*kgo.Record) []*T {
	t.Helper()
	out := make([]*T, 0, len(recs))
	for _, r := range recs {
		v, err := c.Decode(r.Value)
		if err != nil {
			t.Fatalf("decode %s/%d@%d: %v", r.Topic, r.Partition, r.Offset, err)
		}
		out = append(out, v.(*T))
	}
	return out
}

// waitState reads the learn table until the state of key satisfies ok or
// the deadline passed, and returns the last state read (nil if none).
func waitState(t *testing.T, brokers []string, p *topology.Pipeline, key string, deadline time.Duration, ok func(*table.ModelState) bool) *table.ModelState {
	t.Helper()
	end := time.Now().Add(deadline)
	for {
		st := tableStates(t, brokers, p)[key]
		if (st != nil && ok(st)) || time.Now().After(end) {
			return st
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// pipeline parses a YAML config (file names it, for relative paths),
// builds the pipeline and creates its topics.
func pipeline(t *testing.T, brokers []string, file, yaml string) *topology.Pipeline {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml), file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := operations.EnsureTopics(context.Background(), admin(t, brokers), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// inputTopic creates a fresh input topic.
func inputTopic(t *testing.T, brokers []string, name string, partitions int32) string {
	t.Helper()
	topic := unique(name)
	if err := operations.CreateTopic(context.Background(), admin(t, brokers), topic, partitions, 1); err != nil {
		t.Fatal(err)
	}
	return topic
}

// checkOnce fails the test unless every id of want was seen exactly once
// and nothing else was seen.
func checkOnce(t *testing.T, what string, seen map[string]int, want map[string]bool) {
	t.Helper()
	var missing, extra, dup []string
	for id := range want {
		switch c := seen[id]; {
		case c == 0:
			missing = append(missing, id)
		case c > 1:
			dup = append(dup, fmt.Sprintf("%s×%d", id, c))
		}
	}
	for id := range seen {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	if len(missing)+len(extra)+len(dup) > 0 {
		t.Errorf("%s: %d rows expected, %d seen; missing %d %v, unexpected %d %v, repeated %d %v", what,
			len(want), len(seen), len(missing), head(missing), len(extra), head(extra), len(dup), head(dup))
	}
}

func head(s []string) []string { return s[:min(len(s), 5)] }

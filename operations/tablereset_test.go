package operations

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/broker"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/topology"
)

// TestResettingConsumer: a reader of a compacted topic with one hot key
// that lags behind while the embedded broker compacts reads on to the
// key's latest record through resettingConsumerBuilder, where a plain
// sarama partition consumer may fail with OffsetOutOfRange.
func TestResettingConsumer(t *testing.T) {
	b, err := broker.Start(broker.Options{CompactionInterval: "100"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	brokers := b.Addrs()
	ctx := context.Background()
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const topic = "hot-table"
	if _, err := createTopic(ctx, kadm.NewClient(cl), topic, 1, 1, stringPtrs(TableTopicConfig())); err != nil {
		t.Fatal(err)
	}
	cfg := kafkaclient.SaramaConfig(nil, "test")
	cfg.ChannelBufferSize = 8
	// read consumes the topic slowly (2 ms a record) while the key is
	// written every millisecond and compacted every 100 ms, until it has
	// seen the last value written.
	read := func(build goka.SaramaConsumerBuilder, run int) (seen int, err error) {
		c, err := build(brokers, "test")
		if err != nil {
			return 0, err
		}
		defer c.Close()
		pc, err := c.ConsumePartition(topic, 0, sarama.OffsetOldest)
		if err != nil {
			return 0, err
		}
		defer pc.AsyncClose()
		last := fmt.Sprintf("%d-last", run)
		go func() {
			for i := range 500 {
				cl.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte("k"), Value: fmt.Appendf(nil, "%d-%d", run, i)}, nil)
				time.Sleep(time.Millisecond)
			}
			cl.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte("k"), Value: []byte(last)}, nil)
		}()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case m := <-pc.Messages():
				seen++
				if string(m.Value) == last {
					return seen, nil
				}
				time.Sleep(2 * time.Millisecond)
			case e := <-pc.Errors():
				return seen, e
			case <-deadline:
				return seen, fmt.Errorf("no record %q after 20 s", last)
			}
		}
	}
	seen, err := read(resettingConsumerBuilder(goka.SaramaConsumerBuilderWithConfig(cfg), topic), 0)
	if err != nil {
		t.Errorf("resetting consumer: %v", err)
	}
	t.Logf("resetting consumer: read %d of 501 records to the last one", seen)
	// What it guards against (kfake's behaviour, not asserted).
	seen, err = read(goka.SaramaConsumerBuilderWithConfig(cfg), 1)
	t.Logf("plain sarama consumer: read %d records, error %v (OffsetOutOfRange: %t)", seen, err, errors.Is(err, sarama.ErrOffsetOutOfRange))
}

// TestTableReadersReset: every processor reads every table of the
// pipeline (the learn table's recovery after its local store was wiped
// included; it failed with "offset outside the range" when compaction
// moved the log start during a recovery) through the resetting consumer,
// and its input streams through plain sarama consumers.
func TestTableReadersReset(t *testing.T) {
	b, err := broker.Start(broker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := config.Parse([]byte(compareYAML), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(c)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kafkaclient.NewClient(b.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	tables := []goka.Table{p.Topics.LearnTable, p.Topics.MergeTable, p.Topics.CheckpointTable}
	topics := append([]string{string(p.Topics.Examples)}, func() []string {
		var s []string
		for _, tb := range tables {
			s = append(s, string(tb))
		}
		return s
	}()...)
	for _, topic := range topics {
		if _, err := createTopic(ctx, kadm.NewClient(cl), topic, 1, 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	consumer, err := saramaConsumerBuilder(p, kafkaclient.SaramaConfig(nil, "test"))(b.Addrs(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	for _, topic := range topics {
		pc, err := consumer.ConsumePartition(topic, 0, sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		_, resets := pc.(*resettingPartition)
		if want := topic != string(p.Topics.Examples); resets != want {
			t.Errorf("%s: resetting reader %v, want %v", topic, resets, want)
		}
		pc.AsyncClose()
	}
}

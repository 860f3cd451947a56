package operations

import (
	"errors"
	"sync"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

// resettingConsumerBuilder wraps a goka sarama consumer builder so that
// partition consumers of the given table topics survive OffsetOutOfRange:
// they start again from the partition's oldest offset instead of failing.
//
// Why: goka reads tables (recovery, and lookup views for as long as the
// processor runs) with plain sarama partition consumers, which shut down on
// OffsetOutOfRange, and a processor's lookup views do not reconnect. On
// Apache Kafka compaction never moves a partition's log start offset and
// never cleans the active segment, so a reader that lags does not see the
// error. The embedded broker (kfake) compacts every batch but the last and
// moves the log start offset to the first batch it keeps: a reader a few
// records behind the head of a hot key (the merge table, written on every
// shard state) gets OffsetOutOfRange at the next compaction, every 5 s.
// Starting again from the oldest offset is what a fetch past compacted
// records does on Kafka, and what goka itself does when a stored offset is
// below the oldest: the records before the log start offset were all
// superseded by later records of the same keys, which the reader then reads.
func resettingConsumerBuilder(inner goka.SaramaConsumerBuilder, topics ...string) goka.SaramaConsumerBuilder {
	set := make(map[string]bool, len(topics))
	for _, t := range topics {
		set[t] = true
	}
	return func(brokers []string, clientID string) (sarama.Consumer, error) {
		c, err := inner(brokers, clientID)
		if err != nil {
			return nil, err
		}
		return &resettingConsumer{Consumer: c, topics: set}, nil
	}
}

// resettingConsumer is a sarama.Consumer whose partition consumers of
// topics reset to the oldest offset on OffsetOutOfRange.
type resettingConsumer struct {
	sarama.Consumer
	topics map[string]bool
}

// ConsumePartition implements sarama.Consumer.
func (c *resettingConsumer) ConsumePartition(topic string, partition int32, offset int64) (sarama.PartitionConsumer, error) {
	if !c.topics[topic] {
		return c.Consumer.ConsumePartition(topic, partition, offset)
	}
	pc, err := c.Consumer.ConsumePartition(topic, partition, offset)
	if errors.Is(err, sarama.ErrOffsetOutOfRange) {
		// Compacted between the caller's choice of offset and now.
		pc, err = c.Consumer.ConsumePartition(topic, partition, sarama.OffsetOldest)
	}
	if err != nil {
		return nil, err
	}
	p := &resettingPartition{
		consumer: c.Consumer, topic: topic, partition: partition, inner: pc,
		msgs: make(chan *sarama.ConsumerMessage, 256), errs: make(chan *sarama.ConsumerError, 16),
		closing: make(chan struct{}), done: make(chan struct{}),
	}
	go p.run()
	return p, nil
}

// resettingPartition forwards the messages and errors of an inner
// partition consumer, replacing it by one from the oldest offset when it
// fails with OffsetOutOfRange.
type resettingPartition struct {
	consumer  sarama.Consumer
	topic     string
	partition int32

	mu    sync.Mutex
	inner sarama.PartitionConsumer

	msgs      chan *sarama.ConsumerMessage
	errs      chan *sarama.ConsumerError
	closing   chan struct{}
	closeOnce sync.Once
	done      chan struct{}
}

func (p *resettingPartition) current() sarama.PartitionConsumer {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inner
}

// run forwards until the consumer is closed or its inner consumer ends.
func (p *resettingPartition) run() {
	defer close(p.done)
	defer close(p.msgs)
	defer close(p.errs)
	for {
		in := p.current()
		msgs, errs := in.Messages(), in.Errors()
		for msgs != nil || errs != nil {
			select {
			case m, ok := <-msgs:
				if !ok {
					msgs = nil
					continue
				}
				select {
				case p.msgs <- m:
				case <-p.closing:
					p.stop(in)
					return
				}
			case e, ok := <-errs:
				if !ok {
					errs = nil
					continue
				}
				if errors.Is(e, sarama.ErrOffsetOutOfRange) && p.reset(in, e) {
					msgs, errs = nil, nil // go on with the new inner consumer
					continue
				}
				select {
				case p.errs <- e:
				case <-p.closing:
					p.stop(in)
					return
				}
			case <-p.closing:
				p.stop(in)
				return
			}
		}
		if p.current() == in { // the inner consumer ended by itself
			return
		}
	}
}

// reset replaces a failed inner consumer by one from the oldest offset;
// false (with the error passed on) if that fails.
func (p *resettingPartition) reset(in sarama.PartitionConsumer, cause *sarama.ConsumerError) bool {
	_ = in.Close() // it shut down; Close drains it (the records it held were all superseded)
	next, err := p.consumer.ConsumePartition(p.topic, p.partition, sarama.OffsetOldest)
	if err != nil {
		for _, e := range []*sarama.ConsumerError{cause, {Topic: p.topic, Partition: p.partition, Err: err}} {
			select {
			case p.errs <- e:
			case <-p.closing:
			}
		}
		return false
	}
	p.mu.Lock()
	p.inner = next
	p.mu.Unlock()
	return true
}

func (p *resettingPartition) stop(in sarama.PartitionConsumer) {
	_ = in.Close() // the caller is closing: its errors no longer matter
}

// AsyncClose implements sarama.PartitionConsumer.
func (p *resettingPartition) AsyncClose() {
	p.closeOnce.Do(func() { close(p.closing) })
}

// Close implements sarama.PartitionConsumer: it closes, drains the messages
// and returns the errors not yet read.
func (p *resettingPartition) Close() error {
	p.AsyncClose()
	go func() {
		for range p.msgs {
		}
	}()
	var errs sarama.ConsumerErrors
	for e := range p.errs {
		errs = append(errs, e)
	}
	<-p.done
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Messages implements sarama.PartitionConsumer.
func (p *resettingPartition) Messages() <-chan *sarama.ConsumerMessage { return p.msgs }

// Errors implements sarama.PartitionConsumer.
func (p *resettingPartition) Errors() <-chan *sarama.ConsumerError { return p.errs }

// HighWaterMarkOffset implements sarama.PartitionConsumer.
func (p *resettingPartition) HighWaterMarkOffset() int64 { return p.current().HighWaterMarkOffset() }

// Pause implements sarama.PartitionConsumer.
func (p *resettingPartition) Pause() { p.current().Pause() }

// Resume implements sarama.PartitionConsumer.
func (p *resettingPartition) Resume() { p.current().Resume() }

// IsPaused implements sarama.PartitionConsumer.
func (p *resettingPartition) IsPaused() bool { return p.current().IsPaused() }

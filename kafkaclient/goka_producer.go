package kafkaclient

import (
	"context"
	"fmt"
	"hash"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// GokaProducer is a goka.Producer over franz-go: goka's emits and table
// writes go through one kgo.Client (idempotent, per-partition order kept,
// keys partitioned like goka). It replaces sarama's async producer, whose
// per-message cost dominates a processor that emits for every input.
type GokaProducer struct {
	cl *kgo.Client
}

// GokaProducerBuilder returns a goka.ProducerBuilder building GokaProducers
// with the given extra client options (TLS, SASL, ...).
func GokaProducerBuilder(extra ...kgo.Opt) goka.ProducerBuilder {
	return func(brokers []string, clientID string, _ func() hash.Hash32) (goka.Producer, error) {
		opts := append([]kgo.Opt{kgo.ClientID(clientID), kgo.ProducerLinger(0)}, extra...)
		cl, err := NewClient(brokers, opts...)
		if err != nil {
			return nil, fmt.Errorf("kafkaclient: goka producer: %w", err)
		}
		return &GokaProducer{cl: cl}, nil
	}
}

// Emit implements goka.Producer.
func (p *GokaProducer) Emit(topic string, key string, value []byte) *goka.Promise {
	return p.EmitWithHeaders(topic, key, value, nil)
}

// EmitWithHeaders implements goka.Producer.
func (p *GokaProducer) EmitWithHeaders(topic string, key string, value []byte, headers goka.Headers) *goka.Promise {
	promise, finish := goka.NewPromiseWithFinisher()
	r := &kgo.Record{Topic: topic, Key: []byte(key), Value: value}
	for k, v := range headers {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: k, Value: v})
	}
	p.cl.Produce(context.Background(), r, func(_ *kgo.Record, err error) {
		if err != nil {
			err = fmt.Errorf("kafkaclient: %s key %q: %w", topic, key, err)
		}
		finish(nil, err)
	})
	return promise
}

// Close flushes what is buffered and closes the client.
func (p *GokaProducer) Close() error {
	err := p.cl.Flush(context.Background())
	p.cl.Close()
	if err != nil {
		return fmt.Errorf("kafkaclient: goka producer: flush: %w", err)
	}
	return nil
}

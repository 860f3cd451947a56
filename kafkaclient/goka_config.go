package kafkaclient

import (
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// SaramaConfig is the client config streamsgd's processors use: goka's
// defaults with the oldest offset for a new group, protocol 3.0, the
// default GroupTiming (short sessions, a read timeout above the rebalance
// timeout), read committed, and a producer tuned for throughput that keeps per-partition
// order.
func SaramaConfig(base *sarama.Config, clientID string) *sarama.Config {
	cfg := goka.DefaultConfig()
	if base != nil {
		c := *base
		cfg = &c
	}
	cfg.ClientID = clientID
	cfg.Version = sarama.V3_0_0_0
	cfg.Consumer.Return.Errors = true
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Group.Rebalance.Strategy = goka.CopartitioningStrategy
	cfg.Consumer.MaxProcessingTime = time.Second
	// The learn and merge tables are written in transactions
	// (FencedProducer): their readers (goka's recovery, lookups, the
	// checkpoint group) must not see a fenced writer's aborted records.
	cfg.Consumer.IsolationLevel = sarama.ReadCommitted
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	cfg.Producer.RequiredAcks = sarama.WaitForLocal
	cfg.Producer.Compression = sarama.CompressionNone
	cfg.Producer.Flush.Bytes = 1 << 20
	cfg.Producer.Flush.Frequency = 5 * time.Millisecond
	cfg.Producer.Retry.Max = 10
	cfg.ChannelBufferSize = 4096
	// Up to 5 requests in flight per broker (sarama's default). The
	// processors produce with franz-go (GokaProducerBuilder), whose
	// idempotent producer keeps a partition's records in order across
	// retries; sarama's producer, used only with --sarama-producer for
	// comparison, is not idempotent, so a retried batch could overtake a
	// later one there.
	cfg.Net.MaxOpenRequests = 5
	GroupTiming{}.Apply(cfg)
	return cfg
}

// Clients are the client configs of one process, resolved once from a
// Security: Sarama is the base config (security applied) that SaramaConfig
// copies and tunes for each goka processor, emitter and topic manager; Kgo
// the franz-go options (NewClient, New, GokaProducerBuilder).
type Clients struct {
	Sarama *sarama.Config
	Kgo    []kgo.Opt
}

// Clients resolves s for both client stacks over base (goka's default
// config when nil; base is never modified).
func (s Security) Clients(base *sarama.Config) (Clients, error) {
	if base == nil {
		base = goka.DefaultConfig()
	}
	sc, err := s.Sarama(base)
	if err != nil {
		return Clients{}, err
	}
	ko, err := s.Kgo()
	if err != nil {
		return Clients{}, err
	}
	return Clients{Sarama: sc, Kgo: ko}, nil
}

package operations

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

// fallbackMaxMessageBytes is the size limit assumed when the broker tells
// neither a topic's max.message.bytes nor its own message.max.bytes:
// Kafka's default.
const fallbackMaxMessageBytes = 1<<20 + 12

// ReadRouteLimits reads the max.message.bytes of <p>.examples,
// <p>.predictions and <p>.deadletter, the smaller of the learn and merge
// tables', and the smallest of the deployments' outputs (kadm
// DescribeTopicConfigs; for a topic that does not tell it, the broker's
// message.max.bytes, then 1 MiB), caps each at what the producer sends
// (kafkaclient.ProducerBatchMaxBytes) and keeps processors.RecordOverhead
// free.
func ReadRouteLimits(ctx context.Context, adm *kadm.Client, t topology.Topics) (processors.Limits, error) {
	topics := []string{string(t.Examples), string(t.Predictions), string(t.DeadLetter), string(t.LearnTable), string(t.MergeTable)}
	for _, o := range t.ScoreOutputs {
		topics = append(topics, string(o))
	}
	got := map[string]int{}
	rcs, err := adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil {
		return processors.Limits{}, fmt.Errorf("operations: describe configs of %v: %w", topics, err)
	}
	for _, rc := range rcs {
		if rc.Err != nil {
			continue
		}
		for _, c := range rc.Configs {
			if n, ok := configInt(c, "max.message.bytes"); ok {
				got[rc.Name] = n
			}
		}
	}
	broker := fallbackMaxMessageBytes
	if len(got) < len(slices.Compact(slices.Sorted(slices.Values(topics)))) {
		broker = brokerMaxMessageBytes(ctx, adm)
	}
	limit := func(topic string) int {
		n, ok := got[topic]
		if !ok {
			n = broker
		}
		return min(n, kafkaclient.ProducerBatchMaxBytes) - processors.RecordOverhead
	}
	l := processors.Limits{
		ExamplesMaxBytes:    limit(topics[0]),
		PredictionsMaxBytes: limit(topics[1]),
		DeadLetterMaxBytes:  limit(topics[2]),
		StateMaxBytes:       min(limit(topics[3]), limit(topics[4])),
	}
	for _, o := range topics[5:] {
		if n := limit(o); l.ScoresMaxBytes == 0 || n < l.ScoresMaxBytes {
			l.ScoresMaxBytes = n
		}
	}
	return l, nil
}

// brokerMaxMessageBytes is the cluster's message.max.bytes, or Kafka's
// default when the broker does not tell it.
func brokerMaxMessageBytes(ctx context.Context, adm *kadm.Client) int {
	rcs, err := adm.DescribeBrokerConfigs(ctx)
	if err != nil {
		return fallbackMaxMessageBytes
	}
	for _, rc := range rcs {
		for _, c := range rc.Configs {
			if n, ok := configInt(c, "message.max.bytes"); ok {
				return n
			}
		}
	}
	return fallbackMaxMessageBytes
}

func configInt(c kadm.Config, key string) (int, bool) {
	if c.Key != key || c.Value == nil {
		return 0, false
	}
	n, err := strconv.Atoi(*c.Value)
	return n, err == nil && n > 0
}

// CheckStateSizes refuses a model whose state does not fit in a record of
// the learn table (maxBytes, Limits.StateMaxBytes): a fresh state's
// encoding, and with a drift background learner a second learner's. Learn
// would fail on its first table write (MESSAGE_TOO_LARGE) and restart for
// ever: 30,000 features of a binary model take 1.2 MB.
func CheckStateSizes(p *topology.Pipeline, maxBytes int) error {
	for i, spec := range p.Models {
		n, err := processors.EncodedStateSize(spec, spec.Name)
		if err != nil {
			return fmt.Errorf("operations: model %s: encode a state: %w", spec.Name, err)
		}
		if spec.Drift.Background.Enabled {
			m, err := model.New(spec.Model)
			if err != nil {
				return fmt.Errorf("operations: model %s: %w", spec.Name, err)
			}
			lb, err := m.MarshalBinary()
			if err != nil {
				return fmt.Errorf("operations: model %s: encode a learner: %w", spec.Name, err)
			}
			n += len(lb)
		}
		if n > maxBytes {
			return &config.FieldError{File: p.Config.File, Field: fmt.Sprintf("models[%d]", i),
				Msg: fmt.Sprintf("model %s: a state of its %d features takes %d bytes, more than a record of %s may (%d bytes: max.message.bytes less %d): use fewer features, or raise the topic's max.message.bytes",
					spec.Name, spec.Model.Features, n, p.Topics.LearnTable, maxBytes, processors.RecordOverhead)}
		}
	}
	return nil
}

package kafkaclient

import (
	"context"
	"sort"
	"sync"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
)

// OrderedCommits wraps a goka consumer group builder so that a partition's
// offset is committed only up to its oldest message still in flight.
//
// goka marks a message's offset once all its emits are acknowledged, and
// the emits of different messages complete in any order (they go to
// different partitions, on different brokers, and a message with no emit
// completes at once). sarama keeps the highest offset marked, so a later
// message that completes first commits past an earlier one whose emits
// are still in flight; killed then, the earlier message is never
// delivered again and what it emitted but was not written is lost. Here
// each claim's delivered offsets are tracked in order and a mark moves the
// committed offset only past the messages that have all completed, as
// Kafka Streams and Kafka Connect do.
func OrderedCommits(build goka.ConsumerGroupBuilder, opts ...OrderedOption) goka.ConsumerGroupBuilder {
	var o orderedOptions
	for _, opt := range opts {
		opt(&o)
	}
	return func(brokers []string, group, clientID string) (sarama.ConsumerGroup, error) {
		g, err := build(brokers, group, clientID)
		if err != nil {
			return nil, err
		}
		return orderedGroup{g, o}, nil
	}
}

// OrderedOption tunes OrderedCommits.
type OrderedOption func(*orderedOptions)

type orderedOptions struct {
	sessionMarksOnly bool
}

// SessionMarksOnly drops the marks made once the session has ended (a
// rebalance, or the processor's stop): their messages are delivered again,
// to whichever instance owns the partition next, instead of committed.
// For a group whose callbacks hold a message's commit (goka's DeferCommit)
// until some later event, and release it when the partition stops: what
// it held is then read again rather than committed without that event.
// Every message of such a group must be safe to process twice.
func SessionMarksOnly() OrderedOption {
	return func(o *orderedOptions) { o.sessionMarksOnly = true }
}

type orderedGroup struct {
	sarama.ConsumerGroup
	opts orderedOptions
}

// Consume implements sarama.ConsumerGroup.
func (g orderedGroup) Consume(ctx context.Context, topics []string, h sarama.ConsumerGroupHandler) error {
	return g.ConsumerGroup.Consume(ctx, topics, &orderedHandler{h: h, opts: g.opts})
}

// orderedHandler hands the handler an orderedSession and claims whose
// messages it tracks. One per Consume call, that is per session: sarama
// calls Setup before any ConsumeClaim.
type orderedHandler struct {
	h    sarama.ConsumerGroupHandler
	opts orderedOptions
	s    *orderedSession
}

func (o *orderedHandler) Setup(s sarama.ConsumerGroupSession) error {
	o.s = &orderedSession{ConsumerGroupSession: s, parts: map[topicPartition]*inFlight{}, marksOnly: o.opts.sessionMarksOnly}
	return o.h.Setup(o.s)
}

func (o *orderedHandler) Cleanup(sarama.ConsumerGroupSession) error { return o.h.Cleanup(o.s) }

func (o *orderedHandler) ConsumeClaim(_ sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	f := o.s.part(c.Topic(), c.Partition())
	out := make(chan *sarama.ConsumerMessage, cap(c.Messages()))
	ctx := o.s.Context()
	go func() {
		defer close(out)
		for m := range c.Messages() {
			f.delivered(m.Offset)
			select {
			case out <- m:
			case <-ctx.Done():
				return // sarama drains the claim's channel itself
			}
		}
	}()
	return o.h.ConsumeClaim(o.s, trackedClaim{ConsumerGroupClaim: c, messages: out})
}

type trackedClaim struct {
	sarama.ConsumerGroupClaim
	messages chan *sarama.ConsumerMessage
}

func (c trackedClaim) Messages() <-chan *sarama.ConsumerMessage { return c.messages }

type topicPartition struct {
	topic string
	part  int32
}

// orderedSession passes a mark on to sarama only up to the oldest
// delivered message not marked yet.
type orderedSession struct {
	sarama.ConsumerGroupSession
	mu        sync.Mutex
	parts     map[topicPartition]*inFlight
	marksOnly bool // SessionMarksOnly
}

func (s *orderedSession) part(topic string, part int32) *inFlight {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := topicPartition{topic, part}
	f := s.parts[k]
	if f == nil {
		f = &inFlight{}
		s.parts[k] = f
	}
	return f
}

// MarkOffset implements sarama.ConsumerGroupSession: offset is the next
// offset to consume after a message (its offset + 1), as goka marks it.
func (s *orderedSession) MarkOffset(topic string, part int32, offset int64, metadata string) {
	if s.marksOnly && s.Context().Err() != nil {
		return // SessionMarksOnly: the session ended
	}
	if next, ok := s.part(topic, part).completed(offset - 1); ok {
		s.ConsumerGroupSession.MarkOffset(topic, part, next, metadata)
	}
}

// MarkMessage implements sarama.ConsumerGroupSession.
func (s *orderedSession) MarkMessage(m *sarama.ConsumerMessage, metadata string) {
	s.MarkOffset(m.Topic, m.Partition, m.Offset+1, metadata)
}

// inFlight are the offsets of one claim's messages that were delivered and
// have not completed, in order, with those that completed out of order:
// offsets[head:] and done[head:].
type inFlight struct {
	mu      sync.Mutex
	offsets []int64 // ascending
	done    []bool
	head    int
}

// delivered records a message handed to the processor. Offsets arrive in
// order.
func (f *inFlight) delivered(offset int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.head > 0 && f.head >= len(f.offsets)/2 {
		// Reuse the space of the completed prefix.
		n := copy(f.offsets, f.offsets[f.head:])
		copy(f.done, f.done[f.head:])
		f.offsets, f.done, f.head = f.offsets[:n], f.done[:n], 0
	}
	f.offsets = append(f.offsets, offset)
	f.done = append(f.done, false)
}

// completed records that the message at offset completed, and returns the
// offset to commit (the one after the last message of the completed
// prefix) when the prefix grew.
func (f *inFlight) completed(offset int64) (int64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	live := f.offsets[f.head:]
	i := sort.Search(len(live), func(i int) bool { return live[i] >= offset })
	switch {
	case i == len(live) || live[i] != offset:
		// Not a tracked delivery: commit it unless that would pass a
		// message in flight.
		if i == 0 {
			return offset + 1, true
		}
		return 0, false
	case i > 0:
		f.done[f.head+i] = true
		return 0, false
	}
	n := 1
	for n < len(live) && f.done[f.head+n] {
		n++
	}
	next := live[n-1] + 1
	f.head += n
	if f.head == len(f.offsets) {
		f.offsets, f.done, f.head = f.offsets[:0], f.done[:0], 0
	}
	return next, true
}

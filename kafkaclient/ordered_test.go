package kafkaclient

import (
	"context"
	"testing"

	"github.com/IBM/sarama"
)

// TestInFlightCommitsInOrder: a completed message moves the committed
// offset only past the prefix of delivered messages that all completed.
func TestInFlightCommitsInOrder(t *testing.T) {
	type step struct {
		deliver  []int64 // offsets delivered before the completion
		complete int64
		commit   int64 // -1: nothing to commit
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"in order", []step{
			{deliver: []int64{0, 1, 2}, complete: 0, commit: 1},
			{complete: 1, commit: 2},
			{complete: 2, commit: 3},
		}},
		{"later first", []step{
			{deliver: []int64{0, 1, 2}, complete: 2, commit: -1},
			{complete: 1, commit: -1},
			{complete: 0, commit: 3},
		}},
		{"a gap in the offsets (transaction markers, compaction)", []step{
			{deliver: []int64{4, 7, 9}, complete: 7, commit: -1},
			{complete: 4, commit: 8},
			{deliver: []int64{12}, complete: 12, commit: -1},
			{complete: 9, commit: 13},
		}},
		{"the middle completes last", []step{
			{deliver: []int64{0, 1, 2, 3}, complete: 0, commit: 1},
			{complete: 2, commit: -1},
			{complete: 3, commit: -1},
			{complete: 1, commit: 4},
		}},
		{"nothing in flight", []step{
			{complete: 5, commit: 6},
		}},
		{"untracked before the oldest in flight", []step{
			{deliver: []int64{10, 11}, complete: 3, commit: 4},
			{complete: 12, commit: -1},
			{complete: 10, commit: 11},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f inFlight
			for i, s := range tc.steps {
				for _, o := range s.deliver {
					f.delivered(o)
				}
				next, ok := f.completed(s.complete)
				switch {
				case s.commit < 0 && ok:
					t.Errorf("step %d: completing %d commits %d, want nothing", i, s.complete, next)
				case s.commit >= 0 && (!ok || next != s.commit):
					t.Errorf("step %d: completing %d commits %d (%v), want %d", i, s.complete, next, ok, s.commit)
				}
			}
		})
	}
}

// TestInFlightReusesSpace: a long stream with a message always in flight
// keeps the tracking slices small.
func TestInFlightReusesSpace(t *testing.T) {
	var f inFlight
	f.delivered(0)
	for o := int64(1); o < 100_000; o++ {
		f.delivered(o)
		if next, ok := f.completed(o - 1); !ok || next != o {
			t.Fatalf("completing %d: %d %v, want %d", o-1, next, ok, o)
		}
	}
	if c := cap(f.offsets); c > 16 {
		t.Errorf("tracking holds space for %d offsets after 100k messages, one in flight", c)
	}
}

// fakeSession and fakeClaim are the parts of sarama's session and claim
// that orderedHandler uses.
type fakeSession struct {
	sarama.ConsumerGroupSession
	ctx    context.Context
	marked int64
}

func (s *fakeSession) Context() context.Context { return s.ctx }
func (s *fakeSession) MarkOffset(_ string, _ int32, offset int64, _ string) {
	s.marked = max(s.marked, offset)
}

type fakeClaim struct {
	sarama.ConsumerGroupClaim
	messages chan *sarama.ConsumerMessage
}

func (c fakeClaim) Topic() string                            { return "t" }
func (c fakeClaim) Partition() int32                         { return 0 }
func (c fakeClaim) Messages() <-chan *sarama.ConsumerMessage { return c.messages }

// markingHandler marks every message it is given, as goka does once a
// message's emits complete (here at once, in order).
type markingHandler struct{}

func (markingHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (markingHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (markingHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		s.MarkOffset(m.Topic, m.Partition, m.Offset+1, "") // as goka marks
	}
	return nil
}

// BenchmarkOrderedClaim is the cost per message of OrderedCommits: the
// claim's messages forwarded through the tracking goroutine and each marked
// (the in-order case), against the handler reading sarama's channel
// directly.
func BenchmarkOrderedClaim(b *testing.B) {
	for _, ordered := range []bool{false, true} {
		b.Run(map[bool]string{false: "direct", true: "ordered"}[ordered], func(b *testing.B) {
			b.ReportAllocs()
			s := &fakeSession{ctx: context.Background()}
			c := fakeClaim{messages: make(chan *sarama.ConsumerMessage, 4096)}
			msgs := make([]sarama.ConsumerMessage, b.N)
			go func() {
				for i := range msgs {
					msgs[i].Topic, msgs[i].Offset = "t", int64(i)
					c.messages <- &msgs[i]
				}
				close(c.messages)
			}()
			var h sarama.ConsumerGroupHandler = markingHandler{}
			var sess sarama.ConsumerGroupSession = s
			if ordered {
				o := &orderedHandler{h: h}
				if err := o.Setup(s); err != nil {
					b.Fatal(err)
				}
				h = o
			}
			if err := h.ConsumeClaim(sess, c); err != nil {
				b.Fatal(err)
			}
			if s.marked != int64(b.N) {
				b.Fatalf("marked %d, want %d", s.marked, b.N)
			}
		})
	}
}

// TestSessionMarksOnly: with SessionMarksOnly, a mark made after the
// session ended is dropped (its message is read again); without, it is
// passed on as before.
func TestSessionMarksOnly(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []OrderedOption
		wantLate int64 // the offset marked after the marks made after the end
	}{
		{"default", nil, 3},
		{"session marks only", []OrderedOption{SessionMarksOnly()}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, end := context.WithCancel(context.Background())
			fake := &fakeSession{ctx: ctx}
			var o orderedOptions
			for _, opt := range tc.opts {
				opt(&o)
			}
			h := &orderedHandler{h: markingHandler{}, opts: o}
			if err := h.Setup(fake); err != nil {
				t.Fatal(err)
			}
			f := h.s.part("t", 0)
			for off := range int64(3) {
				f.delivered(off)
			}
			h.s.MarkOffset("t", 0, 1, "") // offset 0 done in the session
			if fake.marked != 1 {
				t.Fatalf("marked %d in the session, want 1", fake.marked)
			}
			end()
			h.s.MarkOffset("t", 0, 2, "")
			h.s.MarkOffset("t", 0, 3, "")
			if fake.marked != tc.wantLate {
				t.Errorf("marked %d after the session ended, want %d", fake.marked, tc.wantLate)
			}
		})
	}
}

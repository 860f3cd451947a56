package processors

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/lovoo/goka/tester"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

func TestBoundBeyond(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		b      *Bound
		offset int64
		ts     time.Time
		beyond bool
	}{
		{"nil", nil, 1 << 40, t0.Add(time.Hour), false},
		{"at offset", OffsetBound(5), 5, t0, false},
		{"past offset", OffsetBound(5), 6, t0, true},
		{"offset zero", OffsetBound(0), 1, t0, true},
		{"at time", TimeBound(t0), 9, t0, false},
		{"past time", TimeBound(t0), 0, t0.Add(time.Nanosecond), true},
		{"no timestamp", TimeBound(t0), 0, time.Time{}, false},
		{"both, offset past", &Bound{Offset: 3, ByOffset: true, Time: t0}, 4, t0, true},
		{"both, time past", &Bound{Offset: 3, ByOffset: true, Time: t0}, 2, t0.Add(time.Second), true},
	}
	for _, tt := range tests {
		if got := tt.b.Beyond(tt.offset, tt.ts); got != tt.beyond {
			t.Errorf("%s: Beyond(%d, %v) = %v, want %v", tt.name, tt.offset, tt.ts, got, tt.beyond)
		}
	}
	if s := OffsetBound(7).String(); s != "offset 7" {
		t.Errorf("String %q", s)
	}
}

// rowSink keeps the row offsets of the batches a Route emits through a
// Sink, and acknowledges them at once.
type rowSink struct {
	mu      sync.Mutex
	offsets []int64
}

func (s *rowSink) Emit(_ string, b *wire.ExampleBatch, done func(error)) {
	s.mu.Lock()
	for _, r := range b.Rows {
		s.offsets = append(s.offsets, r.Offset)
	}
	s.mu.Unlock()
	done(nil)
}

func (s *rowSink) got() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int64(nil), s.offsets...)
}

// TestRouteUntil runs the route group on goka's tester with a bound: the
// messages beyond it, good or bad, yield neither examples nor dead letters,
// with and without a batching sink, and the group consumes them all.
func TestRouteUntil(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	// Input offsets 0..5; timestamps t0+offset seconds. Offset 2 is bad.
	values := []string{"1,2", "3,4", "x,1", "5,6", "7,8", "y,2"}
	tests := []struct {
		name     string
		until    *Bound
		examples []int64 // offsets of the routed rows
		dead     []int64 // offsets of the dead letters
	}{
		{"no bound", nil, []int64{0, 1, 3, 4}, []int64{2, 5}},
		{"offset 3", OffsetBound(3), []int64{0, 1, 3}, []int64{2}},
		{"offset 1", OffsetBound(1), []int64{0, 1}, nil},
		{"time t0+2s", TimeBound(t0.Add(2 * time.Second)), []int64{0, 1}, []int64{2}},
	}
	for _, tc := range tests {
		for _, batching := range []bool{false, true} {
			name := tc.name
			if batching {
				name += "/sink"
			}
			t.Run(name, func(t *testing.T) {
				r := newRoute(t, input.Spec{Columns: []string{"a", "b"}, Label: input.LabelFromKey}, 2, binarySpec("m", 2))
				examples, dead := goka.Stream("t.examples"), goka.Stream("t.deadletter")
				r.Examples, r.DeadLetter, r.Until = examples, dead, tc.until
				var sink *rowSink
				if batching {
					sink = &rowSink{}
					r.Sink = sink
					r.Init()
				}
				tt := tester.New(t)
				dlc, err := wire.DeadLetterCodec("json")
				if err != nil {
					t.Fatal(err)
				}
				g := goka.DefineGroup("t-route",
					goka.Input("in", new(codec.Bytes), r.Process),
					goka.Output(examples, new(wire.ExampleBatchCodec)),
					goka.Output(dead, dlc),
				)
				proc, err := goka.NewProcessor(nil, g, goka.WithTester(tt))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 2)
				go func() { done <- proc.Run(ctx) }()
				go func() { done <- r.Run(ctx) }()
				defer func() {
					cancel()
					for range 2 {
						if err := <-done; err != nil {
							t.Error(err)
						}
					}
				}()
				exq, dlq := tt.NewQueueTracker(string(examples)), tt.NewQueueTracker(string(dead))
				for i, v := range values {
					tt.Consume("in", "1", []byte(v), tester.WithTime(t0.Add(time.Duration(i)*time.Second)))
				}
				var got []int64
				if batching {
					deadline := time.Now().Add(5 * time.Second)
					for len(sink.got()) < len(tc.examples) && time.Now().Before(deadline) {
						time.Sleep(5 * time.Millisecond)
					}
					time.Sleep(3 * DefaultLinger) // anything routed beyond the bound would show by now
					got = sink.got()
				} else {
					for {
						_, v, ok := exq.Next()
						if !ok {
							break
						}
						for _, row := range v.(*wire.ExampleBatch).Rows {
							got = append(got, row.Offset)
						}
					}
				}
				if !equalInts(got, tc.examples) {
					t.Errorf("routed offsets %v, want %v", got, tc.examples)
				}
				var gotDead []int64
				for {
					_, v, ok := dlq.Next()
					if !ok {
						break
					}
					gotDead = append(gotDead, v.(*wire.DeadLetter).Offset)
				}
				if !equalInts(gotDead, tc.dead) {
					t.Errorf("dead-lettered offsets %v, want %v", gotDead, tc.dead)
				}
			})
		}
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

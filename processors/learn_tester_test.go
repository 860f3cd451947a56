package processors

import (
	"bytes"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// TestLearnRewritesRedelivery runs the learn group on goka's tester: a
// redelivered batch that the state had applied writes the state to the
// changelog again, unchanged (a store ahead of its changelog after a kill
// is brought back in line by the redelivery; see Join: Rewrite), and a
// new batch writes the state it learned.
func TestLearnRewritesRedelivery(t *testing.T) {
	specs := map[string]ModelSpec{"m": binarySpec("m", 2)}
	const (
		examples goka.Stream = "examples"
		preds    goka.Stream = "predictions"
		mets     goka.Stream = "metrics"
	)
	predCodec, metCodec := jsonOutputCodecs(t)
	for _, hot := range []bool{false, true} {
		t.Run(map[bool]string{false: "state codec", true: "hot states"}[hot], func(t *testing.T) {
			l := &Learn{Specs: specs, Predictions: preds, Metrics: mets}
			var states goka.Codec = &table.StateCodec{Shapes: Shapes(specs)}
			if hot {
				l.States = table.NewLearnerStateCodec(Shapes(specs), 16, 1<<20)
				states = l.States
			}
			g := goka.DefineGroup("learn",
				goka.Input(examples, new(wire.ExampleBatchCodec), l.Process),
				goka.Persist(states),
				goka.Output(preds, predCodec),
				goka.Output(mets, metCodec),
			)
			tt := tester.New(t)
			runOnTester(t, tt, g)
			changelog := tt.NewQueueTracker(string(goka.GroupTable("learn")))
			next := func(what string) []byte {
				t.Helper()
				_, v, ok := changelog.Next()
				if !ok {
					t.Fatalf("hot %v, %s: no write to the changelog", hot, what)
				}
				b, err := states.Encode(v)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			tt.Consume(string(examples), "m", batch("m", "m", 5, row(0, 1, 1, 2)))
			first := next("first batch")
			tt.Consume(string(examples), "m", batch("m", "m", 5, row(0, 1, 1, 2)))
			if again := next("redelivery"); !bytes.Equal(again, first) {
				t.Errorf("hot %v: the redelivery wrote a different state", hot)
			}
			tt.Consume(string(examples), "m", batch("m", "m", 6, row(0, 0, -1, -2)))
			if st := tt.TableValue(goka.GroupTable("learn"), "m").(*table.ModelState); st.Rows != 2 {
				t.Errorf("hot %v: %d rows after a redelivery and a new batch, want 2", hot, st.Rows)
			}
			if n := len(next("new batch")); n == 0 {
				t.Errorf("hot %v: empty state", hot)
			}
		})
	}
}

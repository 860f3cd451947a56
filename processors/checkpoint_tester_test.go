package processors

import (
	"strings"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/lovoo/goka/tester"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// TestCheckpointOnTester runs the learn and checkpoint groups on goka's
// tester: versions follow the learn table, pins arrive on their topic, and
// a state of a model the config no longer has is counted, not fatal.
func TestCheckpointOnTester(t *testing.T) {
	spec := checkpointSpec(4, time.Hour, 2)
	specs := map[string]ModelSpec{"m": spec}
	const (
		examples goka.Stream = "examples"
		preds    goka.Stream = "predictions"
		mets     goka.Stream = "metrics"
		pins     goka.Stream = "pins"
	)
	learnTable := goka.GroupTable("learn")
	ckTable := goka.GroupTable("checkpoint")
	predCodec, metCodec := jsonOutputCodecs(t)
	learn := &Learn{Specs: specs, Predictions: preds, Metrics: mets, States: table.NewLearnerStateCodec(Shapes(specs), 16, 1<<20)}
	ck := &Checkpoint{Specs: specs, LearnTable: goka.Stream(learnTable)}
	graphs := []*goka.GroupGraph{
		goka.DefineGroup("learn",
			goka.Input(examples, new(wire.ExampleBatchCodec), learn.Process),
			goka.Persist(learn.States),
			goka.Output(preds, predCodec),
			goka.Output(mets, metCodec),
		),
		goka.DefineGroup("checkpoint",
			goka.Input(goka.Stream(learnTable), &table.StateCodec{Shapes: Shapes(specs), Lenient: true}, ck.ProcessState),
			goka.Input(pins, new(codec.Bytes), ck.ProcessPin),
			goka.Persist(new(table.RegistryCodec)),
		),
	}
	tt := tester.New(t)
	runOnTester(t, tt, graphs...)
	registry := func(key string) *table.Registry {
		r, _ := tt.TableValue(ckTable, key).(*table.Registry)
		return r
	}

	// 10 messages of one row: versions at rows 1, 5 and 9, the last 2 kept.
	for off := int64(0); off < 10; off++ {
		tt.Consume(string(examples), "m", batch("m", "m", off, row(0, float64(off%2), 1, float64(off))))
	}
	r := registry("m")
	if r == nil || r.Model != "m" || r.LastID != 3 || len(r.Versions) != 2 || r.Versions[0].Rows != 5 || r.Versions[1].Rows != 9 {
		t.Fatalf("registry %+v", r)
	}
	// The learn table went on: versions are taken at rows 1, 5, 9.
	st := tt.TableValue(learnTable, "m").(*table.ModelState)
	if st.Rows != 10 {
		t.Fatalf("learn state rows %d", st.Rows)
	}

	// Pin version 2, then make two versions more: 2 outlives retention.
	tt.Consume(string(pins), "m", pin(table.OpPin, 2, "p1"))
	if res := registry("m").Command("p1"); res == nil || !res.OK {
		t.Fatalf("pin result %+v", res)
	}
	for off := int64(10); off < 20; off++ {
		tt.Consume(string(examples), "m", batch("m", "m", off, row(0, float64(off%2), 1, float64(off))))
	}
	r = registry("m")
	if got := ids(r); len(got) != 3 || got[0] != 2 || r.Pinned().ID != 2 || r.LastID != 5 {
		t.Fatalf("kept %v, pinned %v, last %d", got, r.Pinned(), r.LastID)
	}
	// A version that retention dropped cannot be pinned.
	tt.Consume(string(pins), "m", pin(table.OpPin, 3, "p2"))
	if res := registry("m").Command("p2"); res == nil || res.OK || !strings.Contains(res.Message, "no version 3") {
		t.Fatalf("pin of a dropped version: %+v", res)
	}

	// A state of a model that is not in the config: counted, not fatal.
	other := binarySpec("gone", 2)
	gone, err := newState(other, "gone")
	if err != nil {
		t.Fatal(err)
	}
	tt.Consume(string(learnTable), "gone", gone)
	if r := registry("gone"); r == nil || r.Skipped != 1 || !strings.Contains(r.SkipReason, `model "gone" is not in the pipeline config`) {
		t.Fatalf("registry of an unknown model %+v", r)
	}
	// The group still works.
	tt.Consume(string(pins), "m", pin(table.OpUnpin, 2, "p3"))
	if res := registry("m").Command("p3"); res == nil || !res.OK || len(registry("m").Versions) != 2 {
		t.Fatalf("unpin result %+v", res)
	}
}

package processors

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/datasets/susy"
	"github.com/streamsgd/streamsgd/drift"
)

// flipBatches is a stream of batches of 100 rows (one input message each)
// of 2 features, labelled by the sign of x0 + x1 plus noise, the labelling
// reversed from row flipAt on.
func flipBatches(n, flipAt int) []*wire.ExampleBatch {
	r := rand.New(rand.NewPCG(5, 5))
	var out []*wire.ExampleBatch
	for off := 0; off*100 < n; off++ {
		rows := make([]wire.Row, 100)
		for i := range rows {
			x0, x1 := r.NormFloat64(), r.NormFloat64()
			y := 0.0
			if x0+x1+0.5*r.NormFloat64() > 0 {
				y = 1
			}
			if off*100+i >= flipAt {
				y = 1 - y
			}
			rows[i] = row(int32(i), y, x0, x1)
		}
		out = append(out, batch("m", "m", int64(off), rows...))
	}
	return out
}

// TestLearnDriftEvents: the learn step feeds the key's drift monitor, its
// state goes through the table codec after every batch, and the events
// come with the ids of their rows; a redelivered batch emits the same
// events again (outputs are at-least-once, by id).
func TestLearnDriftEvents(t *testing.T) {
	const n, flipAt = 30_000, 20_000
	tests := []struct {
		name       string
		detector   string
		background bool
		kind       string
		within     int64 // rows from the flip to the first event of kind
	}{
		{"adwin", drift.ADWIN, false, drift.KindDrift, 200},
		// The learner re-adapts to the flipped labels within ~40 rows:
		// too short a burst of errors for Page-Hinkley's threshold of 50,
		// not for its warning.
		{"page-hinkley", drift.PageHinkley, false, drift.KindWarning, 200},
		{"adwin with a background learner", drift.ADWIN, true, drift.KindDrift, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := binarySpec("m", 2)
			spec.Drift = drift.Config{Detector: tc.detector, Background: drift.BackgroundConfig{Enabled: tc.background}}
			spec.Drift.EnsureDefaults()
			specs := map[string]ModelSpec{"m": spec}
			l := &Learn{Specs: specs}
			codec := &table.StateCodec{Shapes: Shapes(specs)}
			var st *table.ModelState
			var events []*wire.Event
			ids := map[string]bool{}
			for i, b := range flipBatches(n, flipAt) {
				out, err := l.Step(st, b)
				if err != nil {
					t.Fatal(err)
				}
				data, err := codec.Encode(out.State)
				if err != nil {
					t.Fatal(err)
				}
				v, err := codec.Decode(data)
				if err != nil {
					t.Fatal(err)
				}
				st = v.(*table.ModelState)
				for _, e := range out.Events {
					if ids[e.ID] {
						t.Fatalf("event id %s twice", e.ID)
					}
					ids[e.ID] = true
				}
				events = append(events, out.Events...)
				// A redelivery applies nothing and emits the batch's events
				// again, the same.
				if again, err := l.Step(st, b); err != nil || again.State != nil || !sameEvents(again.Events, out.Events) {
					t.Fatalf("redelivery of batch %d: state %v, events %v, want %v, %v", i, again.State != nil, again.Events, out.Events, err)
				}
			}
			var first, replaced *wire.Event
			for _, e := range events {
				switch {
				case e.Kind == tc.kind && first == nil:
					first = e
				case e.Kind == drift.KindReplaced && replaced == nil:
					replaced = e
				}
			}
			if first == nil || first.Row <= flipAt || first.Row > flipAt+tc.within {
				t.Fatalf("first %s %+v, want one within %d rows after row %d", tc.kind, first, tc.within, flipAt)
			}
			if want := PredictionID("in", 0, first.Offset, first.Index) + "/" + tc.kind; first.ID != want || first.Model != "m" || len(first.Stats) == 0 {
				t.Errorf("drift event %+v, want id %s and stats", first, want)
			}
			if tc.background != (replaced != nil) {
				t.Errorf("background learner %v, replacement event %+v", tc.background, replaced)
			}
			if tc.background && st.Drift.Replacements < 1 {
				t.Errorf("replacements counted in the state: %d", st.Drift.Replacements)
			}
			t.Logf("%d events; first %s at +%d; replaced at %+v", len(events), tc.kind, first.Row-flipAt, replaced)
		})
	}
}

// TestCheckpointVersionsReplacement: a state whose background learner
// replaced the model is versioned at once, whatever the rows and time
// since the last version, and the version records the replacement.
func TestCheckpointVersionsReplacement(t *testing.T) {
	spec := checkpointSpec(1_000_000, time.Hour, 10)
	spec.Drift = drift.Config{Detector: drift.ADWIN, Background: drift.BackgroundConfig{Enabled: true}}
	spec.Drift.EnsureDefaults()
	specs := map[string]ModelSpec{"m": spec}
	l := &Learn{Specs: specs}
	c := &Checkpoint{Specs: specs}
	codec := &table.StateCodec{Shapes: Shapes(specs)}
	t0 := time.Unix(1000, 0)
	var st *table.ModelState
	var reg *table.Registry
	var made []int64
	for i, b := range flipBatches(30_000, 20_000) {
		out, err := l.Step(st, b)
		if err != nil {
			t.Fatal(err)
		}
		data, err := codec.Encode(out.State)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := codec.Decode(data)
		st = v.(*table.ModelState)
		at := t0.Add(time.Duration(i) * time.Second)
		if c.notDue("m", st, at, false) {
			continue
		}
		if next := c.StepState(reg, "m", st, at, false); next != nil {
			reg = next
			c.remember("m", reg.Latest())
			made = append(made, st.Rows)
		}
	}
	if len(made) != 2 || made[0] != 100 {
		t.Fatalf("versions at rows %v, want the first state's and the replacement's", made)
	}
	v := reg.Latest()
	if v.Replacements != 1 || reg.Versions[0].Replacements != 0 || v.Rows <= 20_000 || v.Rows > 23_000 {
		t.Fatalf("replacement version: rows %d, replacements %d (first %d)", v.Rows, v.Replacements, reg.Versions[0].Replacements)
	}
	m, err := v.Restore()
	if err != nil {
		t.Fatal(err)
	}
	if m.Seen() >= v.Rows {
		t.Errorf("the version's learner has seen %d rows: not the background learner started after the flip", m.Seen())
	}
	t.Logf("versions at rows %v; the replacement's learner had seen %d rows", made, m.Seen())
}

// TestLearnStationaryNoDrift: 1,000,000 rows of a stationary SUSY stream
// through the learn step raise no drift event, with either detector (a
// learner's loss only falls as it learns; warnings are counted and
// logged).
func TestLearnStationaryNoDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000,000 rows per detector")
	}
	const rows, perBatch = 1_000_000, 500
	for _, detector := range []string{drift.ADWIN, drift.PageHinkley} {
		t.Run(detector, func(t *testing.T) {
			spec := binarySpec("m", susy.Features)
			spec.Drift = drift.Config{Detector: detector, Background: drift.BackgroundConfig{Enabled: true}}
			spec.Drift.EnsureDefaults()
			l := &Learn{Specs: map[string]ModelSpec{"m": spec}}
			g := susy.New(3)
			eb := &wire.ExampleBatch{Source: wire.Source{Topic: "in"}, Model: "m", Key: "m", Rows: make([]wire.Row, perBatch)}
			for i := range eb.Rows {
				eb.Rows[i] = wire.Row{Index: int32(i), Features: make([]float64, susy.Features), HasLabel: true}
			}
			var st *table.ModelState
			kinds := map[string]int{}
			for off := range int64(rows / perBatch) {
				eb.Source.Offset = off
				for i := range eb.Rows {
					y, _ := g.Next(eb.Rows[i].Features)
					eb.Rows[i].Label, eb.Rows[i].Offset = float64(y), off
				}
				out, err := l.Step(st, eb)
				if err != nil {
					t.Fatal(err)
				}
				st = out.State
				for _, e := range out.Events {
					kinds[e.Kind]++
					if e.Kind == drift.KindDrift || e.Kind == drift.KindReplaced {
						t.Errorf("%s at row %d of a stationary stream: %v", e.Kind, e.Row, e.Stats)
					}
				}
			}
			if st.Rows != rows {
				t.Fatalf("learned %d rows", st.Rows)
			}
			t.Logf("events over %d stationary rows: %v", rows, kinds)
		})
	}
}

func sameEvents(a, b []*wire.Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if string(wire.AppendEvent(nil, a[i])) != string(wire.AppendEvent(nil, b[i])) {
			return false
		}
	}
	return true
}

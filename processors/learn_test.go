package processors

import (
	"bytes"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// batch makes the batch of one input message at offset.
func batch(model, key string, offset int64, rows ...wire.Row) *wire.ExampleBatch {
	for i := range rows {
		rows[i].Offset = offset
	}
	return &wire.ExampleBatch{Source: wire.Source{Topic: "in", Partition: 0, Offset: offset}, Model: model, Key: key, Rows: rows}
}

func row(i int32, y float64, x ...float64) wire.Row {
	return wire.Row{Index: i, Features: x, Label: y, HasLabel: true}
}

func TestLearnStep(t *testing.T) {
	l := &Learn{Specs: map[string]ModelSpec{"m": binarySpec("m", 2)}}
	out, err := l.Step(nil, batch("m", "m", 10, row(0, 1, 1, 2), row(1, 0, -1, -2), wire.Row{Index: 2, Features: []float64{0, 0}}))
	if err != nil {
		t.Fatal(err)
	}
	st := out.State
	switch {
	case st == nil:
		t.Fatal("no state")
	case st.Rows != 2:
		t.Errorf("rows learned: %d, want 2 (the unlabeled row is only predicted)", st.Rows)
	case len(out.Predictions.Predictions) != 3:
		t.Errorf("predictions: %d, want 3", len(out.Predictions.Predictions))
	case st.Watermark("in", 0) != 10 || st.Watermark("in", 1) != -1:
		t.Errorf("watermarks: %+v", st.Watermarks)
	}
	p := out.Predictions.Predictions
	if p[0].ID != "in/0/10/0" || p[0].Version != 0 || p[1].Version != 1 || p[2].Label != nil {
		t.Errorf("predictions: %+v", p)
	}
	if p[0].Scores[0] != 0.5 {
		t.Errorf("first prediction of a zero model: %v, want 0.5 (predict before learn)", p[0].Scores)
	}
}

func TestLearnSkipsRedelivery(t *testing.T) {
	l := &Learn{Specs: map[string]ModelSpec{"m": binarySpec("m", 2)}}
	out, err := l.Step(nil, batch("m", "m", 5, row(0, 1, 1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	before, _ := out.State.AppendBinary(nil)
	for _, off := range []int64{5, 4, 0} {
		again, err := l.Step(out.State, batch("m", "m", off, row(0, 1, 1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		if again.State != nil {
			t.Errorf("offset %d: redelivery changed the state", off)
		}
		if again.Predictions == nil || again.Predictions.Predictions[0].ID != PredictionID("in", 0, off, 0) {
			t.Errorf("offset %d: redelivery must predict again with the same id", off)
		}
	}
	after, _ := out.State.AppendBinary(nil)
	if !bytes.Equal(before, after) {
		t.Error("state bytes changed by redeliveries")
	}
}

func TestLearnSnapshots(t *testing.T) {
	l := &Learn{Specs: map[string]ModelSpec{"m": binarySpec("m", 1)}}
	var st *table.ModelState
	snaps := 0
	for off := int64(0); off < 12; off++ {
		out, err := l.Step(st, batch("m", "m", off, row(0, float64(off%2), float64(off%2))))
		if err != nil {
			t.Fatal(err)
		}
		st = out.State
		if out.Snapshot != nil {
			snaps++
			if out.Snapshot.Rows%4 != 0 || len(out.Snapshot.Metrics) == 0 {
				t.Errorf("snapshot %+v", out.Snapshot)
			}
		}
	}
	if snaps != 3 {
		t.Errorf("snapshots: %d, want 3 (every 4 rows of 12)", snaps)
	}
}

func TestLearnErrors(t *testing.T) {
	l := &Learn{Specs: map[string]ModelSpec{"m": binarySpec("m", 2)}}
	tests := []struct {
		name string
		b    *wire.ExampleBatch
	}{
		{"unknown model", batch("x", "x", 0, row(0, 1, 1, 2))},
		{"wrong width", batch("m", "m", 0, row(0, 1, 1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := l.Step(nil, tt.b); err == nil {
				t.Error("no error")
			}
		})
	}
}

// TestLearnPartialRedelivery: a batch gathered over several messages, some
// of which the state already applied, learns only the new rows.
func TestLearnPartialRedelivery(t *testing.T) {
	l := &Learn{Specs: map[string]ModelSpec{"m": binarySpec("m", 1)}}
	mk := func(offsets ...int64) *wire.ExampleBatch {
		b := &wire.ExampleBatch{Source: wire.Source{Topic: "in", Offset: offsets[len(offsets)-1]}, Model: "m", Key: "m"}
		for _, o := range offsets {
			b.Rows = append(b.Rows, wire.Row{Offset: o, Features: []float64{float64(o % 2)}, Label: float64(o % 2), HasLabel: true})
		}
		return b
	}
	once, err := l.Step(nil, mk(0, 1, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := once.State.AppendBinary(nil)

	first, err := l.Step(nil, mk(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	again, err := l.Step(first.State, mk(0, 1, 2, 3)) // 0 and 1 redelivered
	if err != nil {
		t.Fatal(err)
	}
	if again.State.Rows != 4 || len(again.Predictions.Predictions) != 4 {
		t.Fatalf("rows %d predictions %d, want 4 and 4", again.State.Rows, len(again.Predictions.Predictions))
	}
	split, _ := again.State.AppendBinary(nil)
	if !bytes.Equal(whole, split) {
		t.Error("state after a partial redelivery differs from the state of one clean pass")
	}
}

// TestLearnInvalidCountedOnce: the dead-lettered rows of a batch belong to
// its last message; a redelivery of that message does not count them again.
func TestLearnInvalidCountedOnce(t *testing.T) {
	l := &Learn{Specs: map[string]ModelSpec{"m": binarySpec("m", 1)}}
	b := batch("m", "m", 4, row(0, 1, 1))
	b.Invalid = 1
	out, err := l.Step(nil, b)
	if err != nil {
		t.Fatal(err)
	}
	again := batch("m", "m", 4, row(0, 1, 1))
	again.Invalid = 1
	out2, err := l.Step(out.State, again)
	if err != nil {
		t.Fatal(err)
	}
	if out2.State != nil || out.State.Invalid != 1 {
		t.Errorf("invalid %d after a redelivery, want 1", out.State.Invalid)
	}
}

// TestLearnPartialBatches: the rows of one message split over batches of
// one key (ExampleBatch.Partial) are each learned once, in any order of
// redelivery, and the state ends as if the message had come in one batch.
func TestLearnPartialBatches(t *testing.T) {
	spec := binarySpec("m", 2)
	l := &Learn{Specs: map[string]ModelSpec{"m": spec}}
	rows := make([]wire.Row, 7)
	for i := range rows {
		rows[i] = row(int32(i), float64(i%2), float64(i), -float64(i))
		rows[i].Offset = 5
	}
	whole := batch("m", "m", 5, rows...)
	part := func(from, to int, partial bool) *wire.ExampleBatch {
		b := batch("m", "m", 5, rows[from:to]...)
		b.Partial = partial
		return b
	}
	one, err := l.Step(nil, whole)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		parts []*wire.ExampleBatch
	}{
		{"in order", []*wire.ExampleBatch{part(0, 3, true), part(3, 6, true), part(6, 7, false)}},
		{"each redelivered", []*wire.ExampleBatch{part(0, 3, true), part(0, 3, true), part(3, 6, true), part(0, 3, true),
			part(3, 6, true), part(6, 7, false), part(3, 6, true), part(6, 7, false)}},
		{"then the whole message again", []*wire.ExampleBatch{part(0, 3, true), part(3, 7, false), whole}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st *table.ModelState
			for _, b := range tc.parts {
				out, err := l.Step(st, b)
				if err != nil {
					t.Fatal(err)
				}
				if out.State != nil {
					st = out.State
				}
				if n := len(out.Predictions.Predictions); n != len(b.Rows) {
					t.Errorf("%d predictions of %d rows", n, len(b.Rows))
				}
			}
			if st.Rows != 7 || st.Mark("in", 0) != one.State.Mark("in", 0) {
				t.Fatalf("rows %d mark %+v, want 7 and %+v", st.Rows, st.Mark("in", 0), one.State.Mark("in", 0))
			}
			w1, w2 := st.Learner.Weights(), one.State.Learner.Weights()
			for i := range w1 {
				if w1[i] != w2[i] {
					t.Fatalf("weights %v, want %v (one batch)", w1, w2)
				}
			}
		})
	}
}

package wire

import (
	"slices"
	"strings"
	"testing"
)

func TestExampleBatchCodec(t *testing.T) {
	eb := ExampleBatch{
		Source: Source{Topic: "susy", Partition: 3, Offset: 12345},
		Model:  "lr", Key: "sensor-1",
		Rows: []Row{
			{Index: 0, Features: []float64{1, 2, 3}, Label: 1, HasLabel: true},
			{Index: 2, Features: []float64{4, 5, 6}},
		},
		Invalid: 1,
	}
	tests := []struct {
		name    string
		value   any
		wantErr string
	}{
		{"pointer", &eb, ""},
		{"value", eb, ""},
		{"nil pointer", (*ExampleBatch)(nil), "cannot encode *wire.ExampleBatch"},
		{"wrong type", "x", "cannot encode string"},
	}
	var c ExampleBatchCodec
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := c.Encode(tt.value)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(data) != cap(data) {
				t.Errorf("size hint %d, encoded %d", cap(data), len(data))
			}
			got, err := c.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if !same(*got.(*ExampleBatch), eb) {
				t.Fatalf("got %+v, want %+v", got, eb)
			}
		})
	}
}

func TestExampleBatchSizeExact(t *testing.T) {
	g := newGen(3)
	for range 200 {
		eb := g.exampleBatch(5, 30)
		if got, want := exampleBatchSize(&eb), len(AppendExampleBatch(nil, &eb)); got != want {
			t.Fatalf("size %d, encoded %d: %+v", got, want, eb)
		}
		pb := g.predictionBatch(4)
		if got, want := predictionBatchSize(&pb), len(AppendPredictionBatch(nil, &pb)); got != want {
			t.Fatalf("prediction size %d, encoded %d", got, want)
		}
	}
}

// TestReadExampleBatchReuses checks that decoding into a used batch reuses
// its rows, features and repeated strings, and leaves nothing stale.
func TestReadExampleBatchReuses(t *testing.T) {
	big := ExampleBatch{Source: Source{Topic: "in"}, Model: "m", Key: "k", Rows: []Row{
		{Index: 0, Features: []float64{1, 2, 3, 4}, Label: 7, HasLabel: true},
		{Index: 1, Features: []float64{5, 6, 7, 8}, Label: 8, HasLabel: true},
	}}
	small := ExampleBatch{Source: Source{Topic: "in", Offset: 1}, Model: "m", Key: "k", Rows: []Row{
		{Index: 0, Features: []float64{9, 10}},
	}}
	var eb ExampleBatch
	if err := ReadExampleBatch(AppendExampleBatch(nil, &big), &eb); err != nil {
		t.Fatal(err)
	}
	features, rows := &eb.Rows[0].Features[0], &eb.Rows[0]
	if err := ReadExampleBatch(AppendExampleBatch(nil, &small), &eb); err != nil {
		t.Fatal(err)
	}
	if !same(eb, small) {
		t.Fatalf("got %+v, want %+v", eb, small)
	}
	if &eb.Rows[0] != rows || &eb.Rows[0].Features[0] != features {
		t.Error("rows or features were reallocated")
	}
	data := AppendExampleBatch(nil, &small)
	allocs := testing.AllocsPerRun(100, func() {
		if err := ReadExampleBatch(data, &eb); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ReadExampleBatch into a used batch: %v allocs, want 0", allocs)
	}
}

// TestExampleBatchDecodeSlab checks that the rows of a fresh decode, which
// share one backing array, cannot overwrite each other.
func TestExampleBatchDecodeSlab(t *testing.T) {
	in := benchBatch(3)
	data := AppendExampleBatch(nil, in)
	v, err := ExampleBatchCodec{}.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	eb := v.(*ExampleBatch)
	eb.Rows[0].Features = append(eb.Rows[0].Features, 42)
	if !same(eb.Rows[1], in.Rows[1]) {
		t.Fatalf("appending to row 0 changed row 1: %v", eb.Rows[1].Features)
	}
	if raceEnabled {
		return
	}
	big := AppendExampleBatch(nil, benchBatch(64))
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := (ExampleBatchCodec{}).Decode(big); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 6 { // the batch, its rows, the features, three strings
		t.Errorf("Decode of 64 rows: %v allocs, want <= 6", allocs)
	}
}

// TestExampleBatchPartial: Partial round-trips, and a batch written before
// the field existed (no last byte) reads as a whole one.
func TestExampleBatchPartial(t *testing.T) {
	for _, partial := range []bool{false, true} {
		eb := &ExampleBatch{Source: Source{Topic: "t", Partition: 1, Offset: 7}, Model: "m", Key: "k",
			Rows: []Row{{Index: 3, Offset: 7, Features: []float64{1, 2}}}, Partial: partial}
		data := AppendExampleBatch(nil, eb)
		var got ExampleBatch
		if err := ReadExampleBatch(data, &got); err != nil || got.Partial != partial {
			t.Fatalf("partial %v: read %v, %+v", partial, err, got)
		}
		if err := ReadExampleBatch(data[:len(data)-1], &got); err != nil || got.Partial != partial || got.Scores != nil {
			t.Fatalf("format before Scores: read %v, %+v", err, got)
		}
		if err := ReadExampleBatch(data[:len(data)-2], &got); err != nil || got.Partial {
			t.Fatalf("old format: read %v, partial %v", err, got.Partial)
		}
	}
}

// TestExampleBatchScores: the feature-time scores of delayed labels
// round-trip, and a batch without them reads with none.
func TestExampleBatchScores(t *testing.T) {
	for _, scores := range [][]float64{nil, {0.25}, {0.1, 0.2, 0.7, 0.3, 0.3, 0.4}} {
		eb := &ExampleBatch{Source: Source{Topic: "p.features", Partition: 1, Offset: 7}, Model: "m", Key: "k",
			Rows: []Row{{Index: 3, Offset: 7, Features: []float64{1, 2}, Label: 1, HasLabel: true}}, Scores: scores}
		data := AppendExampleBatch(nil, eb)
		var got ExampleBatch
		if err := ReadExampleBatch(data, &got); err != nil || !slices.Equal(got.Scores, scores) || (scores == nil) != (got.Scores == nil) {
			t.Fatalf("scores %v: read %v, %+v", scores, err, got)
		}
		if n := exampleBatchSize(eb); n != len(data) {
			t.Fatalf("scores %v: size %d, encoded %d", scores, n, len(data))
		}
		v, err := ExampleBatchCodec{}.Decode(data)
		if err != nil || !slices.Equal(v.(*ExampleBatch).Scores, scores) {
			t.Fatalf("codec: %v, %+v", err, v)
		}
	}
}

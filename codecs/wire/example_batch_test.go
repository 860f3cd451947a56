package wire

import (
	"bytes"
	"math"
	"math/rand/v2"
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
		if got, want := exampleBatchSize(&eb, packing(&eb)), len(AppendExampleBatch(nil, &eb)); got != want {
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

// TestExampleBatchPool decodes batches of every shape one after the other
// through one pool, each into the batch released before it: each decodes
// to what was encoded, with nothing left of the one before (rows, widths,
// integer features, scores, partial), and a released batch is decoded
// into with no allocation.
func TestExampleBatchPool(t *testing.T) {
	g := newGen(11)
	var batches []ExampleBatch
	for i := range 300 {
		eb := g.exampleBatch(6, 40)
		eb.Partial = i%5 == 0
		if i%7 == 0 && len(eb.Rows) > 0 {
			eb.Scores = g.floats(3 * len(eb.Rows))[:0]
			for range 3 * len(eb.Rows) {
				eb.Scores = append(eb.Scores, g.float())
			}
		}
		batches = append(batches, eb)
	}
	batches = append(batches, *pixelBatch(64), *benchBatch(3), *pixelBatch(1), ExampleBatch{Model: "m", Key: "k"})
	var p ExampleBatchPool
	for i, eb := range batches {
		v, err := p.Decode(AppendExampleBatch(nil, &eb))
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		got := v.(*ExampleBatch)
		if !same(*got, eb) {
			t.Fatalf("batch %d: got %+v, want %+v", i, *got, eb)
		}
		p.Release(got)
	}
	if _, err := p.Decode([]byte{0xff}); err == nil {
		t.Error("a corrupt batch decoded")
	}
	if raceEnabled { // the race detector drops pooled values at random
		return
	}
	data := AppendExampleBatch(nil, pixelBatch(64))
	allocs := testing.AllocsPerRun(50, func() {
		v, err := p.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		p.Release(v.(*ExampleBatch))
	})
	if allocs != 0 {
		t.Errorf("decoding into a released batch: %v allocs, want 0", allocs)
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
// the field existed reads as a whole one.
func TestExampleBatchPartial(t *testing.T) {
	for _, partial := range []bool{false, true} {
		eb := &ExampleBatch{Source: Source{Topic: "t", Partition: 1, Offset: 7}, Model: "m", Key: "k",
			Rows: []Row{{Index: 3, Offset: 7, Features: []float64{1.5, 2}}}, Partial: partial}
		data := AppendExampleBatch(nil, eb)
		var got ExampleBatch
		if err := ReadExampleBatch(data, &got); err != nil || got.Partial != partial {
			t.Fatalf("partial %v: read %v, %+v", partial, err, got)
		}
		// Without integer_width and integer_features (two bytes when no
		// row is packed): the format before them.
		if err := ReadExampleBatch(data[:len(data)-2], &got); err != nil || got.Partial != partial || !same(got.Rows, eb.Rows) {
			t.Fatalf("format before integer features: read %v, %+v", err, got)
		}
		if err := ReadExampleBatch(data[:len(data)-3], &got); err != nil || got.Partial != partial || got.Scores != nil {
			t.Fatalf("format before Scores: read %v, %+v", err, got)
		}
		if err := ReadExampleBatch(data[:len(data)-4], &got); err != nil || got.Partial {
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
		if n := exampleBatchSize(eb, packing(eb)); n != len(data) {
			t.Fatalf("scores %v: size %d, encoded %d", scores, n, len(data))
		}
		v, err := ExampleBatchCodec{}.Decode(data)
		if err != nil || !slices.Equal(v.(*ExampleBatch).Scores, scores) {
			t.Fatalf("codec: %v, %+v", err, v)
		}
	}
}

// TestExampleBatchIntegerFeatures: the rows whose features are all
// integers a long holds exactly go as integer_features and read back bit
// for bit; any other row, and every row of a batch whose rows differ in
// width, stays doubles.
func TestExampleBatchIntegerFeatures(t *testing.T) {
	negZero := math.Copysign(0, -1)
	cases := []struct {
		name   string
		rows   [][]float64
		packed []bool // nil: no row
	}{
		{"pixels", [][]float64{{0, 255, 17}, {3, 0, 0}}, []bool{true, true}},
		{"extremes", [][]float64{{maxExactInt, -maxExactInt, -1}}, []bool{true}},
		{"beyond 2^53", [][]float64{{maxExactInt + 2, 0}}, nil},
		{"a fraction in one row", [][]float64{{1, 2}, {1.5, 2}, {7, 8}}, []bool{true, false, true}},
		{"negative zero", [][]float64{{negZero, 1}}, nil},
		{"NaN and infinity", [][]float64{{math.NaN(), 1}, {math.Inf(1), 1}, {1, math.Inf(-1)}}, nil},
		{"different widths", [][]float64{{1, 2}, {1}}, nil},
		{"no features", [][]float64{{}, {}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eb := &ExampleBatch{Source: Source{Topic: "t", Partition: 2, Offset: 40}, Model: "m", Key: "k"}
			for i, fs := range tc.rows {
				eb.Rows = append(eb.Rows, Row{Index: int32(i), Offset: 40, Features: fs, Label: float64(i), HasLabel: i%2 == 0})
			}
			eb = new(normalizeRows(*eb))
			if got := packing(eb).rows; !slices.Equal(got, tc.packed) {
				t.Fatalf("packing %v, want %v", got, tc.packed)
			}
			data := AppendExampleBatch(nil, eb)
			if n := exampleBatchSize(eb, packing(eb)); n != len(data) {
				t.Fatalf("size %d, encoded %d", n, len(data))
			}
			v, err := ExampleBatchCodec{}.Decode(data)
			if err != nil || !same(*v.(*ExampleBatch), *eb) {
				t.Fatalf("decode: %v\n got %+v\nwant %+v", err, v, eb)
			}
			// Into a batch with rows and features to reuse, of other widths.
			reused := ExampleBatch{Rows: []Row{{Features: make([]float64, 1)}, {Features: make([]float64, 9)}, {}, {}}}
			if err := ReadExampleBatch(data, &reused); err != nil || !same(reused, *eb) {
				t.Fatalf("read into a used batch: %v\n got %+v\nwant %+v", err, reused, eb)
			}
		})
	}
}

// TestExampleBatchIntegerFeaturesSize: a batch of 784-pixel rows takes
// about a fifth of the bytes of doubles.
func TestExampleBatchIntegerFeaturesSize(t *testing.T) {
	eb := &ExampleBatch{Source: Source{Topic: "mnist", Offset: 99}, Model: "softmax", Key: "softmax/0"}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 100 {
		row := Row{Index: int32(i), Offset: 99, Features: make([]float64, 784), Label: float64(i % 10), HasLabel: true}
		for j := range row.Features {
			if r.IntN(2) == 0 { // half the pixels dark, as Fashion-MNIST's
				row.Features[j] = float64(r.IntN(256))
			}
		}
		eb.Rows = append(eb.Rows, row)
	}
	ints := len(AppendExampleBatch(nil, eb))
	doubles := exampleBatchSize(eb, packed{})
	if ints*4 > doubles {
		t.Fatalf("784 pixels x 100 rows: %d bytes, %d as doubles: want at most a quarter", ints, doubles)
	}
	t.Logf("784 pixels x 100 rows: %d bytes, %d as doubles", ints, doubles)
}

// TestExampleBatchIntegerFeaturesCorrupt: integer fields that do not match
// the rows left without features are errors.
func TestExampleBatchIntegerFeaturesCorrupt(t *testing.T) {
	eb := &ExampleBatch{Source: Source{Topic: "t"}, Model: "m", Key: "k",
		Rows: []Row{{Features: []float64{1, 2}}, {Index: 1, Features: []float64{1, 2}}}}
	data := AppendExampleBatch(nil, eb)
	// width 2 (zigzag 4), 4 longs (8): 1 2 1 2 (2 4 2 4), end.
	tail := []byte{4, 8, 2, 4, 2, 4, 0}
	if !bytes.HasSuffix(data, tail) {
		t.Fatalf("encoding %x does not end in %x", data, tail)
	}
	head := data[:len(data)-len(tail)]
	tails := map[string][]byte{
		"width 3":             {6, 8, 2, 4, 2, 4, 0},
		"width 0 with values": {0, 8, 2, 4, 2, 4, 0},
		"negative width":      {3, 0},
		"too few":             {4, 6, 2, 4, 2, 0},
		"too many":            {4, 10, 2, 4, 2, 4, 2, 0},
		"beyond 2^53":         append(appendLong([]byte{4, 8, 2, 4, 2}, maxExactInt+1), 0),
		"width beyond rows":   {0x80, 0x80, 0x80, 0x08, 0},
	}
	for name, tl := range tails {
		var got ExampleBatch
		if err := ReadExampleBatch(append(slices.Clone(head), tl...), &got); err == nil {
			t.Errorf("%s: read without error: %+v", name, got)
		}
	}
}

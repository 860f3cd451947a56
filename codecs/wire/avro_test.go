package wire

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/schemas"
)

// avroCase encodes one random message by hand and as goavro native data,
// and decodes the hand encoding back.
type avroCase struct {
	schema string
	make   func(g *gen) (want any, ours []byte, native map[string]any)
	read   func(data []byte) (any, error)
}

var avroCases = map[string]avroCase{
	"ExampleBatch": {schemas.Example,
		func(g *gen) (any, []byte, map[string]any) {
			eb := g.exampleBatch(6, 20)
			return normalizeRows(eb), AppendExampleBatch(nil, &eb), exampleBatchNative(&eb)
		},
		func(data []byte) (any, error) { var v ExampleBatch; err := ReadExampleBatch(data, &v); return v, err }},
	"PredictionBatch": {schemas.Prediction,
		func(g *gen) (any, []byte, map[string]any) {
			pb := g.predictionBatch(6)
			return pb, AppendPredictionBatch(nil, &pb), predictionBatchNative(&pb)
		},
		func(data []byte) (any, error) {
			var v PredictionBatch
			err := ReadPredictionBatch(data, &v)
			return v, err
		}},
	"MetricSnapshot": {schemas.MetricSnapshot,
		func(g *gen) (any, []byte, map[string]any) {
			m := g.metricSnapshot()
			return m, AppendMetricSnapshot(nil, &m), metricSnapshotNative(&m)
		},
		func(data []byte) (any, error) {
			var v MetricSnapshot
			err := ReadMetricSnapshot(data, &v)
			return v, err
		}},
	"Event": {schemas.Event,
		func(g *gen) (any, []byte, map[string]any) {
			e := g.event()
			return e, AppendEvent(nil, &e), eventNative(&e)
		},
		func(data []byte) (any, error) { var v Event; err := ReadEvent(data, &v); return v, err }},
	"DeadLetter": {schemas.DeadLetter,
		func(g *gen) (any, []byte, map[string]any) {
			d := g.deadLetter()
			return d, AppendDeadLetter(nil, &d), deadLetterNative(&d)
		},
		func(data []byte) (any, error) { var v DeadLetter; err := ReadDeadLetter(data, &v); return v, err }},
	"ModelState": {schemas.ModelState,
		func(g *gen) (any, []byte, map[string]any) {
			s := g.exportedModel()
			return s, AppendExportedModel(nil, &s), exportedModelNative(&s)
		},
		func(data []byte) (any, error) { var v ExportedModel; err := ReadExportedModel(data, &v); return v, err }},
}

// TestAvroMatchesGoavro proves that the hand-written Avro encoders write
// byte for byte what goavro writes for the same record, on random messages,
// and that the hand-written decoders read it back.
func TestAvroMatchesGoavro(t *testing.T) {
	for name, tc := range avroCases {
		t.Run(name, func(t *testing.T) {
			codec := goavroCodec(t, tc.schema)
			g := newGen(1)
			for i := range 300 {
				want, ours, native := tc.make(g)
				theirs, err := codec.BinaryFromNative(nil, native)
				if err != nil {
					t.Fatalf("#%d: goavro: %v", i, err)
				}
				if !bytes.Equal(ours, theirs) {
					t.Fatalf("#%d: bytes differ\nours   %x\ngoavro %x\nvalue %+v", i, ours, theirs, want)
				}
				if _, rest, err := codec.NativeFromBinary(ours); err != nil || len(rest) != 0 {
					t.Fatalf("#%d: goavro cannot read ours: %v (%d left)", i, err, len(rest))
				}
				got, err := tc.read(ours)
				if err != nil {
					t.Fatalf("#%d: read: %v", i, err)
				}
				if !same(got, want) {
					t.Fatalf("#%d: round trip\n got %+v\nwant %+v", i, got, want)
				}
			}
		})
	}
}

// TestAvroTruncated checks that every strict prefix of a valid encoding is
// an error, never a panic nor a success; but an ExampleBatch that ends
// before its integer fields, its Scores or its Partial is a batch of an
// earlier format, which stays readable (batches on the examples topic
// across an upgrade).
func TestAvroTruncated(t *testing.T) {
	for name, tc := range avroCases {
		t.Run(name, func(t *testing.T) {
			g := newGen(2)
			for range 20 {
				want, data, _ := tc.make(g)
				var earlier []int
				if eb, ok := want.(ExampleBatch); ok {
					earlier = earlierFormatEnds(&eb, len(data))
				}
				for n := range len(data) {
					if slices.Contains(earlier, n) {
						continue
					}
					if _, err := tc.read(data[:n]); err == nil {
						t.Fatalf("prefix %d of %d (%x) decoded without error", n, len(data), data)
					}
				}
				if _, err := tc.read(append(data, 0)); err == nil {
					t.Fatalf("trailing byte accepted")
				}
			}
		})
	}
}

func TestSizeLong(t *testing.T) {
	for _, v := range append(awkwardLongs, 1<<62, -1<<62, 1<<55, 8191, 8192, -8192, -8193) {
		if got, want := sizeLong(v), len(appendLong(nil, v)); got != want {
			t.Errorf("sizeLong(%d) = %d, want %d", v, got, want)
		}
	}
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		read func(r *reader)
		want string
	}{
		{"empty long", nil, func(r *reader) { r.long() }, "truncated"},
		{"unterminated varint", []byte{0x80, 0x80}, func(r *reader) { r.long() }, "truncated"},
		{"varint of 11 bytes", bytes.Repeat([]byte{0xff}, 11), func(r *reader) { r.long() }, "overflows"},
		{"tenth byte too big", append(bytes.Repeat([]byte{0xff}, 9), 0x02), func(r *reader) { r.long() }, "overflows"},
		{"int out of range", appendLong(nil, math.MaxInt32+1), func(r *reader) { r.int() }, "out of range"},
		{"short double", []byte{1, 2, 3}, func(r *reader) { r.double() }, "truncated"},
		{"boolean 2", []byte{2}, func(r *reader) { r.boolean() }, "boolean byte 2"},
		{"negative length", appendLong(nil, -1), func(r *reader) { r.string() }, "negative length"},
		{"length past end", appendLong(nil, 5), func(r *reader) { r.string() }, "truncated"},
		{"union branch 2", appendLong(nil, 2), func(r *reader) { r.nullableDouble() }, "union branch 2"},
		{"huge array", appendLong(nil, 1<<40), func(r *reader) { r.doubles(nil) }, "truncated"},
		{"min block count", appendLong(nil, math.MinInt64), func(r *reader) { r.doubles(nil) }, "block count"},
		{"negative block size", appendLong(appendLong(nil, -1), -3), func(r *reader) { r.doubles(nil) }, "negative block size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReader(tt.data)
			tt.read(&r)
			if r.Err() == nil || !strings.Contains(r.Err().Error(), tt.want) {
				t.Fatalf("err = %v, want %q", r.Err(), tt.want)
			}
		})
	}
}

// TestAvroBlocks checks that arrays written in several blocks, with
// negative counts and byte sizes (as other Avro writers may), are read.
func TestAvroBlocks(t *testing.T) {
	var b []byte
	b = appendLong(b, -2) // two items, 16 bytes
	b = appendLong(b, 16)
	b = appendDouble(appendDouble(b, 1), 2)
	b = appendLong(b, 1)
	b = appendDouble(b, 3)
	b = appendLong(b, 0)
	r := newReader(b)
	got := r.doubles(nil)
	if err := r.done("doubles"); err != nil {
		t.Fatal(err)
	}
	if !same(got, []float64{1, 2, 3}) {
		t.Fatalf("got %v", got)
	}
}

// earlierFormatEnds are the lengths at which the n-byte encoding of eb
// ends in an earlier format: before integer_width, before scores, before
// partial.
func earlierFormatEnds(eb *ExampleBatch, n int) []int {
	p := packing(eb)
	ints, w := 0, 0
	for i, ok := range p.rows {
		if ok {
			w = len(eb.Rows[i].Features)
			ints += w
		}
	}
	beforeInts := n - p.bytes - sizeArray(ints) - sizeLong(int64(w))
	beforeScores := beforeInts - sizeDoubles(len(eb.Scores))
	return []int{beforeInts, beforeScores, beforeScores - 1}
}

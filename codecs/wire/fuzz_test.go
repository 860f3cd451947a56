package wire

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/lovoo/goka"
	"github.com/streamsgd/streamsgd/schemas"
)

// FuzzReadExampleBatch: ReadExampleBatch never panics; what it accepts it
// re-encodes to a record goavro reads as the same (and goavro reads data
// itself so, unless it is of an earlier format) and reads back to the
// same batch; and reading into a used batch gives what reading into a
// fresh one gives.
func FuzzReadExampleBatch(f *testing.F) {
	g := newGen(8)
	for range 10 {
		eb := g.exampleBatch(4, 8)
		f.Add(AppendExampleBatch(nil, &eb))
	}
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0})
	codec := goavroCodec(f, schemas.Example)
	used := g.exampleBatch(8, 8)
	f.Fuzz(func(t *testing.T, data []byte) {
		var eb ExampleBatch
		if ReadExampleBatch(data, &eb) != nil {
			return
		}
		ours := AppendExampleBatch(nil, &eb)
		// A batch of an earlier format (one that ends before partial,
		// scores or the integer fields) is not a record of the schema:
		// goavro must read its re-encoding, and data itself when it is
		// whole, as the same record.
		native, rest, err := codec.NativeFromBinary(ours)
		if err != nil || len(rest) != 0 {
			t.Fatalf("goavro rejects our encoding of what ReadExampleBatch accepts: %v (%d left)", err, len(rest))
		}
		theirs, err := codec.BinaryFromNative(nil, native)
		if err != nil || !bytes.Equal(ours, theirs) {
			t.Fatalf("goavro reads another record: %v\nours   %x\ngoavro %x", err, ours, theirs)
		}
		if native, rest, err := codec.NativeFromBinary(data); err == nil && len(rest) == 0 {
			theirs, err := codec.BinaryFromNative(nil, native)
			if err != nil || !bytes.Equal(ours, theirs) {
				t.Fatalf("goavro reads data as another record: %v\nours   %x\ngoavro %x", err, ours, theirs)
			}
		}
		var back ExampleBatch
		if err := ReadExampleBatch(ours, &back); err != nil || !same(back, eb) {
			t.Fatalf("round trip: %v\n got %+v\nwant %+v", err, back, eb)
		}
		reused := used
		reused.Rows = append([]Row(nil), used.Rows...)
		if err := ReadExampleBatch(data, &reused); err != nil || !same(reused, eb) {
			t.Fatalf("into a used batch: %v\n got %+v\nwant %+v", err, reused, eb)
		}
	})
}

// fuzzDecode fuzzes the Decode of one codec in both encodings: it never
// panics, and what it accepts encodes and decodes back to the same value.
func fuzzDecode(f *testing.F, newCodec func(string) (goka.Codec, error), seed func(*gen) any) {
	codecs := map[bool]goka.Codec{}
	for _, avro := range []bool{false, true} {
		c, err := newCodec(map[bool]string{false: JSON, true: Avro}[avro])
		if err != nil {
			f.Fatal(err)
		}
		codecs[avro] = c
		g := newGen(9)
		g.utf8Only = !avro
		for range 8 {
			data, err := c.Encode(seed(g))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(avro, data)
		}
		f.Add(avro, []byte{})
	}
	f.Fuzz(func(t *testing.T, avro bool, data []byte) { roundTrip(t, codecs[avro], data, same) })
}

// roundTrip: what c decodes from data it encodes, and decodes back to a
// value equal to the first by eq.
func roundTrip(t *testing.T, c goka.Codec, data []byte, eq func(a, b any) bool) {
	v, err := c.Decode(data)
	if err != nil {
		return
	}
	again, err := c.Encode(v)
	if err != nil {
		t.Fatalf("encode what was decoded: %v", err)
	}
	back, err := c.Decode(again)
	if err != nil || !eq(back, v) {
		t.Fatalf("round trip: %v\n got %+v\nwant %+v\ndata %q", err, back, v, again)
	}
}

func FuzzPredictionDecode(f *testing.F) {
	fuzzDecode(f, PredictionCodec, func(g *gen) any { return g.predictionBatch(3) })
}

func FuzzMetricSnapshotDecode(f *testing.F) {
	fuzzDecode(f, MetricSnapshotCodec, func(g *gen) any { return g.metricSnapshot() })
}

func FuzzEventDecode(f *testing.F) {
	fuzzDecode(f, EventCodec, func(g *gen) any { return g.event() })
}

func FuzzDeadLetterDecode(f *testing.F) {
	fuzzDecode(f, DeadLetterCodec, func(g *gen) any { return g.deadLetter() })
}

func FuzzExportedModelDecode(f *testing.F) {
	fuzzDecode(f, ExportedModelCodec, func(g *gen) any { return g.exportedModel() })
}

func FuzzExampleBatchDecode(f *testing.F) {
	fuzzDecode(f, func(string) (goka.Codec, error) { return ExampleBatchCodec{}, nil },
		func(g *gen) any { return g.exampleBatch(3, 5) })
}

// FuzzRelabelDecode: what RelabelCodec decodes encodes back to the same
// bytes and value.
func FuzzRelabelDecode(f *testing.F) {
	var c RelabelCodec
	for _, l := range []*Relabel{
		{Source: Source{Topic: "labels", Partition: 2, Offset: 41}, At: 1_700_000_000_000, Value: []byte("1")},
		{Source: Source{Topic: "", Partition: -1, Offset: -1}, At: -5},
		{Source: Source{Topic: "t", Partition: 1 << 30, Offset: 1 << 62}, Value: []byte{0, 255, '\n'}},
	} {
		data, err := c.Encode(l)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{})
	f.Add([]byte{2})
	f.Fuzz(func(t *testing.T, data []byte) { roundTrip(t, c, data, reflect.DeepEqual) })
}

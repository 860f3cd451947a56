package wire

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/lovoo/goka"
)

// codecCase builds the codec of one type for an encoding and makes random
// values of that type.
type codecCase struct {
	codec func(encoding string) (goka.Codec, error)
	make  func(g *gen) any
}

var codecCases = map[string]codecCase{
	"PredictionBatch": {PredictionCodec, func(g *gen) any { return g.predictionBatch(5) }},
	"MetricSnapshot":  {MetricSnapshotCodec, func(g *gen) any { return g.metricSnapshot() }},
	"DeadLetter":      {DeadLetterCodec, func(g *gen) any { return g.deadLetter() }},
	"Event":           {EventCodec, func(g *gen) any { return g.event() }},
	"ExportedModel":   {ExportedModelCodec, func(g *gen) any { return g.exportedModel() }},
}

// TestCodecRoundTrip encodes random values of every type in every encoding,
// as a value and as a pointer, and checks that Decode returns a pointer to
// the same data (after JSON's NaN/Inf-to-null mapping).
func TestCodecRoundTrip(t *testing.T) {
	for name, tc := range codecCases {
		for _, encoding := range []string{"", JSON, Avro} {
			t.Run(name+"/"+encoding, func(t *testing.T) {
				c, err := tc.codec(encoding)
				if err != nil {
					t.Fatal(err)
				}
				g := newGen(6)
				g.utf8Only = encoding != Avro
				for i := range 200 {
					v := tc.make(g)
					ptr := reflect.New(reflect.TypeOf(v))
					ptr.Elem().Set(reflect.ValueOf(v))
					for _, in := range []any{v, ptr.Interface()} {
						data, err := c.Encode(in)
						if err != nil {
							t.Fatalf("#%d: encode %T: %v", i, in, err)
						}
						out, err := c.Decode(data)
						if err != nil {
							t.Fatalf("#%d: decode %q: %v", i, data, err)
						}
						want := v
						if encoding != Avro {
							want = afterJSON(v)
						}
						got := reflect.ValueOf(out)
						if got.Kind() != reflect.Pointer || !same(got.Elem().Interface(), want) {
							t.Fatalf("#%d: got %+v\nwant %+v\ndata %q", i, out, want, data)
						}
					}
				}
			})
		}
	}
}

func TestCodecEncodeErrors(t *testing.T) {
	for name, tc := range codecCases {
		for _, encoding := range []string{JSON, Avro} {
			c, err := tc.codec(encoding)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(name+"/"+encoding, func(t *testing.T) {
				for _, bad := range []any{nil, 42, "x", reflect.Zero(reflect.PointerTo(reflect.TypeOf(tc.make(newGen(0))))).Interface()} {
					if _, err := c.Encode(bad); err == nil || !strings.HasPrefix(err.Error(), "wire: ") {
						t.Errorf("Encode(%#v) err = %v", bad, err)
					}
				}
			})
		}
	}
}

func TestPredictionCodecSingle(t *testing.T) {
	p := newGen(7).prediction()
	for _, encoding := range []string{JSON, Avro} {
		t.Run(encoding, func(t *testing.T) {
			c, err := PredictionCodec(encoding)
			if err != nil {
				t.Fatal(err)
			}
			one, err := c.Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			batch, err := c.Encode(&PredictionBatch{Predictions: []Prediction{p}})
			if err != nil {
				t.Fatal(err)
			}
			if string(one) != string(batch) {
				t.Fatalf("a Prediction encodes as %q, its batch of one as %q", one, batch)
			}
		})
	}
}

func TestUnknownEncoding(t *testing.T) {
	constructors := map[string]func(string) (goka.Codec, error){
		"prediction": PredictionCodec, "metric snapshot": MetricSnapshotCodec,
		"dead letter": DeadLetterCodec, "exported model": ExportedModelCodec, "event": EventCodec,
	}
	for name, newCodec := range constructors {
		t.Run(name, func(t *testing.T) {
			_, err := newCodec("xml")
			if !errors.Is(err, ErrUnknownEncoding) || !strings.Contains(err.Error(), `"xml"`) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if err := CheckEncoding("JSON"); err == nil {
		t.Error("encodings are case-sensitive")
	}
}

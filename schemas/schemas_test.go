package schemas_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"
	"github.com/lovoo/goka"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/schemas"
)

func TestSchemasParse(t *testing.T) {
	for _, name := range schemas.Names() {
		t.Run(name, func(t *testing.T) {
			text, err := schemas.Schema(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := goavro.NewCodec(text); err != nil {
				t.Fatalf("goavro: %v", err)
			}
			var top struct{ Type, Name, Namespace string }
			if err := json.Unmarshal([]byte(text), &top); err != nil {
				t.Fatal(err)
			}
			if top.Type != "record" || top.Namespace != "streamsgd" {
				t.Errorf("top level is a %q in namespace %q, want a record in streamsgd", top.Type, top.Namespace)
			}
		})
	}
}

// TestEveryFileNamed checks that each .avsc file is reachable by a name.
func TestEveryFileNamed(t *testing.T) {
	files, err := filepath.Glob("*.avsc")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, name := range schemas.Names() {
		text, err := schemas.Schema(name)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, text)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(texts, string(b)) {
			t.Errorf("%s has no name", file)
		}
	}
	if len(files) != len(texts) {
		t.Errorf("%d files, %d names", len(files), len(texts))
	}
}

func TestNames(t *testing.T) {
	names := schemas.Names()
	if !slices.IsSorted(names) || len(names) != 7 {
		t.Fatalf("Names() = %v", names)
	}
	names[0] = "changed"
	if schemas.Names()[0] == "changed" {
		t.Error("Names shares its slice")
	}
}

func TestSchemaUnknown(t *testing.T) {
	_, err := schemas.Schema("Nope")
	if err == nil || !strings.HasPrefix(err.Error(), "schemas: ") || !strings.Contains(err.Error(), `"Nope"`) {
		t.Fatalf("err = %v", err)
	}
}

// TestWireTypesRoundTrip encodes a value of each wire type with its Avro
// codec and checks that goavro reads it with the schema and writes the same
// bytes back, and that its textual (JSON) form converts too.
func TestWireTypesRoundTrip(t *testing.T) {
	label := 0.0
	avro := func(newCodec func(string) (goka.Codec, error)) goka.Codec {
		c, err := newCodec(wire.Avro)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		schema string
		codec  goka.Codec
		value  any
	}{
		{schemas.Example, wire.ExampleBatchCodec{}, wire.ExampleBatch{
			Source: wire.Source{Topic: "susy", Partition: 1, Offset: 99}, Model: "lr", Key: "global-1",
			Rows:    []wire.Row{{Index: 0, Features: []float64{1, 2}, Label: 1, HasLabel: true}, {Index: 1, Features: []float64{3, 4}}},
			Invalid: 2,
		}},
		{schemas.Prediction, avro(wire.PredictionCodec), wire.PredictionBatch{Predictions: []wire.Prediction{
			{ID: "susy/1/99/0", Topic: "susy", Partition: 1, Offset: 99, Model: "lr", Key: "global-1", Version: 5,
				Scores: []float64{0.2, 0.8}, Predicted: 1, Label: &label},
			{ID: "susy/1/99/1", Topic: "susy", Partition: 1, Offset: 99, Index: 1, Model: "lr", Key: "global-1", Version: 6},
		}}},
		{schemas.MetricSnapshot, avro(wire.MetricSnapshotCodec), wire.MetricSnapshot{
			Model: "lr", Key: "global-1", Version: 6, Rows: 6, Invalid: 1, Window: 6,
			Metrics: []wire.Metric{{Name: "accuracy", Value: 0.5}}, SourceTopic: "susy", SourcePartition: 1, SourceOffset: 99,
		}},
		{schemas.DeadLetter, avro(wire.DeadLetterCodec), wire.DeadLetter{
			Topic: "susy", Partition: 1, Offset: 100, Index: wire.WholeMessage, Value: []byte("x,y"), Reason: "not a number",
		}},
		{schemas.ModelState, avro(wire.ExportedModelCodec), wire.ExportedModel{
			Model: "lr", Key: "global-1", ConfigHash: "abc", Version: 6, Rows: 6,
			Watermarks: []wire.Watermark{{Topic: "susy", Partition: 1, Offset: 99}}, ModelBytes: []byte{1, 2}, MetricsBytes: []byte{3},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			text, err := schemas.Schema(tt.schema)
			if err != nil {
				t.Fatal(err)
			}
			codec, err := goavro.NewCodec(text)
			if err != nil {
				t.Fatal(err)
			}
			data, err := tt.codec.Encode(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			native, rest, err := codec.NativeFromBinary(data)
			if err != nil || len(rest) > 0 {
				t.Fatalf("goavro cannot read %x: %v (%d left)", data, err, len(rest))
			}
			again, err := codec.BinaryFromNative(nil, native)
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("goavro writes %x, wire wrote %x (%v)", again, data, err)
			}
			textual, err := codec.TextualFromNative(nil, native)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := codec.NativeFromTextual(textual); err != nil {
				t.Fatalf("textual %s: %v", textual, err)
			}
			if _, err := tt.codec.Decode(again); err != nil {
				t.Fatal(err)
			}
		})
	}
}

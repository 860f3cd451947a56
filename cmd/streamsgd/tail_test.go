package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/wire"
)

// TestTailBinary: tail in its default JSON mode prints JSON and text
// records, and stops on an Avro record with a hint, instead of writing
// its bytes to the terminal.
func TestTailBinary(t *testing.T) {
	pb := &wire.PredictionBatch{Predictions: []wire.Prediction{{ID: "in/0/1/0", Topic: "in", Offset: 1, Model: "m", Key: "m", Scores: []float64{0.25}}}}
	avro, err := wire.PredictionCodec("avro")
	if err != nil {
		t.Fatal(err)
	}
	js, err := wire.PredictionCodec("json")
	if err != nil {
		t.Fatal(err)
	}
	avroValue, err := avro.Encode(pb)
	if err != nil {
		t.Fatal(err)
	}
	jsonValue, err := js.Encode(pb)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		value   []byte
		wantErr string
	}{
		{"json", jsonValue, ""},
		{"csv text", []byte("1,0.5,\t2\r\n0,1,2\n"), ""},
		{"avro", avroValue, "x.predictions/0@7 is binary, not JSON or text: an Avro topic? (--encoding avro)"},
		{"not utf-8", []byte("caf\xe9"), "--encoding avro"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			w := bufio.NewWriter(&out)
			n, err := (&recoder{}).print(w, &kgo.Record{Topic: "x.predictions", Offset: 7, Value: tc.value}, -1)
			w.Flush()
			switch {
			case tc.wantErr == "" && (err != nil || n == 0):
				t.Fatalf("%d lines, %v", n, err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || out.Len() != 0):
				t.Fatalf("err %v, printed %q; want %q", err, out.String(), tc.wantErr)
			}
		})
	}
}

package input

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"
)

func readSusySchema(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("testdata/susy.avsc")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// susyRecord is the goavro native form of SUSY record i.
func susyRecord(i int) map[string]any {
	fields := strings.Split(strings.TrimSpace(susyLine), ",")
	m := make(map[string]any, 19)
	for j, f := range fields {
		v, _ := strconv.ParseFloat(f, 64)
		m["f"+strconv.Itoa(j)] = v + float64(i)
	}
	m["label"] = int32(i % 2)
	return m
}

// susyBinary is n concatenated SUSY records.
func susyBinary(tb testing.TB, codec *goavro.Codec, n int) []byte {
	tb.Helper()
	var out []byte
	for i := range n {
		var err error
		if out, err = codec.BinaryFromNative(out, susyRecord(i)); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// kitchenSchema has one field of each kind a decoder meets.
const kitchenSchema = `{
  "type": "record", "name": "Kitchen", "namespace": "test",
  "fields": [
    {"name": "x", "type": "double"},
    {"name": "n", "type": "long"},
    {"name": "i", "type": "int"},
    {"name": "f", "type": "float"},
    {"name": "b", "type": "boolean"},
    {"name": "opt", "type": ["null", "double"]},
    {"name": "name", "type": "string"},
    {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["red", "green", "blue"]}},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "shade", "type": ["null", "Color"]},
    {"name": "id", "type": ["null", "string"]}
  ]
}`

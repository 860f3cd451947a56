package input

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"
)

// susyRow is the row decoded from susyRecord(i) with the label field.
func susyRow(idx int32, i int) Row {
	rec := susyRecord(i)
	feats := make([]float64, 18)
	for j := range feats {
		feats[j] = rec["f"+strconv.Itoa(j)].(float64)
	}
	return row(idx, float64(i%2), feats...)
}

func encode(tb testing.TB, schema string, recs ...map[string]any) []byte {
	tb.Helper()
	c, err := goavro.NewCodec(schema)
	if err != nil {
		tb.Fatal(err)
	}
	var out []byte
	for _, r := range recs {
		if out, err = c.BinaryFromNative(out, r); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// kitchen is a kitchenSchema record; change fields with the returned map.
func kitchen(x float64) map[string]any {
	return map[string]any{
		"x": x, "n": int64(2), "i": int32(3), "f": float32(0.5), "b": true,
		"opt": goavro.Union("double", 4.5), "name": "Ann", "ts": int64(0), "color": "green",
		"tags": []any{"t"}, "shade": goavro.Union("test.Color", "blue"), "id": goavro.Union("string", "s1"),
	}
}

func with(m map[string]any, k string, v any) map[string]any { m[k] = v; return m }

func TestDecodeAvroBinary(t *testing.T) {
	susy := readSusySchema(t)
	avro := Spec{Format: FormatAvro, AvroSchema: susy, LabelColumn: "label"}
	kit := Spec{Format: FormatAvro, AvroSchema: kitchenSchema, Features: []string{"x", "n", "i", "f", "b", "opt"},
		LabelColumn: "color", Classes: []string{"red", "green", "blue"}, KeyColumn: "id"}
	kitRow := func(i int32, x float64) Row { return withEntity(row(i, 1, x, 2, 3, 0.5, 1, 4.5), "s1") }
	short := encode(t, susy, susyRecord(1))
	short = short[:len(short)-3]
	tests := []decodeCase{
		{name: "one record", spec: avro, value: encode(t, susy, susyRecord(0)), want: []Row{susyRow(0, 0)}},
		{name: "several records", spec: avro, value: encode(t, susy, susyRecord(0), susyRecord(1), susyRecord(2)),
			want: []Row{susyRow(0, 0), susyRow(1, 1), susyRow(2, 2)}},
		{name: "empty value", spec: avro, value: nil},
		{name: "label from key", spec: Spec{Format: FormatAvro, AvroSchema: susy, Label: LabelFromKey, Features: []string{"f0", "label"}},
			key: "7", value: encode(t, susy, susyRecord(1)), want: []Row{row(0, 7, susyRecord(1)["f0"].(float64), 1)}},
		{name: "no label", spec: Spec{Format: FormatAvro, AvroSchema: susy, Features: []string{"label"}}, value: encode(t, susy, susyRecord(3)), want: []Row{unlabelled(0, 1)}},
		{name: "kinds classes entity", spec: kit, value: encode(t, kitchenSchema, kitchen(1), kitchen(2)), want: []Row{kitRow(0, 1), kitRow(1, 2)}},
		{name: "default features are the numeric fields", spec: Spec{Format: FormatAvro, AvroSchema: kitchenSchema, LabelColumn: "i"},
			value: encode(t, kitchenSchema, kitchen(1)), want: []Row{row(0, 3, 1, 2, 0.5, 1, 4.5)}},
		{name: "int label with classes", spec: Spec{Format: FormatAvro, AvroSchema: susy, LabelColumn: "label", Classes: []string{"1", "0"}, Features: []string{"f0"}},
			value: encode(t, susy, susyRecord(0)), want: []Row{row(0, 1, susyRecord(0)["f0"].(float64))}},
		{name: "string label number", spec: Spec{Format: FormatAvro, AvroSchema: kitchenSchema, LabelColumn: "name", Features: []string{"x"}},
			value: encode(t, kitchenSchema, with(kitchen(1), "name", "2.5")), want: []Row{row(0, 2.5, 1)}},
		{name: "nullable enum label", spec: Spec{Format: FormatAvro, AvroSchema: kitchenSchema, LabelColumn: "shade", Classes: []string{"blue"}, Features: []string{"x"}},
			value: encode(t, kitchenSchema, kitchen(1), with(kitchen(2), "shade", nil)),
			want:  []Row{row(0, 0, 1)}, wantBad: []RowError{bad(1, "row 1: missing label: field shade is null")}},
		{name: "boolean label with classes", spec: Spec{Format: FormatAvro, AvroSchema: kitchenSchema, LabelColumn: "b", Classes: []string{"false", "true"}, Features: []string{"x"}},
			value: encode(t, kitchenSchema, kitchen(1)), want: []Row{row(0, 1, 1)}},
		{name: "float label with classes", spec: Spec{Format: FormatAvro, AvroSchema: kitchenSchema, LabelColumn: "f", Classes: []string{"0.5"}, Features: []string{"x"}},
			value: encode(t, kitchenSchema, kitchen(1)), want: []Row{row(0, 0, 1)}},
		{name: "int entity", spec: Spec{Format: FormatAvro, AvroSchema: kitchenSchema, KeyColumn: "n", Features: []string{"x"}},
			value: encode(t, kitchenSchema, kitchen(1)), want: []Row{withEntity(unlabelled(0, 1), "2")}},
		{name: "example id", spec: Spec{Format: FormatAvro, AvroSchema: kitchenSchema, IDColumn: "id", Features: []string{"x"}},
			value:   encode(t, kitchenSchema, kitchen(1), with(kitchen(2), "id", nil), with(kitchen(3), "id", goavro.Union("string", ""))),
			want:    []Row{withID(unlabelled(0, 1), "s1")},
			wantBad: []RowError{bad(1, "row 1: no example id: field id is null"), bad(2, "row 2: no example id: field id is empty")}},
		{name: "int example id, not a default feature", spec: Spec{Format: FormatAvro, AvroSchema: kitchenSchema, IDColumn: "n", LabelColumn: "i"},
			value: encode(t, kitchenSchema, kitchen(1)), want: []Row{withID(row(0, 3, 1, 0.5, 1, 4.5), "2")}},

		{name: "null feature", spec: kit, value: encode(t, kitchenSchema, kitchen(1), with(kitchen(2), "opt", nil), kitchen(3)),
			want: []Row{kitRow(0, 1), kitRow(2, 3)}, wantBad: []RowError{bad(1, "row 1: field opt: null")}},
		{name: "nan feature", spec: kit, value: encode(t, kitchenSchema, kitchen(math.NaN())), wantBad: []RowError{bad(0, "row 0: field x: NaN is not a finite number")}},
		{name: "huge feature", spec: kit, value: encode(t, kitchenSchema, kitchen(1e300)),
			wantBad: []RowError{bad(0, "row 0: field x: 1e+300 is too large for a model (its magnitude is over 1e150: its square overflows)")}},
		{name: "inf feature", spec: kit, value: encode(t, kitchenSchema, with(kitchen(1), "f", float32(math.Inf(-1)))), wantBad: []RowError{bad(0, "row 0: field f: -Inf is not a finite number")}},
		{name: "nan label", spec: Spec{Format: FormatAvro, AvroSchema: kitchenSchema, LabelColumn: "x", Features: []string{"n"}},
			value: encode(t, kitchenSchema, kitchen(math.Inf(1))), wantBad: []RowError{bad(0, "row 0: field x: label +Inf is not a finite number")}},
		{name: "label not in classes", spec: Spec{Format: FormatAvro, AvroSchema: kitchenSchema, LabelColumn: "color", Classes: []string{"green", "blue"}, Features: []string{"x"}},
			value: encode(t, kitchenSchema, with(kitchen(1), "color", "red")), wantBad: []RowError{bad(0, `row 0: field color: label "red" is not one of the classes ["green" "blue"]`)}},
		{name: "enum label not a number", spec: Spec{Format: FormatAvro, AvroSchema: kitchenSchema, LabelColumn: "color", Features: []string{"x"}},
			value: encode(t, kitchenSchema, kitchen(1)), wantBad: []RowError{bad(0, `row 0: field color: label parse "green": invalid syntax`)}},
		{name: "missing label key", spec: Spec{Format: FormatAvro, AvroSchema: susy, Label: LabelFromKey}, value: encode(t, susy, susyRecord(0)),
			wantBad: []RowError{bad(0, "row 0: missing label: the record key is empty")}},
		// No entity: the per-entity models refuse the row, not the decoder.
		{name: "null entity", spec: kit, value: encode(t, kitchenSchema, with(kitchen(1), "id", nil)), want: []Row{withEntity(kitRow(0, 1), "")}},
		{name: "empty entity", spec: kit, value: encode(t, kitchenSchema, with(kitchen(1), "id", goavro.Union("string", ""))), want: []Row{withEntity(kitRow(0, 1), "")}},
		{name: "truncated record", spec: avro, value: append(encode(t, susy, susyRecord(0)), short...),
			want:    []Row{susyRow(0, 0)},
			wantBad: []RowError{{Index: 1, Reason: `row 1: undecodable record: cannot decode binary record "streamsgd.examples.Susy" field "f17": cannot decode binary double: short buffer`, Raw: short}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

func TestDecodeAvroConfluent(t *testing.T) {
	susy := readSusySchema(t)
	spec := Spec{Format: FormatAvro, AvroMode: AvroConfluent, AvroSchema: susy, LabelColumn: "label", SchemaIDs: []int32{3, 258}}
	anyID := spec
	anyID.SchemaIDs = nil
	body := encode(t, susy, susyRecord(0))
	tests := []decodeCase{
		{name: "accepted id", spec: spec, value: confluent(258, body), want: []Row{susyRow(0, 0)}},
		{name: "any id", spec: anyID, value: confluent(99, body), want: []Row{susyRow(0, 0)}},
		{name: "header only", spec: spec, value: confluent(3, nil)},
		{name: "unknown schema id", spec: spec, value: confluent(4, body), wantErr: ErrUnknownSchemaID},
		{name: "wrong magic byte", spec: spec, value: append([]byte{1}, confluent(3, body)[1:]...), wantErr: ErrBadMagic},
		{name: "too short", spec: spec, value: []byte{0, 0, 3}, wantErr: ErrBadMagic},
		{name: "bad record", spec: spec, value: confluent(3, body[:5]), wantBad: []RowError{{Index: 0, Reason: `row 0: undecodable record: cannot decode binary record "streamsgd.examples.Susy" field "f0": cannot decode binary double: short buffer`, Raw: body[:5]}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
	d, _ := NewDecoder(spec)
	if _, _, err := d.Decode(nil, confluent(4, body), nil); err == nil || err.Error() != "input: unknown schema id 4: accepted ids are [3 258]" {
		t.Errorf("unknown id error = %v", err)
	}
}

func TestDecodeAvroOCF(t *testing.T) {
	susy := readSusySchema(t)
	spec := Spec{Format: FormatAvro, AvroMode: AvroOCF, AvroSchema: susy, LabelColumn: "label"}
	noSchema := Spec{Format: FormatAvro, AvroMode: AvroOCF, LabelColumn: "label"}
	three := []Row{susyRow(0, 0), susyRow(1, 1), susyRow(2, 2)}
	twoBlocks := func(codec string) []byte {
		f := &ocfFile{schema: susy, codec: codec}
		return f.addRecords(t, susyRecord(0), susyRecord(1)).addRecords(t, susyRecord(2)).bytes(t)
	}
	recs := func(from, to int) []any {
		var out []any
		for i := from; i < to; i++ {
			out = append(out, susyRecord(i))
		}
		return out
	}
	kitOCF := (&ocfFile{schema: kitchenSchema}).addRecords(t, kitchen(1)).bytes(t)
	good := (&ocfFile{schema: susy}).addRecords(t, susyRecord(0), susyRecord(1)).bytes(t)
	corruptSync := twoBlocks("")
	corruptSync[len(corruptSync)-1] ^= 0xff
	rec0 := encode(t, susy, susyRecord(0))
	tests := []decodeCase{
		{name: "null codec two blocks", spec: spec, value: twoBlocks(""), want: three},
		{name: "explicit null codec", spec: spec, value: twoBlocks("null"), want: three},
		{name: "deflate", spec: spec, value: twoBlocks("deflate"), want: three},
		{name: "snappy", spec: spec, value: twoBlocks("snappy"), want: three},
		{name: "zstandard", spec: spec, value: twoBlocks("zstandard"), want: three},
		{name: "goavro writer deflate", spec: spec, value: goavroOCF(t, susy, "deflate", recs(0, 2), recs(2, 3)), want: three},
		{name: "goavro writer snappy", spec: spec, value: goavroOCF(t, susy, "snappy", recs(0, 1), recs(1, 2), recs(2, 3)), want: three},
		{name: "metadata with negative count", spec: spec,
			value: (&ocfFile{schema: susy, codec: "deflate", negativeCount: true}).addRecords(t, susyRecord(0)).bytes(t), want: three[:1]},
		{name: "no blocks", spec: spec, value: goavroOCF(t, susy, "null")},
		{name: "features from writer schema", spec: noSchema, value: twoBlocks(""), want: three},
		{name: "other writer schema by name", spec: Spec{Format: FormatAvro, AvroMode: AvroOCF, Features: []string{"i", "x"}, KeyColumn: "id"},
			value: kitOCF, want: []Row{withEntity(unlabelled(0, 3, 1), "s1")}},

		{name: "bad magic", spec: spec, value: append([]byte("Obj\x02"), good[4:]...), wantErr: ErrBadMagic},
		{name: "truncated header", spec: spec, value: good[:20], wantErr: ErrBadHeader},
		{name: "no sync marker", spec: spec, value: good[:len(good)-len(rec0)*2-20], wantErr: ErrBadHeader},
		{name: "unsupported codec", spec: spec, value: (&ocfFile{schema: susy, codec: "lzma"}).bytes(t), wantErr: ErrBadHeader},
		{name: "writer schema lacks a feature", spec: spec, value: kitOCF, wantErr: ErrBadHeader},
		{name: "writer schema invalid", spec: spec, value: (&ocfFile{schema: `{"type":"record"}`}).bytes(t), wantErr: ErrBadHeader},
		{name: "corrupt sync ends the file", spec: spec, value: corruptSync,
			want: three[:2], wantBad: []RowError{bad(2, "row 2: ocf block 1: sync marker mismatch")}},
		{name: "undecodable record skips its block", spec: spec,
			value:   (&ocfFile{schema: susy}).addRaw(4, slices.Concat(rec0, rec0[:10])).addRecords(t, susyRecord(2)).bytes(t),
			want:    []Row{susyRow(0, 0), susyRow(4, 2)},
			wantBad: []RowError{{Index: 1, Reason: `row 1: undecodable record: cannot decode binary record "streamsgd.examples.Susy" field "f1": cannot decode binary double: short buffer (the 2 records after it in its block are skipped)`, Raw: rec0[:10]}}},
		{name: "bytes left in block", spec: spec, value: (&ocfFile{schema: susy}).addRaw(1, slices.Concat(rec0, []byte{1, 2})).bytes(t),
			want: []Row{susyRow(0, 0)}, wantBad: []RowError{{Index: 1, Reason: "row 1: 2 bytes left in the block after its 1 records", Raw: []byte{1, 2}}}},
		{name: "count beyond block", spec: spec, value: (&ocfFile{schema: susy}).addRaw(1000, rec0).bytes(t),
			wantBad: []RowError{bad(0, "row 0: ocf block 0: record count 1000 exceeds the 145 bytes of the block")}},
		{name: "bad snappy checksum", spec: spec, value: corruptLastBlockByte(twoBlocksSnappy(t, susy)),
			want: three[:2], wantBad: []RowError{bad(2, "row 2: ocf block 1: snappy: checksum mismatch")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

func twoBlocksSnappy(tb testing.TB, schema string) []byte {
	f := &ocfFile{schema: schema, codec: "snappy"}
	return f.addRecords(tb, susyRecord(0), susyRecord(1)).addRecords(tb, susyRecord(2)).bytes(tb)
}

// corruptLastBlockByte flips the last byte before the final sync marker.
func corruptLastBlockByte(b []byte) []byte {
	b[len(b)-len(testSync)-1] ^= 0xff
	return b
}

// TestOCFWriterSchemaCache decodes files with two writer schemas in turn.
func TestOCFWriterSchemaCache(t *testing.T) {
	susy := readSusySchema(t)
	d, err := NewDecoder(Spec{Format: FormatAvro, AvroMode: AvroOCF, Features: []string{"f0"}})
	if err != nil {
		t.Fatal(err)
	}
	renamed := `{"type":"record","name":"Other","fields":[{"name":"z","type":"int"},{"name":"f0","type":"float"}]}`
	files := []struct {
		value []byte
		want  float64
	}{
		{(&ocfFile{schema: susy}).addRecords(t, susyRecord(0)).bytes(t), susyRecord(0)["f0"].(float64)},
		{(&ocfFile{schema: renamed}).addRecords(t, map[string]any{"z": int32(1), "f0": float32(2)}).bytes(t), 2},
		{(&ocfFile{schema: susy}).addRecords(t, susyRecord(1)).bytes(t), susyRecord(1)["f0"].(float64)},
	}
	for i, f := range files {
		rows, bad, err := d.Decode(nil, f.value, nil)
		if err != nil || len(bad) > 0 || len(rows) != 1 || rows[0].Features[0] != f.want {
			t.Fatalf("file %d: rows %v bad %v err %v", i, rows, bad, err)
		}
	}
}

// TestOCFDecompressionLimit checks that a small block that expands beyond
// the limit is a bad row, not an out-of-memory.
func TestOCFDecompressionLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 64 MiB")
	}
	susy := readSusySchema(t)
	d, err := NewDecoder(Spec{Format: FormatAvro, AvroMode: AvroOCF, AvroSchema: susy, LabelColumn: "label"})
	if err != nil {
		t.Fatal(err)
	}
	for _, codec := range []string{"deflate", "snappy", "zstandard"} {
		t.Run(codec, func(t *testing.T) {
			f := &ocfFile{schema: susy, codec: codec}
			value := f.addRaw(1, make([]byte, maxBlockBytes+1)).bytes(t)
			rows, bad, err := d.Decode(nil, value, nil)
			if err != nil || len(rows) != 0 || len(bad) != 1 || !strings.Contains(bad[0].Reason, "ocf block 0: ") {
				t.Fatalf("rows %d bad %v err %v", len(rows), bad, err)
			}
			t.Log(bad[0].Reason)
		})
	}
}

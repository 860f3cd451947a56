package input

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"testing"

	"github.com/linkedin/goavro/v2"
)

// fuzzCSVSpecs are the decoders FuzzCSV exercises, picked by a fuzzed byte.
var fuzzCSVSpecs = []Spec{
	{Label: LabelFromKey},
	{},
	{Header: true, LabelColumn: "y", KeyColumn: "id"},
	{Columns: []string{"a", "b", "y"}, LabelColumn: "y", Classes: []string{"0", "1"}},
	{Delimiter: ';', LabelColumn: "c0", KeyColumn: "c1"},
	{Delimiter: '¦', Features: []string{"c1", "c0"}, Label: LabelFromKey, Classes: []string{"s", "b"}},
	{Delimiter: '\t'},
	{Delimiter: ';', IDColumn: "c0", KeyColumn: "c1"},
}

// FuzzCSV checks, for any message: Decode never panics; it fails whole only
// on a bad header; every good row has finite features of the right length
// and a finite label; every non-empty line (but the header) is exactly one
// good or bad row, numbered 0..n-1 in order; bad rows carry their line; and
// the result does not alias the input and does not depend on earlier calls.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("1"), []byte(susyLine), uint8(0))
	f.Add([]byte("0"), bytes.Repeat([]byte(susyLine), 3), uint8(0))
	f.Add([]byte(nil), []byte("1,2\r\n\n3,x\n4,NaN\n5\n"), uint8(1))
	f.Add([]byte(nil), []byte("id,x,y\ns1,1,0\n\"s,2\",2,1\ns3,3,\n,4,1\n"), uint8(2))
	f.Add([]byte(nil), []byte("x,id,y\n1,a,0\n"), uint8(2))
	f.Add([]byte(nil), []byte("1,2,0\n1,2,3\n1,2\n\"1\"\"\",2,1\n"), uint8(3))
	f.Add([]byte(nil), []byte("0;e1;1.5\n1;;2\n2;e2\n"), uint8(4))
	f.Add([]byte("b"), []byte("1¦2\n3¦4¦5\n"), uint8(5))
	f.Add([]byte(nil), []byte("1\t 2\n\t\n"), uint8(6))
	f.Add([]byte(nil), []byte("e1;s;1\n;s;2\ne3;;3\n"), uint8(7))
	f.Fuzz(func(t *testing.T, key, value []byte, mode uint8) {
		spec := fuzzCSVSpecs[int(mode)%len(fuzzCSVSpecs)]
		d, err := NewDecoder(spec)
		if err != nil {
			t.Fatal(err)
		}
		in := bytes.Clone(value)
		rows, bad, err := d.Decode(key, in, nil)
		for i := range in {
			in[i] = 0xff // the result must not alias the input
		}
		if err != nil {
			if !spec.Header || len(rows) != 0 || len(bad) != 0 {
				t.Fatalf("err %v with header %v, rows %v, bad %v", err, spec.Header, rows, bad)
			}
			return
		}
		lines := nonEmptyLines(value, spec.Header)
		checkRows(t, &spec, rows, bad, len(lines))
		for _, b := range bad {
			if !bytes.Equal(b.Raw, lines[b.Index]) {
				t.Fatalf("bad row %d raw %q, want line %q", b.Index, b.Raw, lines[b.Index])
			}
		}
		checkDeterministic(t, spec, key, value, rows, bad)
		checkUnfused(t, spec, key, value, rows, bad)
	})
}

// checkUnfused decodes again without the fused split-and-parse of plain
// numbers (scanNumber) and compares: the fast path changes the speed only.
func checkUnfused(t *testing.T, spec Spec, key, value []byte, rows []Row, bad []RowError) {
	t.Helper()
	d, _ := NewDecoder(spec)
	d.(*csvDecoder).split.fused = false
	rows2, bad2, err := d.Decode(key, value, nil)
	if err != nil || fmt.Sprint(rows) != fmt.Sprint(rows2) || !reflect.DeepEqual(bad, bad2) {
		t.Fatalf("unfused decode differs:\n%v %v\n%v %v %v", rows, bad, rows2, bad2, err)
	}
}

// nonEmptyLines splits a message as the decoder should: "\n" ends a line,
// one "\r" before it is dropped, empty lines and the header do not count.
func nonEmptyLines(value []byte, header bool) [][]byte {
	value = bytes.TrimPrefix(value, []byte("\uFEFF"))
	var out [][]byte
	for _, l := range bytes.Split(value, []byte("\n")) {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) > 0 {
			out = append(out, l)
		}
	}
	if header && len(out) > 0 {
		out = out[1:]
	}
	return out
}

// checkRows checks the invariants shared by every format. n >= 0 is the
// number of rows the message must account for.
func checkRows(t *testing.T, spec *Spec, rows []Row, bad []RowError, n int) {
	t.Helper()
	seen := map[int32]bool{}
	width := -1
	for _, r := range rows {
		if len(r.Features) == 0 || (width >= 0 && len(r.Features) != width) ||
			(len(spec.Features) > 0 && len(r.Features) != len(spec.Features)) {
			t.Fatalf("row %d has %d features (width %d, spec %v)", r.Index, len(r.Features), width, spec.Features)
		}
		width = len(r.Features)
		for _, v := range r.Features {
			if !usable(v) {
				t.Fatalf("row %d has feature %v", r.Index, v)
			}
		}
		wantLabel := spec.Label != LabelFromNone && (spec.Label != "" || spec.LabelColumn != "")
		if r.HasLabel != wantLabel || !usable(r.Label) || (len(spec.Classes) > 0 && (r.Label < 0 || int(r.Label) >= len(spec.Classes))) {
			t.Fatalf("row %d label %v has %v", r.Index, r.Label, r.HasLabel)
		}
		if spec.KeyColumn == "" && r.Entity != "" { // an empty entity column gives ""
			t.Fatalf("row %d entity %q", r.Index, r.Entity)
		}
		if (spec.IDColumn != "") != (r.ID != "") {
			t.Fatalf("row %d example id %q", r.Index, r.ID)
		}
		seen[r.Index] = true
	}
	for _, b := range bad {
		if seen[b.Index] || b.Reason == "" || b.Error() != "input: "+b.Reason {
			t.Fatalf("bad row %+v (seen %v)", b, seen[b.Index])
		}
		seen[b.Index] = true
	}
	if n >= 0 && len(seen) != n {
		t.Fatalf("%d rows good or bad, want %d", len(seen), n)
	}
	for i := range int32(max(n, 0)) {
		if !seen[i] {
			t.Fatalf("row %d is neither good nor bad", i)
		}
	}
}

// checkDeterministic decodes again with a fresh decoder and compares.
func checkDeterministic(t *testing.T, spec Spec, key, value []byte, rows []Row, bad []RowError) {
	t.Helper()
	d, _ := NewDecoder(spec)
	rows2, bad2, err := d.Decode(key, value, nil)
	if err != nil || fmt.Sprint(rows) != fmt.Sprint(rows2) || !reflect.DeepEqual(bad, bad2) {
		t.Fatalf("second decode differs:\n%v %v\n%v %v %v", rows, bad, rows2, bad2, err)
	}
}

// fuzzAvroSpecs are the decoders FuzzAvro exercises.
func fuzzAvroSpecs(tb testing.TB) []Spec {
	susy := readSusySchema(tb)
	return []Spec{
		{Format: FormatAvro, AvroSchema: susy, LabelColumn: "label"},
		{Format: FormatAvro, AvroMode: AvroConfluent, AvroSchema: susy, Label: LabelFromKey, SchemaIDs: []int32{1}},
		{Format: FormatAvro, AvroMode: AvroOCF, AvroSchema: susy, LabelColumn: "label"},
		{Format: FormatAvro, AvroMode: AvroOCF, Label: LabelFromKey, KeyColumn: "id"},
		{Format: FormatAvro, AvroSchema: kitchenSchema, Features: []string{"x", "n", "i", "f", "b", "opt"},
			LabelColumn: "color", Classes: []string{"red", "green"}, KeyColumn: "id"},
	}
}

// FuzzAvro checks, for any message in any mode: Decode never panics; a
// whole-message error comes with no rows; every good row has finite features
// of the right length and a finite label; row indices are distinct; the
// result does not alias the input and does not depend on earlier calls.
func FuzzAvro(f *testing.F) {
	susy := readSusySchema(f)
	one := encode(f, susy, susyRecord(0))
	f.Add([]byte(nil), append(one, encode(f, susy, susyRecord(1))...), uint8(0))
	f.Add([]byte(nil), one[:20], uint8(0))
	f.Add([]byte("1"), confluent(1, one), uint8(1))
	f.Add([]byte("1"), confluent(2, one), uint8(1))
	f.Add([]byte(nil), (&ocfFile{schema: susy, codec: "deflate"}).addRecords(f, susyRecord(0)).addRecords(f, susyRecord(1)).bytes(f), uint8(2))
	f.Add([]byte(nil), (&ocfFile{schema: susy, codec: "snappy"}).addRecords(f, susyRecord(0), susyRecord(1)).bytes(f), uint8(2))
	f.Add([]byte(nil), (&ocfFile{schema: susy, codec: "zstandard"}).addRecords(f, susyRecord(0)).bytes(f), uint8(2))
	f.Add([]byte("0"), (&ocfFile{schema: kitchenSchema}).addRecords(f, kitchen(1), with(kitchen(2), "opt", nil)).bytes(f), uint8(3))
	f.Add([]byte(nil), encode(f, kitchenSchema, kitchen(1), with(kitchen(math.NaN()), "color", "blue")), uint8(4))
	specs := fuzzAvroSpecs(f)
	decoders := make([]Decoder, len(specs))
	for i, s := range specs {
		var err error
		if decoders[i], err = NewDecoder(s); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, key, value []byte, mode uint8) {
		i := int(mode) % len(specs)
		in := bytes.Clone(value)
		rows, bad, err := decoders[i].Decode(key, in, nil)
		for j := range in {
			in[j] = 0xff
		}
		if err != nil {
			if len(rows) != 0 || len(bad) != 0 {
				t.Fatalf("err %v with rows %v, bad %v", err, rows, bad)
			}
			return
		}
		checkRows(t, &specs[i], rows, bad, -1)
		if specs[i].AvroSchema != "" && specs[i].LabelColumn == "label" && len(rows) > 0 && len(rows[0].Features) != 18 {
			t.Fatalf("%d features, want 18", len(rows[0].Features))
		}
		checkDeterministic(t, specs[i], key, value, rows, bad)
	})
}

// FuzzCSVRoundTrip checks that floats written with strconv come back bit
// for bit, and that a non-finite one makes the row bad.
func FuzzCSVRoundTrip(f *testing.F) {
	f.Add(0.5, -1e-300, math.MaxFloat64, "1")
	f.Add(math.Copysign(0, -1), 5e-324, math.NaN(), "0")
	f.Add(1.0, 2.0, math.Inf(1), "-3.25")
	f.Add(0.0, 7.0, 10.0, "1") // one-digit fields take a fast path
	d, err := NewDecoder(Spec{Label: LabelFromKey})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b, c float64, label string) {
		in := []float64{a, b, c}
		var line []byte
		for i, v := range in {
			if i > 0 {
				line = append(line, ',')
			}
			line = strconv.AppendFloat(line, v, 'g', -1, 64)
		}
		rows, bad, err := d.Decode([]byte(label), append(line, '\n'), nil)
		if err != nil {
			t.Fatal(err)
		}
		want, werr := strconv.ParseFloat(string(bytes.TrimSpace([]byte(label))), 64)
		if !usable(a) || !usable(b) || !usable(c) || werr != nil || !usable(want) {
			if len(rows) != 0 || len(bad) != 1 {
				t.Fatalf("rows %v bad %v", rows, bad)
			}
			return
		}
		if len(rows) != 1 || rows[0].Label != want {
			t.Fatalf("rows %v bad %v, want label %v", rows, bad, want)
		}
		for i, v := range in {
			if math.Float64bits(rows[0].Features[i]) != math.Float64bits(v) {
				t.Fatalf("feature %d = %v, want %v", i, rows[0].Features[i], v)
			}
		}
	})
}

// FuzzAvroRoundTrip checks that values encoded by goavro come back exactly,
// through the binary and the OCF paths.
func FuzzAvroRoundTrip(f *testing.F) {
	f.Add(0.5, int64(-3), int32(7), float32(1.5), true, "s1")
	f.Add(math.MaxFloat64, int64(math.MaxInt64), int32(math.MinInt32), float32(math.Copysign(0, -1)), false, "é")
	spec := Spec{Format: FormatAvro, AvroSchema: kitchenSchema, Features: []string{"x", "n", "i", "f", "b"}, KeyColumn: "id", LabelColumn: "opt"}
	bin, err := NewDecoder(spec)
	if err != nil {
		f.Fatal(err)
	}
	spec.AvroMode = AvroOCF
	ocf, err := NewDecoder(spec)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, x float64, n int64, i int32, fl float32, b bool, id string) {
		rec := kitchen(x)
		rec["n"], rec["i"], rec["f"], rec["b"], rec["id"] = n, i, fl, b, goavro.Union("string", id)
		bits := 0.0
		if b {
			bits = 1
		}
		want := []float64{x, float64(n), float64(i), float64(fl), bits}
		finiteIn := usable(x) && usable(float64(fl)) // a larger number is refused (MaxMagnitude)
		for _, msg := range []struct {
			d     Decoder
			value []byte
		}{{bin, encode(t, kitchenSchema, rec)}, {ocf, (&ocfFile{schema: kitchenSchema}).addRecords(t, rec).bytes(t)}} {
			rows, bad, err := msg.d.Decode(nil, msg.value, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !finiteIn || id == "" {
				if len(rows) != 0 || len(bad) != 1 {
					t.Fatalf("rows %v bad %v", rows, bad)
				}
				continue
			}
			if len(rows) != 1 || rows[0].Entity != id || rows[0].Label != 4.5 {
				t.Fatalf("rows %v bad %v", rows, bad)
			}
			for j, v := range want {
				if math.Float64bits(rows[0].Features[j]) != math.Float64bits(v) {
					t.Fatalf("feature %d = %v, want %v", j, rows[0].Features[j], v)
				}
			}
		}
	})
}

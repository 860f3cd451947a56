package input

import (
	"math"
	"testing"
)

// TestLabelReasons: every reason a labeler gives for a bad label is one
// IsLabelReason recognises (dead-letter kind bad_label), whatever the
// source: CSV text, a record key, an Avro value of any type.
func TestLabelReasons(t *testing.T) {
	classes := newLabeler([]string{"green", "blue"})
	numbers := newLabeler(nil)
	reasons := map[string]string{}
	_, reasons["not a class"] = classes.parse([]byte("red"), "column y")
	_, reasons["NaN"] = numbers.parse([]byte("NaN"), "column y")
	_, reasons["too large"] = numbers.parse([]byte("1e200"), "column y")
	_, reasons["not a number"] = numbers.parse([]byte("yes"), "column y")
	reasons["empty key"] = numbers.fromKey(nil).reason
	_, reasons["avro null"] = numbers.labelOf(nil, "field y")
	_, reasons["avro bool for classes"] = classes.labelOf(true, "field y")
	_, reasons["avro bytes for classes"] = classes.labelOf([]byte("x"), "field y")
	_, reasons["avro NaN"] = numbers.labelOf(math.NaN(), "field y")
	_, reasons["avro string"] = numbers.labelOf("x", "field y")
	for name, r := range reasons {
		if r == "" {
			t.Errorf("%s: no reason", name)
		} else if !IsLabelReason(r) {
			t.Errorf("%s: IsLabelReason(%q) = false", name, r)
		}
	}
	if r := numberReason([]byte("NaN"), nil); IsLabelReason("column x: " + r) {
		t.Errorf("a feature's reason %q is taken for a label's", r)
	}
}

// TestLabelsOptional: with Spec.LabelsOptional (how the scorers decode) a
// missing label (empty column, empty record key, null field) gives an
// unlabeled row, where the learning decoder refuses the row; a label that
// is there but is none is refused either way.
func TestLabelsOptional(t *testing.T) {
	column := Spec{Columns: []string{"y", "a", "b"}, LabelColumn: "y"}
	classes := Spec{Columns: []string{"y", "a", "b"}, LabelColumn: "y", Classes: []string{"no", "yes"}}
	key := Spec{Columns: []string{"a", "b"}, Label: LabelFromKey}
	avro := Spec{Format: FormatAvro, AvroSchema: kitchenSchema, LabelColumn: "shade", Classes: []string{"blue"}, Features: []string{"x"}}
	optional := func(s Spec) Spec { s.LabelsOptional = true; return s }
	nullShade := encode(t, kitchenSchema, kitchen(1), with(kitchen(2), "shade", nil))
	tests := []decodeCase{
		{name: "empty column", spec: column, value: []byte("1,2,3\n,4,5"),
			want: []Row{row(0, 1, 2, 3)}, wantBad: []RowError{bad(1, "row 1: missing label: column y is empty")}},
		{name: "empty column, optional", spec: optional(column), value: []byte("1,2,3\n,4,5"),
			want: []Row{row(0, 1, 2, 3), unlabelled(1, 4, 5)}},
		{name: "bad label, optional", spec: optional(column), value: []byte("x,4,5\nNaN,4,5"),
			wantBad: []RowError{bad(0, `row 0: column y: label parse "x": invalid syntax`), bad(1, `row 1: column y: label "NaN" is not a finite number`)}},
		{name: "class outside, optional", spec: optional(classes), value: []byte("maybe,4,5\n,6,7\nyes,8,9"),
			want:    []Row{unlabelled(1, 6, 7), row(2, 1, 8, 9)},
			wantBad: []RowError{bad(0, `row 0: column y: label "maybe" is not one of the classes ["no" "yes"]`)}},
		{name: "empty key", spec: key, value: []byte("4,5"), wantBad: []RowError{bad(0, "row 0: missing label: the record key is empty")}},
		{name: "empty key, optional", spec: optional(key), value: []byte("4,5"), want: []Row{unlabelled(0, 4, 5)}},
		{name: "bad key, optional", spec: optional(key), key: "x", value: []byte("4,5"),
			wantBad: []RowError{bad(0, `row 0: record key: label parse "x": invalid syntax`)}},
		{name: "key, optional", spec: optional(key), key: "1", value: []byte("4,5"), want: []Row{row(0, 1, 4, 5)}},
		{name: "null field", spec: avro, value: nullShade,
			want: []Row{row(0, 0, 1)}, wantBad: []RowError{bad(1, "row 1: missing label: field shade is null")}},
		{name: "null field, optional", spec: optional(avro), value: nullShade, want: []Row{row(0, 0, 1), unlabelled(1, 2)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

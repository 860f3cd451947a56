package input

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// decodeCase is one message through one decoder, with the expected result.
type decodeCase struct {
	name    string
	spec    Spec
	key     string
	value   []byte
	want    []Row
	wantBad []RowError // Raw is compared when set
	wantErr error      // errors.Is; nil: no error
}

func (tc decodeCase) run(t *testing.T) {
	t.Helper()
	d, err := NewDecoder(tc.spec)
	if err != nil {
		t.Fatalf("NewDecoder: %v", err)
	}
	var key []byte
	if tc.key != "" {
		key = []byte(tc.key)
	}
	rows, bad, err := d.Decode(key, tc.value, nil)
	if tc.wantErr != nil {
		if !errors.Is(err, tc.wantErr) {
			t.Fatalf("err = %v, want %v", err, tc.wantErr)
		}
		if len(rows) != 0 || len(bad) != 0 {
			t.Fatalf("with an error, got rows %v and bad %v", rows, bad)
		}
		return
	}
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if len(rows) != len(tc.want) || (len(rows) > 0 && !reflect.DeepEqual(rows, tc.want)) {
		t.Errorf("rows:\n got %+v\nwant %+v", rows, tc.want)
	}
	checkBad(t, bad, tc.wantBad)
}

func checkBad(t *testing.T, got, want []RowError) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("bad rows:\n got %+v\nwant %+v", got, want)
	}
	for i := range got {
		if got[i].Index != want[i].Index || got[i].Reason != want[i].Reason {
			t.Errorf("bad[%d] = %d %q, want %d %q", i, got[i].Index, got[i].Reason, want[i].Index, want[i].Reason)
		}
		if want[i].Raw != nil && string(got[i].Raw) != string(want[i].Raw) {
			t.Errorf("bad[%d].Raw = %q, want %q", i, got[i].Raw, want[i].Raw)
		}
	}
}

func row(i int32, label float64, feats ...float64) Row {
	return Row{Index: i, Features: feats, Label: label, HasLabel: true}
}

func unlabelled(i int32, feats ...float64) Row {
	return Row{Index: i, Features: feats}
}

func withEntity(r Row, e string) Row { r.Entity = e; return r }

func withID(r Row, id string) Row { r.ID = id; return r }

func bad(i int32, reason string) RowError { return RowError{Index: i, Reason: reason} }

func susyFeatures() []float64 {
	var out []float64
	for f := range strings.SplitSeq(strings.TrimSpace(susyLine), ",") {
		v, _ := parseFloat([]byte(f))
		out = append(out, v)
	}
	return out
}

func TestDecodeCSV(t *testing.T) {
	key := Spec{Label: LabelFromKey}
	none := Spec{}
	header := Spec{Header: true, LabelColumn: "y"}
	tests := []decodeCase{
		{name: "susy label in key", spec: key, key: "1", value: []byte(susyLine), want: []Row{row(0, 1, susyFeatures()...)}},
		{name: "susy label 0 key with spaces", spec: key, key: " 0\n", value: []byte(susyLine), want: []Row{row(0, 0, susyFeatures()...)}},
		{name: "no label", spec: none, value: []byte("1,2\n3,4\n"), want: []Row{unlabelled(0, 1, 2), unlabelled(1, 3, 4)}},
		{name: "no trailing newline", spec: none, value: []byte("1,2\n3,4"), want: []Row{unlabelled(0, 1, 2), unlabelled(1, 3, 4)}},
		{name: "empty lines and crlf skipped", spec: none, value: []byte("\r\n1,2\r\n\n\r\n3,4\r\n\n"), want: []Row{unlabelled(0, 1, 2), unlabelled(1, 3, 4)}},
		{name: "empty message", spec: key, key: "1", value: nil},
		{name: "byte order mark", spec: none, value: []byte("\uFEFF1,2\n"), want: []Row{unlabelled(0, 1, 2)}},
		{name: "spaces and tabs trimmed", spec: none, value: []byte(" 1 ,\t2\t\n"), want: []Row{unlabelled(0, 1, 2)}},
		{name: "number forms", spec: none, value: []byte("-1.5e3,+.5,0x1p-2,7\n"), want: []Row{unlabelled(0, -1500, 0.5, 0.25, 7)}},
		{name: "semicolon delimiter", spec: Spec{Delimiter: ';'}, value: []byte("1,5;2\n"), wantBad: []RowError{bad(0, `row 0: column c0: parse "1,5": invalid syntax`)}},
		{name: "tab delimiter keeps empty fields", spec: Spec{Delimiter: '\t'}, value: []byte("1\t2\n"), want: []Row{unlabelled(0, 1, 2)}},
		{name: "multibyte delimiter", spec: Spec{Delimiter: '¦'}, value: []byte("1¦2¦3\n"), want: []Row{unlabelled(0, 1, 2, 3)}},

		{name: "positional label column", spec: Spec{LabelColumn: "c0"}, value: []byte("1,0.5,0.25\n0,2,3\n"), want: []Row{row(0, 1, 0.5, 0.25), row(1, 0, 2, 3)}},
		{name: "positional features in given order", spec: Spec{LabelColumn: "c3", Features: []string{"c2", "c0"}}, value: []byte("1,2,3,9\n"), want: []Row{row(0, 9, 3, 1)}},
		{name: "positional width from first row", spec: none, value: []byte("1,2,3\n4,5\n6,7,8\n"),
			want:    []Row{unlabelled(0, 1, 2, 3), unlabelled(2, 6, 7, 8)},
			wantBad: []RowError{{Index: 1, Reason: "row 1: expected 3 columns, got 2", Raw: []byte("4,5")}}},
		{name: "positional row too narrow", spec: Spec{LabelColumn: "c2"}, value: []byte("1,2\n1,2,3\n"),
			want:    []Row{row(1, 3, 1, 2)},
			wantBad: []RowError{bad(0, "row 0: expected at least 3 columns, got 2")}},
		{name: "named columns", spec: Spec{Columns: []string{"a", "y", "b"}, LabelColumn: "y"}, value: []byte("1,0,2\n"), want: []Row{row(0, 0, 1, 2)}},
		{name: "named columns count", spec: Spec{Columns: []string{"a", "y", "b"}, LabelColumn: "y"}, value: []byte("1,0,2\n1,0,2,4\n"),
			want: []Row{row(0, 0, 1, 2)}, wantBad: []RowError{bad(1, "row 1: expected 3 columns, got 4")}},

		{name: "header label column", spec: header, value: []byte("a,y,b\n1,0,2\n3,1,4\n"), want: []Row{row(0, 0, 1, 2), row(1, 1, 3, 4)}},
		{name: "header after empty lines", spec: header, value: []byte("\n\na,y\n1,1\n"), want: []Row{row(0, 1, 1)}},
		{name: "header only", spec: header, value: []byte("a,y,b\n")},
		{name: "header features subset", spec: Spec{Header: true, LabelColumn: "y", Features: []string{"b"}}, value: []byte("a,y,b\n1,0,2\n"), want: []Row{row(0, 0, 2)}},
		{name: "header checked against columns", spec: Spec{Header: true, Columns: []string{"a", "y"}, LabelColumn: "y"}, value: []byte("a,y\n1,0\n"), want: []Row{row(0, 0, 1)}},
		{name: "header differs from columns", spec: Spec{Header: true, Columns: []string{"a", "y"}, LabelColumn: "y"}, value: []byte("y,a\n1,0\n"), wantErr: ErrBadHeader},
		{name: "header lacks label column", spec: header, value: []byte("a,b\n1,0\n"), wantErr: ErrBadHeader},
		{name: "header lacks feature", spec: Spec{Header: true, Features: []string{"z"}}, value: []byte("a,b\n1,0\n"), wantErr: ErrBadHeader},
		{name: "header duplicate column", spec: header, value: []byte("a,a,y\n1,2,0\n"), wantErr: ErrBadHeader},
		{name: "header malformed quote", spec: header, value: []byte("\"a,y\n1,0\n"), wantErr: ErrBadHeader},
		{name: "header column count", spec: header, value: []byte("a,y\n1,0,5\n"), wantBad: []RowError{bad(0, "row 0: expected 2 columns, got 3")}},

		{name: "classes from column", spec: Spec{Header: true, LabelColumn: "y", Classes: []string{"cat", "dog", "eel"}}, value: []byte("x,y\n1,eel\n2,cat\n"), want: []Row{row(0, 2, 1), row(1, 0, 2)}},
		{name: "classes from key", spec: Spec{Label: LabelFromKey, Classes: []string{"b", "s"}}, key: "s", value: []byte("1,2\n"), want: []Row{row(0, 1, 1, 2)}},
		{name: "label not in classes", spec: Spec{Header: true, LabelColumn: "y", Classes: []string{"cat", "dog"}}, value: []byte("x,y\n1,cow\n"),
			wantBad: []RowError{bad(0, `row 0: column y: label "cow" is not one of the classes ["cat" "dog"]`)}},
		{name: "key not in classes", spec: Spec{Label: LabelFromKey, Classes: []string{"0", "1"}}, key: "2", value: []byte("1\n2\n"),
			wantBad: []RowError{bad(0, `row 0: record key: label "2" is not one of the classes ["0" "1"]`), bad(1, `row 1: record key: label "2" is not one of the classes ["0" "1"]`)}},
		{name: "many classes listed briefly", spec: Spec{Label: LabelFromKey, Classes: strings.Split("a,b,c,d,e,f,g,h,i,j", ",")}, key: "z", value: []byte("1\n"),
			wantBad: []RowError{bad(0, `row 0: record key: label "z" is not one of the classes ["a" "b" "c" "d" "e" "f" "g" "h"] (and 2 more)`)}},

		{name: "entity", spec: Spec{Header: true, LabelColumn: "y", KeyColumn: "id"}, value: []byte("id,x,y\ns1,1,0\ns1,2,1\ns2,3,0\n"),
			want: []Row{withEntity(row(0, 0, 1), "s1"), withEntity(row(1, 1, 2), "s1"), withEntity(row(2, 0, 3), "s2")}},
		{name: "entity quoted with delimiter", spec: Spec{KeyColumn: "c0"}, value: []byte("\"a,\"\"b\"\"\",1\n"), want: []Row{withEntity(unlabelled(0, 1), `a,"b"`)}},
		{name: "quoted number", spec: none, value: []byte(`"1", "2" ` + "\n"), want: []Row{unlabelled(0, 1, 2)}},
		// No entity: the per-entity models refuse the row, not the decoder.
		{name: "missing entity", spec: Spec{KeyColumn: "c0"}, value: []byte(",1\n"), want: []Row{unlabelled(0, 1)}},
		{name: "example id", spec: Spec{Header: true, IDColumn: "id"}, value: []byte("x,id\n1,e1\n2,\n"),
			want: []Row{withID(unlabelled(0, 1), "e1")}, wantBad: []RowError{bad(1, "row 1: no example id: column id is empty")}},
		{name: "example id positional", spec: Spec{IDColumn: "c1", KeyColumn: "c0"}, value: []byte("s,e7,3\n"),
			want: []Row{withID(withEntity(unlabelled(0, 3), "s"), "e7")}},

		{name: "wrong column count", spec: Spec{Label: LabelFromKey, Columns: strings.Split("c,f0,f1,f2", ",")}, key: "1", value: []byte("1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n"),
			want:    []Row{row(0, 1, 1, 2, 3, 4), row(1, 1, 1, 2, 3, 4), row(2, 1, 1, 2, 3, 4)},
			wantBad: []RowError{{Index: 3, Reason: "row 3: expected 4 columns, got 3", Raw: []byte("1,2,3")}}},
		{name: "non-number", spec: Spec{Header: true}, value: []byte("f6,f7\n1,abc\r\n"),
			wantBad: []RowError{{Index: 0, Reason: `row 0: column f7: parse "abc": invalid syntax`, Raw: []byte("1,abc")}}},
		{name: "empty feature", spec: none, value: []byte("1,,3\n"), wantBad: []RowError{bad(0, `row 0: column c1: parse "": invalid syntax`)}},
		{name: "out of range", spec: none, value: []byte("1e999\n"), wantBad: []RowError{bad(0, `row 0: column c0: parse "1e999": value out of range`)}},
		{name: "long value cut in reason", spec: none, value: []byte(strings.Repeat("x", 100) + "\n"),
			wantBad: []RowError{bad(0, `row 0: column c0: parse "`+strings.Repeat("x", 64)+`"...: invalid syntax`)}},
		{name: "nan feature", spec: none, value: []byte("1,NaN\n"), wantBad: []RowError{bad(0, `row 0: column c1: "NaN" is not a finite number`)}},
		{name: "inf feature", spec: none, value: []byte("-Inf,1\n"), wantBad: []RowError{bad(0, `row 0: column c0: "-Inf" is not a finite number`)}},
		// Finite but past MaxMagnitude: its square overflows, and the
		// scaler's variance (or a regression's loss) stayed infinite.
		{name: "huge feature", spec: none, value: []byte("1,-1.7e308\n"),
			wantBad: []RowError{bad(0, `row 0: column c1: "-1.7e308" is too large for a model (its magnitude is over 1e150: its square overflows)`)}},
		{name: "huge label key", spec: key, key: "1e200", value: []byte("1\n"),
			wantBad: []RowError{bad(0, `row 0: record key: label "1e200" is too large for a model (its magnitude is over 1e150: its square overflows)`)}},
		{name: "large but usable", spec: key, key: "1e150", value: []byte("-1e150,1e20\n"), want: []Row{row(0, 1e150, -1e150, 1e20)}},
		{name: "first bad feature reported", spec: none, value: []byte("x,NaN\n"), wantBad: []RowError{bad(0, `row 0: column c0: parse "x": invalid syntax`)}},
		{name: "nan label column", spec: Spec{LabelColumn: "c0"}, value: []byte("nan,1\n"), wantBad: []RowError{bad(0, `row 0: column c0: label "nan" is not a finite number`)}},
		{name: "inf label key", spec: key, key: "+inf", value: []byte("1\n"), wantBad: []RowError{bad(0, `row 0: record key: label "+inf" is not a finite number`)}},
		{name: "label key not a number", spec: key, key: "yes", value: []byte("1\n"), wantBad: []RowError{bad(0, `row 0: record key: label parse "yes": invalid syntax`)}},
		{name: "missing label empty key", spec: key, value: []byte("1,2\n3,4\n"),
			wantBad: []RowError{bad(0, "row 0: missing label: the record key is empty"), bad(1, "row 1: missing label: the record key is empty")}},
		{name: "missing label empty column", spec: header, value: []byte("x,y\n1,\n"), wantBad: []RowError{bad(0, "row 0: missing label: column y is empty")}},
		{name: "unterminated quote", spec: none, value: []byte("1,\"2\n3,4\n"),
			want: []Row{unlabelled(1, 3, 4)}, wantBad: []RowError{bad(0, "row 0: column c1: unterminated quoted field")}},
		{name: "text after quote", spec: none, value: []byte("\"1\"x,2\n"), wantBad: []RowError{bad(0, "row 0: column c0: unexpected text after a closing quote")}},
		{name: "whitespace line is a row", spec: Spec{Columns: []string{"a", "b"}}, value: []byte("1,2\n \n"),
			want: []Row{unlabelled(0, 1, 2)}, wantBad: []RowError{bad(1, "row 1: expected 2 columns, got 1")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

// TestCSVHeaderPerMessage checks that each message's header is honoured,
// in whatever order messages with different headers arrive.
func TestCSVHeaderPerMessage(t *testing.T) {
	d, err := NewDecoder(Spec{Header: true, LabelColumn: "y", Features: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := []struct{ value, want string }{
		{"a,b,y\n1,2,0\n", "[1 2] 0"},
		{"y,b,a\n1,2,3\n", "[3 2] 1"},
		{"a,b,y\n4,5,1\n", "[4 5] 1"},
		{"b,a,y\n4,5,1\n", "[5 4] 1"},
	}
	for _, m := range msgs {
		rows, bad, err := d.Decode(nil, []byte(m.value), nil)
		if err != nil || len(bad) != 0 || len(rows) != 1 {
			t.Fatalf("%q: rows %v bad %v err %v", m.value, rows, bad, err)
		}
		if got := fmtRow(rows[0]); got != m.want {
			t.Errorf("%q: got %s, want %s", m.value, got, m.want)
		}
	}
}

// TestCSVPositionalWidthPerMessage checks that the width of positional rows
// is fixed per message, not carried from one message to the next.
func TestCSVPositionalWidthPerMessage(t *testing.T) {
	d, err := NewDecoder(Spec{Label: LabelFromKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, value := range []string{"1,2,3\n", "1,2\n", "1,2,3\n"} {
		rows, bad, err := d.Decode([]byte("1"), []byte(value), nil)
		if err != nil || len(bad) != 0 || len(rows) != 1 || len(rows[0].Features) != strings.Count(value, ",")+1 {
			t.Fatalf("%q: rows %v bad %v err %v", value, rows, bad, err)
		}
	}
}

// TestCSVFeaturesCapped checks that an append to one row's features never
// overwrites the next row's.
func TestCSVFeaturesCapped(t *testing.T) {
	d, _ := NewDecoder(Spec{})
	rows, _, _ := d.Decode(nil, []byte("1,2\n3,4\n"), nil)
	_ = append(rows[0].Features, 99)
	if rows[1].Features[0] != 3 {
		t.Fatalf("row 1 was overwritten: %v", rows[1].Features)
	}
}

func TestCSVAppendsToDst(t *testing.T) {
	d, _ := NewDecoder(Spec{})
	dst := []Row{unlabelled(7, 42)}
	rows, _, err := d.Decode(nil, []byte("1\n"), dst)
	if err != nil || len(rows) != 2 || rows[0].Index != 7 || rows[1].Features[0] != 1 {
		t.Fatalf("rows %v err %v", rows, err)
	}
	rows, _, err = d.Decode(nil, []byte("a\"\n"), dst)
	if err != nil || len(rows) != 1 {
		t.Fatalf("rows %v err %v", rows, err)
	}
}

func fmtRow(r Row) string { return fmt.Sprintf("%v %v", r.Features, r.Label) }

// TestCSVHintBoundsAllocation checks that a message of many empty lines does
// not make the decoder allocate room for a row per line.
func TestCSVHintBoundsAllocation(t *testing.T) {
	cols := make([]string, 100)
	for i := range cols {
		cols[i] = "c" + strconv.Itoa(i)
	}
	d, err := NewDecoder(Spec{Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	value := []byte(strings.Repeat("1,", 99) + "1" + strings.Repeat("\n", 1<<20))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rows, bad, err := d.Decode(nil, value, nil)
	runtime.ReadMemStats(&after)
	if err != nil || len(rows) != 1 || len(bad) != 0 {
		t.Fatalf("rows %d bad %v err %v", len(rows), bad, err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
		t.Fatalf("allocated %d bytes for one row", n)
	}

	// One very wide row and many empty lines.
	d, _ = NewDecoder(Spec{})
	value = []byte(strings.Repeat("1,", 1<<18) + "1" + strings.Repeat("\n", 1<<10))
	runtime.ReadMemStats(&before)
	rows, _, err = d.Decode(nil, value, nil)
	runtime.ReadMemStats(&after)
	if err != nil || len(rows) != 1 {
		t.Fatalf("rows %d err %v", len(rows), err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 16<<20 {
		t.Fatalf("allocated %d bytes for one row", n)
	}
}

package processors

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// TestRouteRules: every input that the learner would refuse, or that
// yields no row, is dead-lettered with its own reason, and every row ends
// in a batch or a dead letter, never both, never neither.
func TestRouteRules(t *testing.T) {
	multi := newRoute(t, input.Spec{Columns: []string{"x", "y"}, Label: input.LabelFromColumn, LabelColumn: "y"}, 1,
		multiclassSpec("soft", 1, 3))
	header := newRoute(t, input.Spec{Header: true, Label: input.LabelFromColumn, LabelColumn: "y"}, 1,
		binarySpec("m", 1))
	entity := newRoute(t, input.Spec{Columns: []string{"sensor", "y", "x"}, Features: []string{"x"},
		Label: input.LabelFromColumn, LabelColumn: "y", KeyColumn: "sensor"}, 1, regressionSpec("per", "sensor", 1))
	unlabeled := newRoute(t, input.Spec{Columns: []string{"x"}}, 1, multiclassSpec("soft", 1, 3))
	tests := []struct {
		name    string
		r       *Route
		value   string
		rows    int      // rows routed, over all batches
		dead    []string // the dead letters' reasons start with (after "model M: row N: ", if any)
		invalid int32    // over all batches
	}{
		{"class in range", multi, "1,2\n1,0", 2, nil, 0},
		{"class out of range", multi, "1,7", 0, []string{input.ReasonLabelNotClass}, 1},
		{"negative class", multi, "1,-1\n1,1", 1, []string{input.ReasonLabelNotClass}, 1},
		{"fractional class", multi, "1,1.5", 0, []string{input.ReasonLabelNotClass}, 1},
		{"no label: predicted", unlabeled, "1\n2", 2, nil, 0},
		{"empty message", multi, "", 0, []string{input.ReasonEmptyMessage}, 1},
		{"blank lines", multi, "\n\r\n\n", 0, []string{input.ReasonNoRows}, 1},
		{"header only", header, "x,y\n", 0, []string{input.ReasonNoRows}, 1},
		{"entity not UTF-8", entity, "a\xff,1,1\nb,1,1", 1, []string{"row 0: " + input.ReasonEntityNotUTF8}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.r.Step(wire.Source{Topic: "in", Partition: 1, Offset: 9}, nil, []byte(tt.value))
			rows, invalid := 0, int32(0)
			for _, b := range out.Batches {
				rows += len(b.Rows)
				invalid += b.Invalid
				for _, row := range b.Rows {
					if strings.ContainsRune(b.Key, '\ufffd') {
						t.Errorf("model key %q from row %d", b.Key, row.Index)
					}
				}
			}
			if rows != tt.rows || invalid != tt.invalid {
				t.Errorf("rows %d invalid %d, want %d and %d", rows, invalid, tt.rows, tt.invalid)
			}
			if len(out.Dead) != len(tt.dead) {
				t.Fatalf("dead letters %+v, want %d", out.Dead, len(tt.dead))
			}
			for i, d := range out.Dead {
				reason := d.Reason
				if _, after, ok := strings.Cut(reason, ": row "); ok && strings.HasPrefix(reason, "model ") {
					_, reason, _ = strings.Cut(after, ": ")
				}
				if !strings.HasPrefix(reason, tt.dead[i]) {
					t.Errorf("reason %q, want it to start with %q", d.Reason, tt.dead[i])
				}
			}
		})
	}
}

// TestRouteRowCap: a message whose rows for one key exceed what a batch
// may hold by bytes goes on in further batches of the key, each full one
// marked Partial; a row that fits no batch alone is dead-lettered.
func TestRouteRowCap(t *testing.T) {
	r := newRoute(t, input.Spec{Columns: []string{"a", "b"}, Label: input.LabelFromKey}, 2, binarySpec("m", 2))
	b := &wire.ExampleBatch{Source: wire.Source{Topic: "in"}, Model: "m", Key: "m"}
	r.ExamplesMaxBytes = wire.ExampleBatchHeaderBound("in", "m", "m") + 2*wire.ExampleRowBound(2)
	if c := r.rowCap(b); c != 2 {
		t.Fatalf("row cap %d, want 2", c)
	}
	out := r.Step(wire.Source{Topic: "in", Offset: 3}, []byte("1"), []byte("1,2\n3,4\n5,6\n7,8\n9,10"))
	var sizes []int
	var partial []bool
	for _, b := range out.Batches {
		sizes, partial = append(sizes, len(b.Rows)), append(partial, b.Partial)
		if b.Key != "m" || b.Source.Offset != 3 || b.Invalid != 0 {
			t.Errorf("batch %+v", b)
		}
	}
	if fmt.Sprint(sizes, partial) != "[2 2 1] [true true false]" || len(out.Dead) != 0 {
		t.Fatalf("batches of %v rows, partial %v, dead letters %+v; want [2 2 1] [true true false], none", sizes, partial, out.Dead)
	}
	if idx := out.Batches[1].Rows[0].Index; idx != 2 {
		t.Errorf("the second batch starts at row %d, want 2", idx)
	}
	r.ExamplesMaxBytes = 10
	out = r.Step(wire.Source{Topic: "in", Offset: 4}, []byte("1"), []byte("1,2"))
	if len(out.Dead) != 1 || len(out.Batches[0].Rows) != 0 {
		t.Fatalf("a row that fits no batch: %+v, %+v", out.Batches, out.Dead)
	}
}

// TestRouteDeadLetterFits: a dead letter of a huge bad line is cut to fit
// the dead-letter topic, keeping the size and hash of the raw bytes.
func TestRouteDeadLetterFits(t *testing.T) {
	for _, enc := range []string{wire.JSON, wire.Avro} {
		t.Run(enc, func(t *testing.T) {
			r := newRoute(t, input.Spec{Columns: []string{"a", "b"}, Label: input.LabelFromKey}, 2, binarySpec("m", 2))
			r.DeadLetterMaxBytes, r.DeadLetterEncoding = 4000, enc
			line := bytes.Repeat([]byte("x,"), 300_000) // 600 KB
			out := r.Step(wire.Source{Topic: "in", Offset: 5}, []byte("1"), line)
			if len(out.Dead) != 1 {
				t.Fatalf("dead letters %d, want 1", len(out.Dead))
			}
			d := out.Dead[0]
			codec, err := wire.DeadLetterCodec(enc)
			if err != nil {
				t.Fatal(err)
			}
			data, err := codec.Encode(d)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(line)
			switch {
			case len(data)+len("1") > 4000:
				t.Errorf("dead letter of %d bytes, limit 4000", len(data))
			case !d.Truncated || d.ValueSize != int64(len(line)) || !bytes.Equal(d.ValueSHA256, sum[:]):
				t.Errorf("truncated %v size %d hash %x", d.Truncated, d.ValueSize, d.ValueSHA256)
			case !bytes.HasPrefix(line, d.Value) || len(d.Value) < 1000:
				t.Errorf("value cut to %d bytes, not a prefix or too short", len(d.Value))
			case d.Offset != 5 || d.Topic != "in" || d.Index != 0:
				t.Errorf("coordinates %s/%d@%d", d.Topic, d.Index, d.Offset)
			}
		})
	}
}

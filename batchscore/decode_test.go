package batchscore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
)

// TestDecodeFileOrder: rows arrive in file order with their line numbers,
// whatever the chunking and the workers; empty lines are skipped, bad
// lines rejected with their line, and an error of the callback stops the
// run.
func TestDecodeFileOrder(t *testing.T) {
	var b strings.Builder
	b.WriteString("y,a,b\n")
	want := 0
	for i := range 5000 {
		switch {
		case i%13 == 12:
			b.WriteString("\n")
		case i%101 == 100:
			b.WriteString("1,x,2\n")
		default:
			fmt.Fprintf(&b, "%d,%d,%d\n", i%2, i, -i)
			want++
		}
	}
	spec := input.Spec{Format: input.FormatCSV, Header: true, Features: []string{"a", "b"}, Label: input.LabelFromColumn, LabelColumn: "y"}
	for _, workers := range []int{1, 4} {
		var rejects []Reject
		next := 0
		st, err := DecodeFile(context.Background(), strings.NewReader(b.String()),
			Options{Spec: spec, Workers: workers, ChunkBytes: 512, OnReject: func(r Reject) { rejects = append(rejects, r) }},
			func(d *Decoded) error {
				for i, r := range d.Rows {
					for next%13 == 12 || next%101 == 100 {
						next++
					}
					if r.Features[0] != float64(next) || d.Lines[i] != int64(next+2) {
						return fmt.Errorf("row %v at line %d, want %d at line %d", r.Features, d.Lines[i], next, next+2)
					}
					next++
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if st.Scored != int64(want) || int(st.Rejected) != len(rejects) || len(rejects) == 0 || rejects[0].Line != 102 {
			t.Errorf("workers %d: %+v, rejects %d, first %+v", workers, st, len(rejects), rejects[0])
		}
	}
	stop := errors.New("stop")
	_, err := DecodeFile(context.Background(), strings.NewReader(b.String()), Options{Spec: spec, ChunkBytes: 512},
		func(*Decoded) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("callback error: %v", err)
	}
}

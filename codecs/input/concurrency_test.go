package input

import (
	"fmt"
	"sync"
	"testing"
)

// TestDecoderConcurrent shares one decoder between goroutines that decode
// messages with different headers and widths (run with -race).
func TestDecoderConcurrent(t *testing.T) {
	specs := []Spec{
		{Header: true, LabelColumn: "y", Features: []string{"a", "b"}},
		{Label: LabelFromKey},
	}
	msgs := [][]string{
		{"a,b,y\n1,2,0\n", "y,b,a\n0,2,1\n", "b,y,a\n2,0,1\n"},
		{"1,2\n", "1,2,3\n", "1,2,3,4\n"},
	}
	for si, s := range specs {
		d, err := NewDecoder(s)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 4 {
			wg.Go(func() {
				for i := range 200 {
					m := msgs[si][(g+i)%len(msgs[si])]
					rows, bad, err := d.Decode([]byte("1"), []byte(m), nil)
					if err != nil || len(bad) > 0 || len(rows) != 1 {
						errs <- fmt.Errorf("%q: %v %v %v", m, rows, bad, err)
						return
					}
					if si == 0 && fmtRow(rows[0]) != "[1 2] 0" {
						errs <- fmt.Errorf("%q: got %s", m, fmtRow(rows[0]))
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}

// TestDecodeDoesNotRetainInput overwrites the message after decoding and
// checks that rows and bad rows are unchanged.
func TestDecodeDoesNotRetainInput(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		value string
	}{
		{"csv", Spec{Header: true, KeyColumn: "id", LabelColumn: "y"}, "id,x,y\ns1,1,0\ns2,x,1\n"},
		{"csv quoted", Spec{KeyColumn: "c0"}, "\"s\"\"1\",1\n\"s2,2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := NewDecoder(tt.spec)
			buf := []byte(tt.value)
			rows, bad, err := d.Decode(nil, buf, nil)
			if err != nil {
				t.Fatal(err)
			}
			before := fmt.Sprint(rows, bad)
			for i := range buf {
				buf[i] = 'Z'
			}
			if after := fmt.Sprint(rows, bad); after != before {
				t.Fatalf("changed:\n%s\n%s", before, after)
			}
		})
	}
}

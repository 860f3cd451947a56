package produce

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestCSVSource(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		o      CSVOptions
		lines  []string
		labels []string
	}{
		{"plain", "1,2\n3,4\n", CSVOptions{}, []string{"1,2", "3,4"}, []string{"", ""}},
		{"header skipped", "a,b\n1,2\n", CSVOptions{Header: true}, []string{"1,2"}, []string{""}},
		{"label first by index", "1,0.5,0.25\r\n0,1,2\n\n", CSVOptions{LabelColumn: "0"}, []string{"0.5,0.25", "1,2"}, []string{"1", "0"}},
		{"label last by name", "x,y,label\n1,2,1\n", CSVOptions{Header: true, LabelColumn: "label"}, []string{"1,2"}, []string{"1"}},
		{"label middle", "x,label,y\n1,0,2\n", CSVOptions{Header: true, LabelColumn: "label"}, []string{"1,2"}, []string{"0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := NewCSVSource(strings.NewReader(tt.in), tt.o)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.lines {
				row, err := src.Next()
				if err != nil {
					t.Fatalf("row %d: %v", i, err)
				}
				if string(row.Line) != tt.lines[i] || string(row.Label) != tt.labels[i] {
					t.Errorf("row %d: %q label %q, want %q label %q", i, row.Line, row.Label, tt.lines[i], tt.labels[i])
				}
			}
			if _, err := src.Next(); !errors.Is(err, io.EOF) {
				t.Errorf("after the last row: %v, want EOF", err)
			}
		})
	}
}

func TestCSVSourceErrors(t *testing.T) {
	if _, err := NewCSVSource(strings.NewReader("a,b\n"), CSVOptions{Header: true, LabelColumn: "nope"}); err == nil {
		t.Error("unknown label column: no error")
	}
	src, err := NewCSVSource(strings.NewReader("1,2\n"), CSVOptions{LabelColumn: "5"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(); err == nil {
		t.Error("label column past the end of the line: no error")
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		ok   bool
	}{
		{"defaults", Options{Topic: "t"}, true},
		{"no topic", Options{}, false},
		{"bad label", Options{Topic: "t", LabelIn: "header"}, false},
		{"batch with key label", Options{Topic: "t", RowsPerMessage: 4}, false},
		{"batch with value label", Options{Topic: "t", RowsPerMessage: 4, LabelIn: LabelInValue}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.o.validate(); (err == nil) != tt.ok {
				t.Errorf("validate: %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestSyntheticSource(t *testing.T) {
	a, b := NewSynthetic(7, 3), NewSynthetic(7, 3)
	for i := 0; i < 3; i++ {
		ra, _ := a.Next()
		la, lb := string(ra.Line), string(ra.Label)
		rb, _ := b.Next()
		if la != string(rb.Line) || lb != string(rb.Label) {
			t.Fatalf("row %d differs for the same seed", i)
		}
		if strings.Count(la, ",") != 17 || (lb != "0" && lb != "1") {
			t.Errorf("row %d: %q label %q", i, la, lb)
		}
	}
	if _, err := a.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after 3 rows: %v, want EOF", err)
	}
}

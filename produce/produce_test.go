package produce

import (
	"errors"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// gokaPartition is goka's own computation (processor.go, hash): FNV-1a as
// an int32, negated if negative, modulo the partition count.
func gokaPartition(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	p := int32(h.Sum32())
	if p < 0 {
		p = -p
	}
	return int(p % int32(n))
}

// TestPartitionerMatchesGoka guards the silent data-loss trap of
// KAFKA-NOTES.md: records produced with franz-go must land in the partition
// where goka's tables look for their key.
func TestPartitionerMatchesGoka(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 6, 12, 100} {
		tp := GokaPartitioner().ForTopic("t")
		for i := 0; i < 5000; i++ {
			key := "key-" + strconv.Itoa(i)
			got := tp.Partition(&kgo.Record{Key: []byte(key)}, n)
			if want := gokaPartition(key, n); got != want {
				t.Fatalf("%d partitions: key %q -> %d, goka expects %d", n, key, got, want)
			}
		}
	}
}

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

package pixels

import (
	"bytes"
	"strings"
	"testing"
)

func TestSameSeedSameRows(t *testing.T) {
	a, b := New(7), New(7)
	for range 50 {
		if la, lb := a.AppendCSV(nil), b.AppendCSV(nil); !bytes.Equal(la, lb) {
			t.Fatal("same seed, different rows")
		}
	}
	if bytes.Equal(New(7).AppendCSV(nil), New(8).AppendCSV(nil)) {
		t.Fatal("another seed gave the same first row")
	}
}

func TestShape(t *testing.T) {
	g := New(1)
	x := make([]float64, Features)
	counts := make([]int, Classes)
	zeros := 0
	const n = 2000
	for range n {
		c := g.Next(x)
		if c < 0 || c >= Classes {
			t.Fatalf("class %d", c)
		}
		counts[c]++
		for _, v := range x {
			if v < 0 || v > 255 || v != float64(int(v)) {
				t.Fatalf("pixel %v", v)
			}
			if v == 0 {
				zeros++
			}
		}
	}
	for c, k := range counts {
		if k < n/Classes/2 {
			t.Errorf("class %d: %d of %d rows", c, k, n)
		}
	}
	if f := float64(zeros) / (n * Features); f < 0.3 || f > 0.9 {
		t.Errorf("zero pixels: %.2f of all, want a Fashion-MNIST-like share", f)
	}
	line := string(New(1).AppendCSV(nil))
	if got := strings.Count(line, ","); got != Features {
		t.Errorf("CSV line has %d commas, want %d", got, Features)
	}
	if len(FeatureNames()) != Features || FeatureNames()[783] != "p783" {
		t.Error("feature names")
	}
}

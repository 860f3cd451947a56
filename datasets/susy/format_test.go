package susy

import (
	"math"
	"strconv"
	"testing"
)

func TestAppendFeature(t *testing.T) {
	tests := []struct {
		name string
		v    float64
	}{
		{"zero", 0},
		{"neg_zero", math.Copysign(0, -1)},
		{"one", 1},
		{"micro", 1e-6},
		{"below_fast", 9.9e-5},
		{"fast_min", 1e-4},
		{"neg_frac", -0.00223},
		{"trailing_zeros", 12.5},
		{"all_digits", -123.456789},
		{"fast_max", 99999.999999},
		{"big", 1e5},
		{"huge", 1e21},
		{"off_grid", 0.1234567},
		{"third", 1.0 / 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(appendFeature(nil, tc.v))
			if want := strconv.FormatFloat(tc.v, 'g', -1, 64); got != want {
				t.Errorf("appendFeature(%v) = %q, want %q", tc.v, got, want)
			}
		})
	}
}

// FuzzAppendFeature states the invariant: appendFeature is byte-identical
// to strconv 'g' -1, for grid values (the fast path) and any other float64.
func FuzzAppendFeature(f *testing.F) {
	for _, k := range []int64{0, 1, 99, 100, 123456, -5000001, 99999999999, 1e11} {
		f.Add(k, 0.0)
	}
	f.Add(int64(0), 0.1)
	f.Add(int64(0), -7.5e300)
	f.Fuzz(func(t *testing.T, k int64, raw float64) {
		for _, v := range []float64{float64(k) / quantum, raw} {
			got := string(appendFeature([]byte("x"), v))
			if want := "x" + strconv.FormatFloat(v, 'g', -1, 64); got != want {
				t.Fatalf("appendFeature(%v) = %q, want %q", v, got, want)
			}
		}
	})
}

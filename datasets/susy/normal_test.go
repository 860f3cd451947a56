package susy

import (
	"math"
	"strconv"
	"testing"
)

// TestZigguratTables compares the tables with the ones math/rand/v2 ships
// (float32 there, hence the tolerance).
func TestZigguratTables(t *testing.T) {
	z := newZiggurat()
	tests := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"k0", float64(z.k[0]), 0x76ad2212, 1},
		{"k1", float64(z.k[1]), 0, 0},
		{"k2", float64(z.k[2]), 0x600f1b53, 1},
		{"k4", float64(z.k[4]), 0x725b46a2, 1},
		{"w0", z.w[0], 1.7290405e-09, 1e-16},
		{"w1", z.w[1], 1.2680929e-10, 1e-17},
		{"w7", z.w[7], 2.7611988e-10, 1e-17},
		{"f126", z.f[126], 0.005548995, 1e-9},
		{"f127", z.f[127], 0.0026696292, 1e-9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if math.Abs(tc.got-tc.want) > tc.tol {
				t.Errorf("%s = %v, want %v ± %v", tc.name, tc.got, tc.want, tc.tol)
			}
		})
	}
}

// TestNormalMoments checks the sampler's distribution: moments and the
// mass beyond a few thresholds, including the tail layer beyond zigR.
func TestNormalMoments(t *testing.T) {
	const n = 2_000_000
	g := New(11)
	var s1, s2, s4 float64
	thresholds := []float64{0.5, 1, 2, zigR, 4}
	beyond := make([]float64, len(thresholds))
	for range n {
		x := g.normal()
		s1 += x
		s2 += x * x
		s4 += x * x * x * x
		for i, th := range thresholds {
			if math.Abs(x) > th {
				beyond[i]++
			}
		}
	}
	tests := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"mean", s1 / n, 0, 0.003},
		{"variance", s2 / n, 1, 0.004},
		{"kurtosis", s4 / n, 3, 0.03},
	}
	for i, th := range thresholds {
		want := math.Erfc(th / math.Sqrt2)
		tests = append(tests, struct {
			name      string
			got, want float64
			tol       float64
		}{"beyond_" + strconv.FormatFloat(th, 'f', 1, 64), beyond[i] / n, want, 5*math.Sqrt(want/n) + 1e-6})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if math.Abs(tc.got-tc.want) > tc.tol {
				t.Errorf("%s = %.6g, want %.6g ± %.2g", tc.name, tc.got, tc.want, tc.tol)
			}
		})
	}
}

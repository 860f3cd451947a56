package susy

import (
	"math"
	"testing"
)

// maxULP bounds the distance to the math package, whose Exp on amd64 is an
// assembly routine with its own (sub-ulp, but different) rounding: the two
// may differ by one ulp each side of the true value.
const maxULP = 2

// ulps returns the distance between a and b in units in the last place.
func ulps(a, b float64) uint64 {
	ia, ib := math.Float64bits(a), math.Float64bits(b)
	if ia > ib {
		return ia - ib
	}
	return ib - ia
}

func TestPortableMath(t *testing.T) {
	tests := []struct {
		name string
		f    func(float64) float64
		ref  func(float64) float64
		lo   float64
		hi   float64
	}{
		{"exp", pexp, math.Exp, -700, 700},
		{"exp_small", pexp, math.Exp, -3, 3},
		{"log_unit", plog, math.Log, 1e-300, 1},
		{"log_near_one", plog, math.Log, 0.5, 1},
		{"log_large", plog, math.Log, 1, 1e300},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const n = 100_000
			for i := range n {
				x := tc.lo + (tc.hi-tc.lo)*float64(i)/n
				if got, want := tc.f(x), tc.ref(x); ulps(got, want) > maxULP {
					t.Fatalf("%s(%v) = %v, math gives %v", tc.name, x, got, want)
				}
			}
		})
	}
}

func TestPexpClamps(t *testing.T) {
	for _, x := range []float64{-1e9, -701, 701, 1e9} {
		if v := pexp(x); math.IsInf(v, 0) || math.IsNaN(v) || v <= 0 {
			t.Errorf("pexp(%v) = %v, want a positive finite value", x, v)
		}
	}
}

// FuzzPortableMath states the invariant: pexp and plog stay within maxULP
// of the math package over their documented domains.
func FuzzPortableMath(f *testing.F) {
	for _, x := range []float64{1e-300, 1e-10, 0.5, 0.7071067811865476, 1, 2, 700} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		if x > 0 && x <= 700 && !math.IsNaN(x) {
			if ulps(pexp(x), math.Exp(x)) > maxULP || ulps(pexp(-x), math.Exp(-x)) > maxULP {
				t.Fatalf("pexp(±%v) off by more than maxULP", x)
			}
		}
		if x >= 0x1p-1022 && x <= math.MaxFloat64 {
			if ulps(plog(x), math.Log(x)) > maxULP {
				t.Fatalf("plog(%v) = %v, math gives %v", x, plog(x), math.Log(x))
			}
		}
	})
}

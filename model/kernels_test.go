package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAdamKernels: the SIMD Adam kernels give bit-for-bit the results of the
// one-lane Go reference, for every length and for values across the range.
func TestAdamKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	wild := func() float64 { return math.Ldexp(r.NormFloat64(), r.IntN(80)-40) }
	for n := range 41 {
		for trial := range 20 {
			c := &adamCoef{b1: r.Float64(), b2: r.Float64(), eps: math.Ldexp(1, -r.IntN(40)),
				c1: r.Float64(), c2: 1 + r.Float64()}
			c.ob1, c.ob2 = 1-c.b1, 1-c.b2
			w, m, v, g := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			for i := range n {
				w[i], m[i], v[i], g[i] = wild(), wild(), math.Abs(wild()), wild()
			}
			if trial == 0 && n > 0 {
				g[0], v[0], m[0] = 0, 0, 0 // sqrt(0), the padding lanes' case
			}
			ref := [][]float64{clone(w), clone(m), clone(v), make([]float64, n)}
			adamGo(ref[0], ref[1], ref[2], g, ref[3], c)
			for _, avx := range []bool{false, true} {
				if avx && !hasAVX() {
					continue
				}
				got := [][]float64{clone(w), clone(m), clone(v), make([]float64, n)}
				adamStep(got[0], got[1], got[2], g, got[3], c, avx)
				for j, name := range []string{"w", "m", "v", "eta"} {
					if !equalBits(got[j], ref[j]) {
						t.Fatalf("n=%d avx=%v: %s differs from adamGo:\n got %v\nwant %v", n, avx, name, got[j], ref[j])
					}
				}
			}
		}
	}
}

// TestLanesInert: the padding lanes the kernels run over stay zero and do
// not change the parameters, whatever the SIMD width.
func TestLanesInert(t *testing.T) {
	cfg := Config{Task: TaskBinary, Features: 18, Optimizer: Optimizer{Name: OptimizerAdam}}
	a, b, _ := learnWithAndWithoutAVX(t, cfg, 500)
	if !equalBits(a.Weights(), b.Weights()) {
		t.Error("AVX and SSE2 kernels learn differently")
	}
	for _, s := range [][]float64{a.params, a.s1, a.s2} {
		for _, v := range s[len(s):cap(s)] {
			if v != 0 {
				t.Errorf("padding lane holds %v", v)
			}
		}
	}
}

// TestExp: exp is within 3 ulp of math.Exp everywhere and exact at the
// special values. (Above 709.4 math.Exp's amd64 assembly overflows to +Inf
// early, so the comparison stops there.)
func TestExp(t *testing.T) {
	var worst int64
	for i := range 400001 {
		x := -745.2 + 1454.6*float64(i)/400000
		if d := ulps(exp(x), math.Exp(x)); d > worst {
			worst = d
		}
	}
	if worst > 3 {
		t.Errorf("exp is %d ulp from math.Exp", worst)
	}
	special := []struct{ x, want float64 }{
		{0, 1}, {math.Inf(1), math.Inf(1)}, {math.Inf(-1), 0}, {710, math.Inf(1)}, {-746, 0}, {1e-300, 1},
	}
	for _, s := range special {
		if got := exp(s.x); got != s.want {
			t.Errorf("exp(%v) = %v, want %v", s.x, got, s.want)
		}
	}
	if !math.IsNaN(exp(math.NaN())) {
		t.Error("exp(NaN) is not NaN")
	}
	if got, want := exp(-740), math.Exp(-740); ulps(got, want) > 1 { // subnormal result
		t.Errorf("exp(-740) = %v, want %v", got, want)
	}
}

func ulps(a, b float64) int64 {
	d := int64(math.Float64bits(a)) - int64(math.Float64bits(b))
	if d < 0 {
		return -d
	}
	return d
}

func TestSigmoid(t *testing.T) {
	for _, z := range []float64{0, 1e-20, -1e-20, 0.5, -0.5, 3, -3, 20, -20, 36, -36, 40, -40, 700, -700, 800, -800} {
		want := 1 / (1 + math.Exp(-z))
		if got := sigmoid(z); math.Abs(got-want) > 1e-15*want {
			t.Errorf("sigmoid(%v) = %v, want %v", z, got, want)
		}
	}
	if sigmoid(math.Inf(1)) != 1 || sigmoid(math.Inf(-1)) != 0 || !math.IsNaN(sigmoid(math.NaN())) {
		t.Error("sigmoid at ±Inf or NaN")
	}
	if sigmoid(-800) <= 0 && sigmoid(-700) <= 0 {
		t.Error("sigmoid underflows too early")
	}
}

func TestSoftmaxStable(t *testing.T) {
	z := []float64{1000, 1001, -1000}
	softmaxInPlace(z)
	want := []float64{1 / (1 + math.E), math.E / (1 + math.E), 0}
	for k := range z {
		if math.Abs(z[k]-want[k]) > 1e-15 {
			t.Errorf("softmax[%d] = %v, want %v", k, z[k], want[k])
		}
	}
}

func TestDot(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for n := range 30 {
		w, x, mean, inv := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		var want float64
		for i := range n {
			w[i], x[i], mean[i], inv[i] = r.NormFloat64(), r.NormFloat64(), r.NormFloat64(), r.Float64()
			want += w[i] * x[i]
		}
		if got := dot(w, x); math.Abs(got-want) > 1e-13 {
			t.Errorf("n=%d: dot %v, want %v", n, got, want)
		}
		xs := make([]float64, n)
		for i := range n {
			xs[i] = scale(x[i], mean[i], inv[i])
		}
		if dotScaled(w, x, mean, inv) != dot(w, xs) {
			t.Errorf("n=%d: dotScaled differs from dot on scaled features", n)
		}
	}
}

// TestWelfordKernel: the AVX scaler kernel gives bit-for-bit the results of
// welfordGo, zero variances included.
func TestWelfordKernel(t *testing.T) {
	if !hasAVX() {
		t.Skip("no AVX")
	}
	r := rand.New(rand.NewPCG(3, 3))
	for n := range 23 {
		a, b := newScaler(n), newScaler(n)
		xs, ys := make([]float64, n), make([]float64, n)
		for row := range 50 {
			x := make([]float64, n)
			for i := range x {
				x[i] = math.Ldexp(r.NormFloat64(), r.IntN(40)-20)
				if i%5 == 0 {
					x[i] = 3 // constant: variance 0
				}
				if i%7 == 1 && row%2 == 0 {
					x[i] = -x[i]
				}
			}
			a.learn(x, xs, true)
			b.learn(x, ys, false)
			if !equalBits(xs, ys) || !equalBits(a.mean, b.mean) || !equalBits(a.m2, b.m2) || !equalBits(a.inv, b.inv) {
				t.Fatalf("n=%d row %d: AVX scaler differs from welfordGo", n, row)
			}
		}
	}
}

// TestAdaGradKernel: the AVX AdaGrad kernel gives bit-for-bit the results of
// adagradGo.
func TestAdaGradKernel(t *testing.T) {
	if !hasAVX() {
		t.Skip("no AVX")
	}
	r := rand.New(rand.NewPCG(4, 4))
	wild := func() float64 { return math.Ldexp(r.NormFloat64(), r.IntN(80)-40) }
	for n := range 23 {
		w, acc, g := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range n {
			w[i], acc[i], g[i] = wild(), math.Abs(wild()), wild()
		}
		if n > 0 {
			acc[0], g[0] = 0, 0
		}
		lr, eps := r.Float64(), math.Ldexp(1, -r.IntN(40))
		refW, refAcc, refEta := clone(w), clone(acc), make([]float64, n)
		adagradGo(refW, refAcc, g, refEta, lr, eps)
		gotW, gotAcc, gotEta := clone(w), clone(acc), make([]float64, n)
		adagradStep(gotW, gotAcc, g, gotEta, lr, eps, true)
		if !equalBits(gotW, refW) || !equalBits(gotAcc, refAcc) || !equalBits(gotEta, refEta) {
			t.Fatalf("n=%d: AVX AdaGrad differs from adagradGo", n)
		}
	}
}

// TestFTRLKernel: the AVX FTRL kernel gives bit-for-bit the results of
// ftrlGo, zero weights and signed zeros included.
func TestFTRLKernel(t *testing.T) {
	if !hasAVX() {
		t.Skip("no AVX")
	}
	r := rand.New(rand.NewPCG(5, 5))
	wild := func() float64 { return math.Ldexp(r.NormFloat64(), r.IntN(40)-20) }
	for n := range 23 {
		for trial := range 10 {
			w, z, nn, g := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			for i := range n {
				w[i], z[i], nn[i], g[i] = wild(), wild(), math.Abs(wild()), wild()
			}
			if n > 1 {
				z[0], g[0], nn[0] = 0, 0, 0
				z[1], g[1] = math.Copysign(0, -1), 0
			}
			c := &ftrlCoef{invAlpha: 1 / (0.01 + r.Float64()), beta: r.Float64(), l1: []float64{0, 1e-3, 1}[trial%3], l2: r.Float64()}
			ref := [][]float64{clone(w), clone(z), clone(nn)}
			ftrlGo(ref[0], ref[1], ref[2], g, c)
			got := [][]float64{clone(w), clone(z), clone(nn)}
			ftrlStep(got[0], got[1], got[2], g, c, true)
			for j, name := range []string{"w", "z", "n"} {
				if !equalBits(got[j], ref[j]) {
					t.Fatalf("n=%d: %s differs from ftrlGo:\n got %v\nwant %v", n, name, got[j], ref[j])
				}
			}
		}
	}
}

// TestLogitKernels: the four-class AVX logits give bit-for-bit the class by
// class logit and logitX, for every width up to 41 (tails of 0-3
// features), 2 to 11 classes (groups of four with a partial last one),
// raw and standardised features, and values across the range.
//
// In a purego build (goKernels) the Go stand-ins of dots4 and dots4Scaled
// are checked the same way.
func TestLogitKernels(t *testing.T) {
	if !hasAVX() && !goKernels {
		t.Skip("no AVX")
	}
	r := rand.New(rand.NewPCG(2, 2))
	wild := func() float64 { return math.Ldexp(r.NormFloat64(), r.IntN(60)-30) }
	for _, standardize := range []bool{false, true} {
		for classes := 2; classes <= 11; classes++ {
			for nf := 1; nf <= 41; nf++ {
				m := mustNew(t, Config{Task: TaskMulticlass, Classes: classes, Features: nf, Standardize: standardize})
				m.avx = true // the kernels (or their Go stand-ins)
				for i := range m.params {
					m.params[i] = wild()
				}
				if standardize {
					for i := range nf {
						m.sc.mean[i], m.sc.inv[i] = wild(), math.Abs(wild())
					}
				}
				x := make([]float64, nf)
				for i := range x {
					x[i] = wild()
				}
				for _, scaled := range []bool{false, true} {
					want := make([]float64, classes)
					for k := range want {
						if scaled {
							want[k] = m.logitX(k, x)
						} else {
							want[k] = m.logit(k, x)
						}
					}
					got := make([]float64, classes)
					m.logits(x, got, scaled)
					if !equalBits(got, want) {
						t.Fatalf("standardize=%v classes=%d features=%d scaled=%v:\n got %v\nwant %v", standardize, classes, nf, scaled, got, want)
					}
				}
			}
		}
	}
}

// TestSoftmaxKernelsLearnAlike: a softmax model learns and predicts the same
// bits with the AVX kernels as without, at 18 and at 784 features.
func TestSoftmaxKernelsLearnAlike(t *testing.T) {
	if !hasAVX() {
		t.Skip("no AVX")
	}
	for _, nf := range []int{18, 784} {
		cfg := Config{Task: TaskMulticlass, Classes: 10, Features: nf, Standardize: true}
		a, b, xs := learnWithAndWithoutAVX(t, cfg, 300)
		if !equalBits(a.Weights(), b.Weights()) {
			t.Errorf("%d features: AVX and one-class-at-a-time logits learn differently", nf)
		}
		pa, pb := make([]float64, 10), make([]float64, 10)
		for _, x := range xs[:20] {
			if err := a.Predict(x, pa); err != nil {
				t.Fatal(err)
			}
			if err := b.Predict(x, pb); err != nil {
				t.Fatal(err)
			}
			if !equalBits(pa, pb) {
				t.Fatalf("%d features: predictions differ:\n avx %v\n one %v", nf, pa, pb)
			}
		}
	}
}

// learnWithAndWithoutAVX learns the same n rows into two models of cfg, a
// with the CPU's kernels and b without AVX, and returns them with the
// rows' features.
func learnWithAndWithoutAVX(t *testing.T, cfg Config, n int) (a, b *Model, xs [][]float64) {
	t.Helper()
	a, b = mustNew(t, cfg), mustNew(t, cfg)
	b.avx = false
	xs, ys := benchRows(cfg, n)
	learnRows(t, a, xs, ys)
	learnRows(t, b, xs, ys)
	return a, b, xs
}

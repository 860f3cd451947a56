package model

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// targetRows are rows of a regression whose target is in the hundreds:
// y = 500 + 80·x0 − 30·x1 + noise(sd 5), features of mixed scales.
func targetRows(seed uint64, n int) ([][]float64, []float64) {
	r := rand.New(rand.NewPCG(seed, 1))
	xs, ys := make([][]float64, n), make([]float64, n)
	for i := range xs {
		x := []float64{r.NormFloat64(), 10 + 3*r.NormFloat64(), r.Float64()}
		xs[i] = x
		ys[i] = 500 + 80*x[0] - 30*x[1]/3 + 5*r.NormFloat64()
	}
	return xs, ys
}

// TestStandardizeTarget: with the default optimizer, a target in the
// hundreds is learned in one pass of a few hundred rows with target
// standardisation, and not without (the steps are of the order of the
// learning rate, the target of 500).
func TestStandardizeTarget(t *testing.T) {
	xs, ys := targetRows(1, 400)
	tx, ty := targetRows(2, 200)
	rmse := func(m *Model) float64 {
		var se float64
		out := []float64{0}
		for i, x := range tx {
			if err := m.Predict(x, out); err != nil {
				t.Fatal(err)
			}
			se += (out[0] - ty[i]) * (out[0] - ty[i])
		}
		return math.Sqrt(se / float64(len(tx)))
	}
	for _, tc := range []struct {
		name   string
		target bool
		check  func(float64) bool
	}{
		{"standardised", true, func(e float64) bool { return e < 10 }},
		{"raw", false, func(e float64) bool { return e > 100 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mustNew(t, Config{Task: TaskRegression, Features: 3, Standardize: true, StandardizeTarget: tc.target})
			learnRows(t, m, xs, ys)
			if e := rmse(m); !tc.check(e) {
				t.Errorf("held-out RMSE %.2f (noise sd 5)", e)
			}
		})
	}
}

// TestStandardizeTargetWeights: Weights are in the target's units, so that
// the exported dot product plus bias (what score and the README's scorer
// compute) is Predict's ŷ; Loss is in the target's units too.
func TestStandardizeTargetWeights(t *testing.T) {
	for _, std := range []bool{false, true} {
		m := mustNew(t, Config{Task: TaskRegression, Features: 3, Standardize: std, StandardizeTarget: true})
		huber := mustNew(t, Config{Task: TaskRegression, Loss: LossHuber, HuberDelta: 0.1, Features: 3, Standardize: std, StandardizeTarget: true})
		xs, ys := targetRows(3, 50)
		learnRows(t, m, xs, ys)
		learnRows(t, huber, xs, ys)
		w := m.Weights()
		mean, inv := m.Standardization()
		for i, x := range xs[:10] {
			want := []float64{0}
			if err := m.Predict(x, want); err != nil {
				t.Fatal(err)
			}
			z := w[3]
			for j, v := range x {
				if std {
					v = (v - mean[j]) * inv[j]
				}
				z += w[j] * v
			}
			if !closeTo(z, want[0], 1e-12) {
				t.Errorf("standardize %v row %d: weights give %v, Predict %v", std, i, z, want[0])
			}
			l, err := m.Loss(x, ys[i])
			if err != nil {
				t.Fatal(err)
			}
			if r := want[0] - ys[i]; !closeTo(l, 0.5*r*r, 1e-12) {
				t.Errorf("Loss %v, want ½(ŷ−y)² = %v", l, 0.5*r*r)
			}
			// Huber: δ is in the target's standard deviations.
			if err := huber.Predict(x, want); err != nil {
				t.Fatal(err)
			}
			r, d := math.Abs(want[0]-ys[i]), 0.1*huber.targetSD()
			hl := 0.5 * r * r
			if r > d {
				hl = d * (r - 0.5*d)
			}
			if l, err := huber.Loss(x, ys[i]); err != nil || !closeTo(l, hl, 1e-12) {
				t.Errorf("Huber Loss %v (%v), want %v", l, err, hl)
			}
		}
	}
	// Before any row the prediction is 0 (the mean of no targets).
	m := mustNew(t, Config{Task: TaskRegression, Features: 1, StandardizeTarget: true})
	out := []float64{1}
	if err := m.Predict([]float64{3}, out); err != nil || out[0] != 0 {
		t.Errorf("untrained prediction %v (%v), want 0", out[0], err)
	}
}

// TestStandardizeTargetCodec: the target's statistics are part of the
// state (encoding version 2); a model without them is still written as
// version 1, so states written before version 2 decode as they did.
func TestStandardizeTargetCodec(t *testing.T) {
	cfg := Config{Task: TaskRegression, Features: 3, Standardize: true, StandardizeTarget: true}
	m := mustNew(t, cfg)
	xs, ys := targetRows(4, 30)
	learnRows(t, m, xs, ys)
	data := marshal(t, m)
	if data[4] != 2 || data[9] != flagStd|flagStdTarget {
		t.Errorf("version %d flags %#x, want 2 and %#x", data[4], data[9], flagStd|flagStdTarget)
	}
	r := mustNew(t, cfg)
	if err := r.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(marshal(t, r), data) || r.ts.n != 30 || r.targetSD() != m.targetSD() {
		t.Error("round trip changed the target's statistics")
	}
	// A version 1 header that claims the target's statistics is corrupt.
	bad := bytes.Clone(data)
	bad[4] = 1
	if err := r.UnmarshalBinary(bad); !errors.Is(err, ErrCorrupt) {
		t.Errorf("version 1 with the target flag: %v, want ErrCorrupt", err)
	}
	// The state of the same learner without target standardisation is
	// version 1 and does not decode into a model with it, nor the reverse.
	plain := cfg
	plain.StandardizeTarget = false
	p := mustNew(t, plain)
	learnRows(t, p, xs, ys)
	pdata := marshal(t, p)
	if pdata[4] != 1 {
		t.Errorf("state without target statistics has version %d, want 1", pdata[4])
	}
	if err := r.UnmarshalBinary(pdata); !errors.Is(err, ErrMismatch) {
		t.Errorf("state without target statistics: %v, want ErrMismatch", err)
	}
	if err := mustNew(t, plain).UnmarshalBinary(data); !errors.Is(err, ErrMismatch) {
		t.Errorf("state with target statistics into a model without: %v, want ErrMismatch", err)
	}
}

// TestStandardizeTargetAverage: shards weighted by rows average their
// target statistics to those of all their rows.
func TestStandardizeTargetAverage(t *testing.T) {
	cfg := Config{Task: TaskRegression, Features: 3, StandardizeTarget: true}
	xa, ya := targetRows(5, 300)
	xb, yb := targetRows(6, 100)
	a, b, all := mustNew(t, cfg), mustNew(t, cfg), mustNew(t, cfg)
	learnRows(t, a, xa, ya)
	learnRows(t, b, xb, yb)
	learnRows(t, all, append(xa, xb...), append(ya, yb...))
	dst := mustNew(t, cfg)
	if err := Average(dst, []*Model{a, b}, []float64{300, 100}); err != nil {
		t.Fatal(err)
	}
	if dst.ts.n != 400 || !closeTo(dst.ts.mean[0], all.ts.mean[0], 1e-12) || !closeTo(dst.ts.m2[0], all.ts.m2[0], 1e-9) ||
		!closeTo(dst.targetSD(), all.targetSD(), 1e-12) {
		t.Errorf("averaged target statistics n %d mean %v m2 %v, all rows %d %v %v",
			dst.ts.n, dst.ts.mean[0], dst.ts.m2[0], all.ts.n, all.ts.mean[0], all.ts.m2[0])
	}
	other := cfg
	other.StandardizeTarget = false
	if err := Average(mustNew(t, other), []*Model{a}, nil); !errors.Is(err, ErrMismatch) {
		t.Errorf("average across target standardisation: %v, want ErrMismatch", err)
	}
}

// TestStandardizeTargetRefusal: a refused example leaves the target's
// statistics as they were, also without feature standardisation.
func TestStandardizeTargetRefusal(t *testing.T) {
	m := mustNew(t, Config{Task: TaskRegression, Features: 2, StandardizeTarget: true})
	before := marshal(t, m)
	for _, ex := range []struct {
		x []float64
		y float64
	}{
		{[]float64{math.NaN(), 1}, 3},
		{[]float64{1, math.Inf(1)}, 3},
		{[]float64{1, 2}, math.NaN()},
		{[]float64{1}, 3},
	} {
		if err := m.Learn(ex.x, ex.y); err == nil {
			t.Errorf("Learn(%v, %v) accepted", ex.x, ex.y)
		}
	}
	if !bytes.Equal(marshal(t, m), before) {
		t.Error("refused examples changed the model")
	}
}

// TestStandardizeTargetDefaults: only the linear learner keeps the flag.
func TestStandardizeTargetDefaults(t *testing.T) {
	for _, c := range []Config{
		{Task: TaskBinary, Features: 1, StandardizeTarget: true},
		{Task: TaskMulticlass, Classes: 3, Features: 1, StandardizeTarget: true},
	} {
		c.EnsureDefaults()
		if c.StandardizeTarget {
			t.Errorf("%s: standardize_target kept", c.Task)
		}
	}
	c := Config{Task: TaskRegression, Features: 1, StandardizeTarget: true}
	c.EnsureDefaults()
	if !c.StandardizeTarget {
		t.Error("regression: standardize_target cleared")
	}
}

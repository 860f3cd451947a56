package model

import (
	"math"
	"testing"
)

// TestScaler: Welford's running statistics match a two-pass computation;
// Learn's scaled features match Predict's on-the-fly scaling bit for bit.
func TestScaler(t *testing.T) {
	cfg := Config{Task: TaskRegression, Features: 4, Optimizer: Optimizer{Name: OptimizerSGD}, Standardize: true}
	m := mustNew(t, cfg)
	p := newProblem(m.Config(), 3)
	xs, ys := p.rows(1000)
	for i := range xs {
		xs[i][3] = 7 // a constant feature scales to 0
	}
	learnRows(t, m, xs, ys)
	for j := range cfg.Features {
		var mean, ss float64
		for _, x := range xs {
			mean += x[j]
		}
		mean /= float64(len(xs))
		for _, x := range xs {
			ss += (x[j] - mean) * (x[j] - mean)
		}
		if !closeTo(m.sc.mean[j], mean, 1e-12) || !closeTo(m.sc.m2[j], ss, 1e-10) {
			t.Errorf("feature %d: mean %v m2 %v, two-pass %v %v", j, m.sc.mean[j], m.sc.m2[j], mean, ss)
		}
		if want := 1 / math.Sqrt(ss/float64(len(xs))); j < 3 && !closeTo(m.sc.inv[j], want, 1e-12) {
			t.Errorf("feature %d: 1/sd %v, want %v", j, m.sc.inv[j], want)
		}
	}
	if m.sc.inv[3] != 0 || m.sc.m2[3] != 0 {
		t.Errorf("constant feature: m2 %v, 1/sd %v", m.sc.m2[3], m.sc.inv[3])
	}
	// Learn scales with the statistics after the update; logitX must agree.
	c := m.Clone()
	x := []float64{0.3, -1, 2, 7}
	scaledX := make([]float64, 4)
	c.sc.learn(x, scaledX, c.avx)
	n := c.Clone()
	if n.logitX(0, x) != n.logit(0, scaledX) {
		t.Error("Predict's scaling differs from Learn's")
	}
	// refresh recomputes what learn derived.
	inv := clone(c.sc.inv)
	c.sc.refresh()
	if !equalBits(inv, c.sc.inv) {
		t.Error("refresh differs from learn")
	}
}

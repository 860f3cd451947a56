package model

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func closeTo(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func TestAverage(t *testing.T) {
	for _, v := range conformanceVariants() {
		t.Run(v.name, func(t *testing.T) {
			checkAverageOne(t, v.cfg)
			checkAverageShards(t, v.cfg)
			checkAverageAlias(t, v.cfg)
		})
	}
}

// checkAverageOne: the average of one model is that model.
func checkAverageOne(t *testing.T, cfg Config) {
	m, _ := trained(t, cfg, 21, 200)
	dst := mustNew(t, cfg)
	if err := Average(dst, []*Model{m}, []float64{3}); err != nil {
		t.Fatal(err)
	}
	if !equalBits(dst.params, m.params) || dst.Seen() != m.Seen() {
		t.Error("average of one model changed its weights")
	}
	for i := range m.sc.mean {
		if !closeTo(dst.sc.mean[i], m.sc.mean[i], 1e-12) || !closeTo(dst.sc.m2[i], m.sc.m2[i], 1e-12) {
			t.Errorf("feature %d: scaler (%v, %v), want (%v, %v)", i, dst.sc.mean[i], dst.sc.m2[i], m.sc.mean[i], m.sc.m2[i])
		}
	}
	checkFTRLConsistent(t, dst)
}

// checkAverageShards: two shards weighted by rows seen average to the
// weighted mean of their parameters, and their scalers to the statistics of
// all their rows.
func checkAverageShards(t *testing.T, cfg Config) {
	p := newProblem(func() Config { c := cfg; c.EnsureDefaults(); return c }(), 22)
	xa, ya := p.rows(300)
	xb, yb := p.rows(100)
	a, b, all := mustNew(t, cfg), mustNew(t, cfg), mustNew(t, cfg)
	learnRows(t, a, xa, ya)
	learnRows(t, b, xb, yb)
	learnRows(t, all, append(xa, xb...), append(ya, yb...))
	dst := mustNew(t, cfg)
	if err := Average(dst, []*Model{a, b}, []float64{300, 100}); err != nil {
		t.Fatal(err)
	}
	wa, wb, got := a.params, b.params, dst.params
	for i := range got {
		if want := 0.75*wa[i] + 0.25*wb[i]; !closeTo(got[i], want, 1e-12) {
			t.Errorf("param %d: %v, want %v", i, got[i], want)
		}
	}
	if dst.Seen() != 400 {
		t.Errorf("Seen %d, want 400", dst.Seen())
	}
	if cfg.Standardize {
		if dst.sc.n != all.sc.n {
			t.Errorf("scaler count %d, want %d", dst.sc.n, all.sc.n)
		}
		for i := range all.sc.mean {
			if !closeTo(dst.sc.mean[i], all.sc.mean[i], 1e-9) || !closeTo(dst.sc.m2[i], all.sc.m2[i], 1e-9) {
				t.Errorf("feature %d: scaler (%v, %v), pooled (%v, %v)", i,
					dst.sc.mean[i], dst.sc.m2[i], all.sc.mean[i], all.sc.m2[i])
			}
		}
	}
	checkFTRLConsistent(t, dst)
	if err := dst.Learn(xa[0], ya[0]); err != nil {
		t.Errorf("Learn after Average: %v", err)
	}
}

// checkAverageAlias: dst may be one of the models.
func checkAverageAlias(t *testing.T, cfg Config) {
	a, _ := trained(t, cfg, 23, 100)
	b, _ := trained(t, cfg, 24, 50)
	want := mustNew(t, cfg)
	if err := Average(want, []*Model{a, b}, nil); err != nil {
		t.Fatal(err)
	}
	if err := Average(a, []*Model{a, b}, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(marshal(t, a), marshal(t, want)) {
		t.Error("averaging into one of the models differs")
	}
}

// checkFTRLConsistent: ftrl's z and n give the parameters.
func checkFTRLConsistent(t *testing.T, m *Model) {
	t.Helper()
	if m.k.opt != optFTRL {
		return
	}
	for i, w := range m.params {
		c := m.ftrlW
		if i >= m.nw {
			c = m.ftrlB
		}
		if got := c.weight(m.s1[i], math.Sqrt(m.s2[i])); !closeTo(got, w, 1e-12) {
			t.Errorf("ftrl param %d: z and n give %v, weight is %v", i, got, w)
		}
	}
}

func TestAverageErrors(t *testing.T) {
	cfg := Config{Task: TaskBinary, Features: 3, Optimizer: Optimizer{Name: OptimizerSGD}}
	a, b := mustNew(t, cfg), mustNew(t, cfg)
	other := mustNew(t, Config{Task: TaskBinary, Features: 4, Optimizer: Optimizer{Name: OptimizerSGD}})
	lr := mustNew(t, Config{Task: TaskBinary, Features: 3, Optimizer: Optimizer{Name: OptimizerSGD, LearningRate: 0.5}})
	cases := []struct {
		name    string
		dst     *Model
		models  []*Model
		weights []float64
		is      error
	}{
		{"nil dst", nil, []*Model{a}, nil, nil},
		{"no models", a, nil, nil, nil},
		{"nil model", a, []*Model{b, nil}, nil, nil},
		{"weights length", a, []*Model{a, b}, []float64{1}, ErrShape},
		{"negative weight", a, []*Model{a, b}, []float64{1, -1}, nil},
		{"nan weight", a, []*Model{a, b}, []float64{1, math.NaN()}, nil},
		{"zero weights", a, []*Model{a, b}, []float64{0, 0}, nil},
		{"other features", a, []*Model{b, other}, nil, ErrMismatch},
		{"other learning rate", a, []*Model{lr}, nil, ErrMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := noPanic(func() error { return Average(c.dst, c.models, c.weights) })
			if err == nil || (c.is != nil && !errors.Is(err, c.is)) {
				t.Errorf("Average: got %v, want an error (%v)", err, c.is)
			}
		})
	}
}

func TestMix(t *testing.T) {
	for _, v := range conformanceVariants() {
		t.Run(v.name, func(t *testing.T) {
			a, _ := trained(t, v.cfg, 31, 100)
			b, _ := trained(t, v.cfg, 32, 100)
			keep := marshal(t, a)
			if err := a.Mix(b, 0); err != nil || !bytes.Equal(marshal(t, a), keep) {
				t.Errorf("Mix(b, 0) changed the model (err %v)", err)
			}
			half := a.Clone()
			if err := half.Mix(b, 0.5); err != nil {
				t.Fatal(err)
			}
			wa, wb, got := a.params, b.params, half.params
			for i := range got {
				if want := 0.5*wa[i] + 0.5*wb[i]; !closeTo(got[i], want, 1e-15) {
					t.Errorf("param %d: %v, want %v", i, got[i], want)
				}
			}
			if half.Seen() != a.Seen() || !equalBits(half.sc.mean, a.sc.mean) || !equalBits(half.s2, a.s2) {
				t.Error("Mix changed more than the parameters")
			}
			checkFTRLConsistent(t, half)
			if err := a.Mix(b, 1); err != nil || !equalBits(a.params, b.params) {
				t.Errorf("Mix(b, 1) did not copy the parameters (err %v)", err)
			}
			if n := testing.AllocsPerRun(10, func() { _ = a.Mix(b, 0.25) }); n != 0 {
				t.Errorf("Mix: %v allocs", n)
			}
		})
	}
}

func TestMixErrors(t *testing.T) {
	cfg := Config{Task: TaskMulticlass, Classes: 3, Features: 3, Optimizer: Optimizer{Name: OptimizerSGD}}
	a, b := mustNew(t, cfg), mustNew(t, cfg)
	four := mustNew(t, Config{Task: TaskMulticlass, Classes: 4, Features: 3, Optimizer: Optimizer{Name: OptimizerSGD}})
	for name, f := range map[string]func() error{
		"nil":        func() error { return a.Mix(nil, 0.5) },
		"mismatch":   func() error { return a.Mix(four, 0.5) },
		"alpha < 0":  func() error { return a.Mix(b, -0.1) },
		"alpha > 1":  func() error { return a.Mix(b, 1.1) },
		"alpha nan":  func() error { return a.Mix(b, math.NaN()) },
		"alpha +inf": func() error { return a.Mix(b, math.Inf(1)) },
	} {
		if err := noPanic(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := a.Mix(four, 0.5); !errors.Is(err, ErrMismatch) {
		t.Errorf("mismatch: %v, want ErrMismatch", err)
	}
}

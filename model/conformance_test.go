package model

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"
)

// The conformance suite, after River's check_estimator: checkModel runs the
// same checks on every learner/loss × optimizer/schedule × standardisation
// × regularisation combination (and, for the linear learner, target
// standardisation).

type variant struct {
	name string
	cfg  Config
}

// conformanceVariants lists every combination, with learning rates that
// converge on the test problems within one pass.
func conformanceVariants() []variant {
	learners := []struct {
		name    string
		task    Task
		loss    string
		classes int
	}{
		{"logistic", TaskBinary, "", 0},
		{"softmax", TaskMulticlass, "", 3},
		{"linear-squared", TaskRegression, LossSquared, 0},
		{"linear-huber", TaskRegression, LossHuber, 0},
	}
	optimizers := []struct {
		name string
		opt  Optimizer
	}{
		{"sgd-constant", Optimizer{Name: OptimizerSGD, LearningRate: 0.02}},
		{"sgd-inverse_sqrt", Optimizer{Name: OptimizerSGD, LearningRate: 0.05, Schedule: ScheduleInverseSqrt, Decay: 0.01}},
		{"sgd-inverse", Optimizer{Name: OptimizerSGD, LearningRate: 0.05, Schedule: ScheduleInverse, Decay: 0.001}},
		{"adagrad", Optimizer{Name: OptimizerAdaGrad, LearningRate: 0.5}},
		{"adam", Optimizer{Name: OptimizerAdam, LearningRate: 0.005}},
		{"ftrl", Optimizer{Name: OptimizerFTRL, LearningRate: 0.5}},
	}
	regs := []struct {
		name   string
		l1, l2 float64
	}{{"noreg", 0, 0}, {"l1", 1e-3, 0}, {"l2", 0, 1e-3}, {"l1l2", 1e-3, 1e-3}}
	var vs []variant
	for _, l := range learners {
		for _, o := range optimizers {
			for _, std := range []string{"raw", "std", "target", "std+target"} {
				if l.task != TaskRegression && (std == "target" || std == "std+target") {
					continue
				}
				for _, r := range regs {
					vs = append(vs, variant{
						name: fmt.Sprintf("%s/%s/%s/%s", l.name, o.name, std, r.name),
						cfg: Config{Task: l.task, Loss: l.loss, Classes: l.classes, Features: 5,
							Optimizer: o.opt, L1: r.l1, L2: r.l2, Standardize: std == "std" || std == "std+target",
							StandardizeTarget: std == "target" || std == "std+target"},
					})
				}
			}
		}
	}
	return vs
}

func TestConformance(t *testing.T) {
	for _, v := range conformanceVariants() {
		t.Run(v.name, func(t *testing.T) { checkModel(t, v.cfg) })
	}
}

// checkModel runs every conformance check on one config.
func checkModel(t *testing.T, cfg Config) {
	t.Helper()
	t.Run("gradient", func(t *testing.T) { checkGradient(t, cfg) })
	t.Run("step", func(t *testing.T) { checkStep(t, cfg) })
	t.Run("convergence", func(t *testing.T) { checkConvergence(t, cfg) })
	t.Run("roundtrip", func(t *testing.T) { checkRoundTrip(t, cfg) })
	t.Run("determinism", func(t *testing.T) { checkDeterminism(t, cfg) })
	t.Run("clone", func(t *testing.T) { checkClone(t, cfg) })
	t.Run("shapes", func(t *testing.T) { checkShapes(t, cfg) })
	t.Run("predict", func(t *testing.T) { checkPredict(t, cfg) })
	t.Run("allocs", func(t *testing.T) { checkAllocs(t, cfg) })
}

func mustNew(t testing.TB, cfg Config) *Model {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// trained is a model of cfg after n rows of the problem with seed.
func trained(t testing.TB, cfg Config, seed uint64, n int) (*Model, *problem) {
	t.Helper()
	m := mustNew(t, cfg)
	p := newProblem(m.Config(), seed)
	x := make([]float64, cfg.Features)
	for range n {
		y := p.next(x)
		if err := m.Learn(x, y); err != nil {
			t.Fatalf("Learn: %v", err)
		}
	}
	return m, p
}

// scaled is x standardised with m's current statistics.
func scaled(m *Model, x []float64) []float64 {
	xs := clone(x)
	if m.cfg.Standardize {
		for i := range xs {
			xs[i] = scale(x[i], m.sc.mean[i], m.sc.inv[i])
		}
	}
	return xs
}

// checkGradient compares the analytic gradient that every step uses with
// central finite differences of the objective, at random parameters.
func checkGradient(t *testing.T, cfg Config) {
	m, p := trained(t, cfg, 3, 50)
	for i := range m.params {
		m.params[i] = 0.3 * p.rng.NormFloat64()
	}
	x := make([]float64, cfg.Features)
	g := make([]float64, len(m.params))
	for trial := range 6 {
		y := p.next(x)
		xs := scaled(m, x)
		if m.k.learner == learnerLinear { // away from Huber's kink at |r| = δ
			y = m.logit(0, xs) + []float64{0.3, -0.4, 2.5, -3, 0.1, -1.7}[trial]*m.hp.huber
		}
		target, err := m.target(y)
		if err != nil {
			t.Fatal(err)
		}
		m.gradient(xs, target, g)
		for j := range m.params {
			const h = 1e-6
			keep := m.params[j]
			m.params[j] = keep + h
			up := m.objective(xs, target)
			m.params[j] = keep - h
			down := m.objective(xs, target)
			m.params[j] = keep
			num := (up - down) / (2 * h)
			if d := math.Abs(num - g[j]); d > 1e-6*math.Max(1, math.Abs(g[j])) {
				t.Errorf("trial %d: d/dparam[%d]: analytic %.10g, numeric %.10g", trial, j, g[j], num)
			}
		}
	}
}

// checkStep compares one Learn with the optimizer's textbook update,
// computed here independently from the same gradient.
func checkStep(t *testing.T, cfg Config) {
	m, p := trained(t, cfg, 4, 100)
	x := make([]float64, cfg.Features)
	y := p.next(x)
	before := m.Clone()
	xs := make([]float64, cfg.Features)
	copy(xs, x)
	if cfg.Standardize {
		before.sc.learn(x, xs, before.avx) // as Learn will
	}
	target, _ := before.target(y)
	if cfg.StandardizeTarget {
		// As Learn will: the target standardised with its statistics
		// updated by it.
		ts := []float64{0}
		before.ts.learn([]float64{target}, ts, false)
		target = ts[0]
	}
	g := make([]float64, len(before.params))
	before.gradient(xs, target, g)
	want := textbookStep(before, g)
	if err := m.Learn(x, y); err != nil {
		t.Fatal(err)
	}
	for i, w := range m.params {
		if d := math.Abs(w - want[i]); d > 1e-12*math.Max(1, math.Abs(want[i])) {
			t.Errorf("param %d: got %.17g, textbook %.17g", i, w, want[i])
		}
	}
}

// textbookStep is the optimizer update from its usual definition, written
// independently of optim.go (L1 and ftrl's L2 on the weights only).
func textbookStep(m *Model, g []float64) []float64 {
	c := m.cfg
	o := c.Optimizer
	w := clone(m.params)
	t := float64(m.seen) // steps before this one
	for i := range w {
		l1, l2 := c.L1, c.L2
		if i >= m.nw {
			l1, l2 = 0, 0
		}
		var step float64 // step size multiplying the L1 threshold
		switch o.Name {
		case OptimizerSGD:
			step = o.LearningRate
			switch o.Schedule {
			case ScheduleInverseSqrt:
				step = o.LearningRate / math.Sqrt(1+o.Decay*t)
			case ScheduleInverse:
				step = o.LearningRate / (1 + o.Decay*t)
			}
			w[i] -= step * g[i]
		case OptimizerAdaGrad:
			acc := m.s1[i] + g[i]*g[i]
			step = o.LearningRate / (math.Sqrt(acc) + o.Epsilon)
			w[i] -= step * g[i]
		case OptimizerAdam:
			mo := o.Beta1*m.s1[i] + (1-o.Beta1)*g[i]
			ve := o.Beta2*m.s2[i] + (1-o.Beta2)*g[i]*g[i]
			mhat := mo / (1 - math.Pow(o.Beta1, t+1))
			vhat := ve / (1 - math.Pow(o.Beta2, t+1))
			step = o.LearningRate / (math.Sqrt(vhat) + o.Epsilon)
			w[i] -= step * mhat
		case OptimizerFTRL:
			z, n := m.s1[i], m.s2[i]
			sigma := (math.Sqrt(n+g[i]*g[i]) - math.Sqrt(n)) / o.LearningRate
			z += g[i] - sigma*w[i]
			n += g[i] * g[i]
			w[i] = 0
			if math.Abs(z) > l1 {
				w[i] = -(z - math.Copysign(l1, z)) / ((o.FTRLBeta+math.Sqrt(n))/o.LearningRate + l2)
			}
			continue
		}
		if l1 > 0 {
			w[i] = math.Copysign(math.Max(math.Abs(w[i])-step*l1, 0), w[i])
		}
	}
	return w
}

// checkConvergence learns one pass over a generated problem and checks the
// result against the truth: linear regression recovers the true weights;
// the classifiers reach the Bayes classifier's accuracy on held-out data,
// within a margin.
func checkConvergence(t *testing.T, cfg Config) {
	n := 6000
	if cfg.Task == TaskMulticlass {
		n = 10000
	}
	m, p := trained(t, cfg, 1, n)
	if cfg.Task == TaskRegression {
		w, b := rawWeights(m)
		for i := range w[0] {
			if d := math.Abs(w[0][i] - p.w[0][i]); d > 0.05 {
				t.Errorf("weight %d: got %.4f, true %.4f", i, w[0][i], p.w[0][i])
			}
		}
		if d := math.Abs(b[0] - p.b[0]); d > 0.05 {
			t.Errorf("bias: got %.4f, true %.4f", b[0], p.b[0])
		}
		return
	}
	test := newProblem(m.Config(), 99)
	xs, ys := test.rows(3000)
	var hits, bayes int
	out := make([]float64, m.Outputs())
	for i, x := range xs {
		if err := m.Predict(x, out); err != nil {
			t.Fatal(err)
		}
		pred := float64(argmax(out))
		if cfg.Task == TaskBinary {
			pred = 0
			if out[0] > 0.5 {
				pred = 1
			}
		}
		if pred == ys[i] {
			hits++
		}
		if test.bayes(x) == ys[i] {
			bayes++
		}
	}
	acc, best := float64(hits)/float64(len(xs)), float64(bayes)/float64(len(xs))
	if acc < best-0.02 {
		t.Errorf("held-out accuracy %.4f, Bayes classifier %.4f", acc, best)
	}
}

// rawWeights are m's weights and biases for unstandardised features.
func rawWeights(m *Model) ([][]float64, []float64) {
	p := m.Weights()
	var ws [][]float64
	var bs []float64
	for k := range m.nk {
		w, b := clone(p[k*m.nf:(k+1)*m.nf]), p[m.nw+k]
		if m.cfg.Standardize {
			for i := range w {
				w[i] *= m.sc.inv[i]
				b -= w[i] * m.sc.mean[i]
			}
		}
		ws, bs = append(ws, w), append(bs, b)
	}
	return ws, bs
}

func marshal(t testing.TB, m *Model) []byte {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func learnRows(t testing.TB, m *Model, xs [][]float64, ys []float64) {
	t.Helper()
	for i, x := range xs {
		if err := m.Learn(x, ys[i]); err != nil {
			t.Fatalf("Learn row %d: %v", i, err)
		}
	}
}

// checkRoundTrip: Marshal → Unmarshal gives identical weights, bytes and
// further learning; AppendBinary appends the same bytes; other configs and
// damaged data are refused without touching the model.
func checkRoundTrip(t *testing.T, cfg Config) {
	m, p := trained(t, cfg, 5, 300)
	data := marshal(t, m)
	if len(data) != m.encodedLen() {
		t.Errorf("encoded length %d, want %d", len(data), m.encodedLen())
	}
	if app, _ := m.AppendBinary([]byte("prefix")); !bytes.Equal(app, append([]byte("prefix"), data...)) {
		t.Error("AppendBinary differs from MarshalBinary")
	}
	r := mustNew(t, cfg)
	if err := r.UnmarshalBinary(data); err != nil {
		t.Fatalf("UnmarshalBinary: %v", err)
	}
	if !bytes.Equal(marshal(t, r), data) || !equalBits(r.Weights(), m.Weights()) || r.Seen() != m.Seen() {
		t.Fatal("round trip changed the state")
	}
	xs, ys := p.rows(100)
	learnRows(t, m, xs, ys)
	learnRows(t, r, xs, ys)
	if !bytes.Equal(marshal(t, r), marshal(t, m)) {
		t.Error("learning after a round trip differs")
	}
	checkRefused(t, cfg, data)
}

// checkRefused: data of another config or damaged data is an error and
// leaves the model as it was.
func checkRefused(t *testing.T, cfg Config, data []byte) {
	other := cfg
	other.Features++
	lr := cfg
	lr.Optimizer.LearningRate *= 2
	std := cfg
	std.Standardize = !std.Standardize
	for _, c := range []Config{other, lr, std} {
		if err := mustNew(t, c).UnmarshalBinary(data); !errors.Is(err, ErrMismatch) {
			t.Errorf("state of another config: got %v, want ErrMismatch", err)
		}
	}
	m, _ := trained(t, cfg, 6, 10)
	keep := marshal(t, m)
	nan := clone64(data)
	binary.LittleEndian.PutUint64(nan[headerLen+8*m.k.opt.stateArrays():], math.Float64bits(math.NaN())) // a parameter or adam power
	for name, bad := range map[string][]byte{
		"empty": nil, "truncated": data[:len(data)-1], "trailing": append(clone64(data), 0),
		"magic": append([]byte("XGDM"), data[4:]...), "nan": nan,
	} {
		if err := m.UnmarshalBinary(bad); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: got %v, want ErrCorrupt", name, err)
		}
		if !bytes.Equal(marshal(t, m), keep) {
			t.Errorf("%s: a refused state changed the model", name)
		}
	}
}

func clone64(b []byte) []byte { return append([]byte(nil), b...) }

func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// checkDeterminism: two runs over the same seeded stream give identical
// bytes; a different stream gives different ones.
func checkDeterminism(t *testing.T, cfg Config) {
	a, _ := trained(t, cfg, 7, 500)
	b, _ := trained(t, cfg, 7, 500)
	if !bytes.Equal(marshal(t, a), marshal(t, b)) || !equalBits(a.Weights(), b.Weights()) {
		t.Error("same seed, different state")
	}
	c, _ := trained(t, cfg, 8, 500)
	if bytes.Equal(marshal(t, a), marshal(t, c)) {
		t.Error("different seeds, same state")
	}
}

// checkClone: a clone learns like the original and shares nothing with it.
func checkClone(t *testing.T, cfg Config) {
	m, p := trained(t, cfg, 9, 200)
	c := m.Clone()
	xs, ys := p.rows(50)
	learnRows(t, m, xs, ys)
	if bytes.Equal(marshal(t, m), marshal(t, c)) {
		t.Fatal("learning on the original changed the clone")
	}
	learnRows(t, c, xs, ys)
	if !bytes.Equal(marshal(t, m), marshal(t, c)) {
		t.Error("clone learns differently")
	}
}

// checkShapes: bad examples are errors, never panics, and leave the model
// unchanged.
func checkShapes(t *testing.T, cfg Config) {
	m, p := trained(t, cfg, 10, 20)
	keep := marshal(t, m)
	f := cfg.Features
	good := make([]float64, f)
	y := p.next(good)
	withValue := func(v float64) []float64 { x := clone(good); x[f/2] = v; return x }
	cases := []struct {
		name string
		x    []float64
		y    float64
		want error
	}{
		{"nil", nil, y, ErrShape},
		{"short", good[:f-1], y, ErrShape},
		{"long", append(clone(good), 1), y, ErrShape},
		{"nan-feature", withValue(math.NaN()), y, ErrValue},
		{"inf-feature", withValue(math.Inf(1)), y, ErrValue},
		{"-inf-feature", withValue(math.Inf(-1)), y, ErrValue},
		{"nan-label", good, math.NaN(), ErrLabel},
		{"inf-label", good, math.Inf(1), ErrLabel},
	}
	if cfg.Task == TaskMulticlass {
		cases = append(cases,
			struct {
				name string
				x    []float64
				y    float64
				want error
			}{"class-negative", good, -1, ErrLabel},
			struct {
				name string
				x    []float64
				y    float64
				want error
			}{"class-too-large", good, float64(cfg.Classes), ErrLabel},
			struct {
				name string
				x    []float64
				y    float64
				want error
			}{"class-fraction", good, 0.5, ErrLabel})
	}
	if cfg.Task == TaskBinary {
		type labelCase = struct {
			name string
			x    []float64
			y    float64
			want error
		}
		cases = append(cases,
			labelCase{"binary-two", good, 2, ErrLabel},
			labelCase{"binary-seven", good, 7, ErrLabel},
			labelCase{"binary-minus-two", good, -2, ErrLabel},
			labelCase{"binary-fraction", good, 0.5, ErrLabel})
	}
	out := make([]float64, m.Outputs())
	for _, c := range cases {
		if err := noPanic(func() error { return m.Learn(c.x, c.y) }); !errors.Is(err, c.want) {
			t.Errorf("Learn %s: got %v, want %v", c.name, err, c.want)
		}
		if _, err := m.Loss(c.x, c.y); !errors.Is(err, c.want) {
			t.Errorf("Loss %s: got %v, want %v", c.name, err, c.want)
		}
		if c.want != ErrLabel {
			if err := noPanic(func() error { return m.Predict(c.x, out) }); !errors.Is(err, c.want) {
				t.Errorf("Predict %s: got %v, want %v", c.name, err, c.want)
			}
		}
	}
	for _, o := range [][]float64{nil, out[:m.Outputs()-1]} {
		if err := noPanic(func() error { return m.Predict(good, o) }); !errors.Is(err, ErrShape) {
			t.Errorf("Predict into %d outputs: got %v, want ErrShape", len(o), err)
		}
	}
	if !bytes.Equal(marshal(t, m), keep) {
		t.Error("a refused example changed the model")
	}
}

func noPanic(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

// checkPredict: outputs are probabilities (or the linear score) consistent
// with Loss, and Predict leaves the model unchanged.
func checkPredict(t *testing.T, cfg Config) {
	m, p := trained(t, cfg, 11, 300)
	keep := marshal(t, m)
	x := make([]float64, cfg.Features)
	out := make([]float64, m.Outputs()+1)
	out[m.Outputs()] = 42 // beyond Outputs: untouched
	for range 20 {
		y := p.next(x)
		if err := m.Predict(x, out); err != nil {
			t.Fatal(err)
		}
		loss, err := m.Loss(x, y)
		if err != nil {
			t.Fatal(err)
		}
		var want float64
		switch cfg.Task {
		case TaskBinary:
			q := out[0]
			if y == 0 {
				q = 1 - q
			}
			want = -math.Log(q)
		case TaskMulticlass:
			var sum float64
			for _, q := range out[:m.Outputs()] {
				if q < 0 || q > 1 {
					t.Errorf("probability %v", q)
				}
				sum += q
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("probabilities sum to %v", sum)
			}
			want = -math.Log(out[int(y)])
		case TaskRegression:
			r := math.Abs(out[0] - y)
			want = 0.5 * r * r
			if d := m.hp.huber; cfg.Loss == LossHuber && r > d {
				want = d * (r - 0.5*d)
			}
		}
		if math.Abs(loss-want) > 1e-9*math.Max(1, want) {
			t.Errorf("Loss %v, from Predict %v", loss, want)
		}
	}
	if out[m.Outputs()] != 42 {
		t.Error("Predict wrote beyond Outputs()")
	}
	if !bytes.Equal(marshal(t, m), keep) {
		t.Error("Predict or Loss changed the model")
	}
}

// checkAllocs: Learn and Predict do not allocate.
func checkAllocs(t *testing.T, cfg Config) {
	m, p := trained(t, cfg, 12, 10)
	x := make([]float64, cfg.Features)
	y := p.next(x)
	out := make([]float64, m.Outputs())
	if n := testing.AllocsPerRun(20, func() { _ = m.Learn(x, y) }); n != 0 {
		t.Errorf("Learn: %v allocs", n)
	}
	if n := testing.AllocsPerRun(20, func() { _ = m.Predict(x, out) }); n != 0 {
		t.Errorf("Predict: %v allocs", n)
	}
}

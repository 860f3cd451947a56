package model

import "fmt"

// Model is one online learner: weights and biases (one row and one bias per
// class for softmax), optimizer state, the feature scaler and the count of
// rows learned. The zero value is not usable: make models with New.
type Model struct {
	cfg  Config
	k    kinds
	nf   int // features
	nk   int // outputs: classes for softmax, else 1
	nw   int // weights: nk*nf; params[nw:] are the nk biases
	hp   hyper
	fp   uint64 // fingerprint(cfg)
	seen int64

	params []float64  // weights (class-major: params[k*nf+i]) then biases
	s1, s2 []float64  // optimizer state: adagrad G; adam m, v; ftrl z, n
	b1t    float64    // adam: beta1^t
	b2t    float64    // adam: beta2^t
	adam   adamCoef   // adam: the next step's coefficients, derived from b1t, b2t
	avx    bool       // use the AVX kernels (same bits, four lanes)
	ftrlW  ftrlCoef   // ftrl: constants of the weights
	ftrlB  ftrlCoef   // ftrl: constants of the biases (no L1, L2)
	sc     scaler     // used when cfg.Standardize
	ts     scaler     // used when cfg.StandardizeTarget: the target's statistics (one "feature")
	tbuf   [2]float64 // scratch: the target and its standardised value

	xs   []float64 // scratch: standardised features
	grad []float64 // scratch: gradient, same layout as params
	eta  []float64 // scratch: adam's per-parameter step sizes
	prob []float64 // scratch: class probabilities
}

// hyper holds the config's numbers in the form the kernels use.
type hyper struct {
	lr, decay    float64
	b1, b2, eps  float64
	ftrlBeta     float64
	huber        float64
	l1, l2       float64
	gradL2       float64 // L2 folded into the gradient: 0 for ftrl, which applies it natively
	ftrlInvAlpha float64
}

// New returns a model with zero weights for cfg after EnsureDefaults and
// Validate.
func New(cfg Config) (*Model, error) {
	cfg.EnsureDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Model{cfg: cfg, k: kindsOf(cfg), nf: cfg.Features, nk: 1, hp: hyperOf(cfg), fp: fingerprint(cfg)}
	if m.k.learner == learnerSoftmax {
		m.nk = cfg.Classes
	}
	m.nw = m.nk * m.nf
	p := m.nw + m.nk
	m.params = lanes(p)
	switch m.k.opt.stateArrays() {
	case 2:
		m.s2 = lanes(p)
		fallthrough
	case 1:
		m.s1 = lanes(p)
	}
	m.b1t, m.b2t = 1, 1
	if m.k.opt == optAdam {
		m.prepareAdam()
	}
	m.avx = cpuHasAVX
	m.ftrlW, m.ftrlB = m.ftrlCoef(cfg.L1, cfg.L2), m.ftrlCoef(0, 0)
	if cfg.Standardize {
		m.sc = newScaler(m.nf)
	}
	if cfg.StandardizeTarget {
		m.ts = newScaler(1)
	}
	m.allocScratch()
	return m, nil
}

// cpuHasAVX is hasAVX, asked once: CPUID traps to the hypervisor in a
// virtual machine (measured ~5 µs per call), and New runs for every model
// state decoded from a table.
var cpuHasAVX = hasAVX()

func hyperOf(c Config) hyper {
	o := c.Optimizer
	h := hyper{
		lr: o.LearningRate, decay: o.Decay, b1: o.Beta1, b2: o.Beta2, eps: o.Epsilon,
		ftrlBeta: o.FTRLBeta, huber: c.HuberDelta, l1: c.L1, l2: c.L2, gradL2: c.L2,
	}
	if o.Name == OptimizerFTRL {
		h.gradL2 = 0
		h.ftrlInvAlpha = 1 / o.LearningRate
	}
	return h
}

func (m *Model) allocScratch() {
	m.xs = make([]float64, m.nf)
	m.grad = lanes(len(m.params))
	m.eta = lanes(len(m.params))
	m.prob = make([]float64, m.nk)
}

// Config returns the model's config, defaults applied.
func (m *Model) Config() Config { return m.cfg }

// Outputs is the length Predict needs: 1 for binary and regression, the
// number of classes for multiclass.
func (m *Model) Outputs() int { return m.nk }

// Seen is the number of rows learned (summed over the shards for a model made
// by Average).
func (m *Model) Seen() int64 { return m.seen }

// Weights returns a copy of all parameters: the weights (class-major for
// softmax: class k's weights are [k*Features, (k+1)*Features)) then the
// biases. With Standardize they apply to standardised features. With
// StandardizeTarget they are given in the target's units (the learned
// weights times the target's standard deviation, the bias also plus its
// mean), so that weights·x + bias is the prediction, as for any other
// regression.
func (m *Model) Weights() []float64 {
	p := clone(m.params)
	if m.cfg.StandardizeTarget {
		sd := m.targetSD()
		for i := range p {
			p[i] = float64(p[i] * sd)
		}
		p[m.nw] += m.ts.mean[0]
	}
	return p
}

// targetSD is the target's standard deviation, 0 while it has had no
// variance (the standardised targets were then all 0).
func (m *Model) targetSD() float64 {
	if inv := m.ts.inv[0]; inv > 0 {
		return 1 / inv
	}
	return 0
}

// unscale maps the linear learner's output z to the target's units: z
// itself, or with StandardizeTarget mean + z·sd.
func (m *Model) unscale(z float64) float64 {
	if !m.cfg.StandardizeTarget {
		return z
	}
	return m.ts.mean[0] + float64(z*m.targetSD())
}

// Clone returns a deep copy of m.
func (m *Model) Clone() *Model {
	c := *m
	c.params = cloneLanes(m.params)
	c.s1, c.s2 = cloneLanes(m.s1), cloneLanes(m.s2)
	c.sc = m.sc.clone()
	c.ts = m.ts.clone()
	c.allocScratch()
	return &c
}

// lanes returns a zeroed slice of length n whose capacity is a multiple of
// four: the SIMD kernels run over the whole capacity, so that 19 parameters
// take five 4-lane steps instead of four, one 2-lane and one 1-lane step.
// The padding lanes hold zero gradients and zero moments, so they stay
// inert; nothing outside the kernels reads them.
func lanes(n int) []float64 { return make([]float64, n, (n+3)&^3) }

// cloneLanes copies s, padding included.
func cloneLanes(s []float64) []float64 {
	c := lanes(len(s))
	copy(c[:cap(c)], s[:cap(s)])
	return c
}

// checkX reports whether x has the model's shape and only finite values.
func (m *Model) checkX(x []float64) error {
	if err := m.checkLen(x); err != nil {
		return err
	}
	return checkFinite(x)
}

func (m *Model) checkLen(x []float64) error {
	if len(x) != m.nf {
		return fmt.Errorf("%w: got %d features, want %d", ErrShape, len(x), m.nf)
	}
	return nil
}

func checkFinite(x []float64) error {
	for i, v := range x {
		if !finite(v) {
			return fmt.Errorf("%w: feature %d is %v", ErrValue, i, v)
		}
	}
	return nil
}

// target maps a label to the value the gradient uses: 0/1 for binary, the
// class index for multiclass, the value itself for regression.
func (m *Model) target(y float64) (float64, error) {
	task := TaskRegression
	switch m.k.learner {
	case learnerSoftmax:
		task = TaskMulticlass
	case learnerLogistic:
		task = TaskBinary
	}
	if err := checkLabel(task, m.nk, y); err != nil {
		return 0, err
	}
	if task == TaskBinary && y < 0 {
		return 0, nil // -1, the negative class of -1/+1 labels
	}
	return y, nil
}

// CheckLabel reports why Learn would refuse the label y for a model of
// config c (an error wrapping ErrLabel), or nil: a label that is not
// finite; for a binary task one that is not 0 or 1 (-1 is taken as 0, as
// in -1/+1 labels); for a multiclass task one that is not a class index
// 0..Classes-1. Learn refuses exactly these labels.
func (c Config) CheckLabel(y float64) error {
	return checkLabel(c.Task, c.Classes, y)
}

func checkLabel(task Task, classes int, y float64) error {
	if !finite(y) {
		return fmt.Errorf("%w: label is %v", ErrLabel, y)
	}
	switch task {
	case TaskMulticlass:
		if !(y >= 0 && y < float64(classes)) || y != float64(int(y)) {
			return fmt.Errorf("%w: label %v is not a class in 0..%d", ErrLabel, y, classes-1)
		}
	case TaskBinary:
		if y != 0 && y != 1 && y != -1 {
			return fmt.Errorf("%w: label %v is not a binary class (0 or 1; -1 is read as 0)", ErrLabel, y)
		}
	}
	return nil
}

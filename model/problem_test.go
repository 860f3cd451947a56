package model

import (
	"math"
	"math/rand/v2"
)

// problem generates a stream of examples from a known model, so that
// learning can be checked against the truth: regression targets are the true
// linear function plus small noise; binary and multiclass labels are drawn
// from the true logistic or softmax model, whose Bayes classifier (the
// argmax of the true logits) sets the accuracy to reach.
type problem struct {
	cfg    Config
	w      [][]float64 // true weights per output
	b      []float64   // true biases per output
	mu, sd []float64   // feature means and standard deviations
	noise  float64     // regression noise standard deviation
	rng    *rand.Rand
}

func newProblem(cfg Config, seed uint64) *problem {
	p := &problem{cfg: cfg, noise: 0.05, rng: rand.New(rand.NewPCG(seed, 0x5eed))}
	f, k := cfg.Features, 1
	if cfg.Task == TaskMulticlass {
		k = cfg.Classes
	}
	truth := rand.New(rand.NewPCG(42, 7)) // the same truth for every seed
	for range k {
		w := make([]float64, f)
		for i := range w {
			w[i] = math.Round(4*truth.NormFloat64()) / 2
		}
		p.w = append(p.w, w)
		p.b = append(p.b, math.Round(2*truth.NormFloat64())/4)
	}
	for range f {
		p.mu = append(p.mu, math.Round(4*truth.Float64()-2)/2)
		p.sd = append(p.sd, 0.5+truth.Float64())
	}
	return p
}

// logits writes the true logits of x into z.
func (p *problem) logits(x, z []float64) {
	for k, w := range p.w {
		z[k] = p.b[k]
		for i, v := range x {
			z[k] += w[i] * v
		}
	}
}

// next fills x and returns its label.
func (p *problem) next(x []float64) float64 {
	for i := range x {
		x[i] = p.mu[i] + p.sd[i]*p.rng.NormFloat64()
	}
	z := make([]float64, len(p.w))
	p.logits(x, z)
	switch p.cfg.Task {
	case TaskBinary:
		if p.rng.Float64() < 1/(1+math.Exp(-2*z[0])) {
			return 1
		}
		return 0
	case TaskMulticlass:
		return float64(sampleSoftmax(z, 2, p.rng.Float64()))
	}
	return z[0] + p.noise*p.rng.NormFloat64()
}

// sampleSoftmax draws a class from softmax(scale·z) with the uniform u.
func sampleSoftmax(z []float64, scale, u float64) int {
	var sum float64
	e := make([]float64, len(z))
	for k, v := range z {
		e[k] = math.Exp(scale * v)
		sum += e[k]
	}
	for k := range e {
		u -= e[k] / sum
		if u < 0 {
			return k
		}
	}
	return len(z) - 1
}

// bayes is the true model's prediction: the class of the largest true
// logit (0/1 for binary).
func (p *problem) bayes(x []float64) float64 {
	z := make([]float64, len(p.w))
	p.logits(x, z)
	if p.cfg.Task == TaskBinary {
		if z[0] > 0 {
			return 1
		}
		return 0
	}
	return float64(argmax(z))
}

func argmax(z []float64) int {
	best := 0
	for k, v := range z {
		if v > z[best] {
			best = k
		}
	}
	return best
}

// rows draws n examples.
func (p *problem) rows(n int) ([][]float64, []float64) {
	xs, ys := make([][]float64, n), make([]float64, n)
	for i := range xs {
		xs[i] = make([]float64, p.cfg.Features)
		ys[i] = p.next(xs[i])
	}
	return xs, ys
}

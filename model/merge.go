package model

import (
	"errors"
	"fmt"
)

// Average sets dst to the weighted average of models, the shards of one
// model (same Config as dst): parameters, optimizer state and Adam's bias
// powers are averaged with weights (nil means equal weights); the scaler
// statistics are averaged with the weights of the models that have seen rows
// (as a mixture: mean = Σωμ, variance = Σω(σ² + (μ − mean)²)), which with
// weights proportional to rows seen is exactly the statistics of all their
// rows, and so are the target's with StandardizeTarget; counts and Seen are summed. dst may be one of models. With ftrl the
// averaged weights are kept and z is set to give them.
func Average(dst *Model, models []*Model, weights []float64) error {
	if err := checkAverage(dst, models, weights); err != nil {
		return err
	}
	ws := normalised(models, weights)
	a := &Model{}
	*a = *dst
	a.params = lanes(len(dst.params))
	a.s1, a.s2 = lanes(len(dst.s1)), lanes(len(dst.s2))
	a.b1t, a.b2t, a.seen = 0, 0, 0
	for j, src := range models {
		w := ws[j]
		axpy(a.params, w, src.params)
		axpy(a.s1, w, src.s1)
		axpy(a.s2, w, src.s2)
		a.b1t += float64(w * src.b1t)
		a.b2t += float64(w * src.b2t)
		a.seen += src.seen
	}
	if dst.cfg.Standardize {
		a.sc = averageScalers(models, ws, featureScaler)
	}
	if dst.cfg.StandardizeTarget {
		a.ts = averageScalers(models, ws, targetScaler)
	}
	a.syncFTRL()
	a.refresh()
	*dst = *a
	return nil
}

func checkAverage(dst *Model, models []*Model, weights []float64) error {
	if dst == nil || len(models) == 0 {
		return errors.New("model: average needs a destination and at least one model")
	}
	if weights != nil && len(weights) != len(models) {
		return fmt.Errorf("%w: %d weights for %d models", ErrShape, len(weights), len(models))
	}
	for j, src := range models {
		if src == nil {
			return fmt.Errorf("model: average: model %d is nil", j)
		}
		if err := dst.compatible(src); err != nil {
			return fmt.Errorf("model: average: model %d: %w", j, err)
		}
	}
	var total float64
	for j, w := range weights {
		if !(w >= 0) || !finite(w) {
			return fmt.Errorf("model: average: weight %d must be finite and >= 0, got %v", j, w)
		}
		total += w
	}
	if weights != nil && !(total > 0 && finite(total)) {
		return fmt.Errorf("model: average: weights must have a finite positive sum, got %v", total)
	}
	return nil
}

// normalised returns the weights divided by their sum.
func normalised(models []*Model, weights []float64) []float64 {
	ws := make([]float64, len(models))
	var total float64
	for j := range ws {
		ws[j] = 1
		if weights != nil {
			ws[j] = weights[j]
		}
		total += ws[j]
	}
	for j := range ws {
		ws[j] /= total
	}
	return ws
}

// averageScalers mixes the scalers picked by of (the features' or the
// target's) of the models that have seen rows with their weights, or with
// their counts if those weights are all zero.
func averageScalers(models []*Model, ws []float64, of func(*Model) *scaler) scaler {
	s := newScaler(len(of(models[0]).mean))
	omega := make([]float64, len(models))
	var total, count float64
	for j, src := range models {
		if sc := of(src); sc.n > 0 {
			omega[j] = ws[j]
			total += ws[j]
			count += float64(sc.n)
			s.n += sc.n
		}
	}
	if total == 0 {
		copy(omega, countWeights(models, of))
		total = 1
	}
	for j, src := range models {
		axpy(s.mean, omega[j]/total, of(src).mean)
	}
	for j, src := range models {
		sc := of(src)
		if sc.n == 0 || omega[j] == 0 {
			continue
		}
		w, invN := omega[j]/total, 1/float64(sc.n)
		for i, m2 := range sc.m2 {
			d := sc.mean[i] - s.mean[i]
			s.m2[i] += float64(w * (float64(m2*invN) + float64(d*d)))
		}
	}
	for i := range s.m2 {
		s.m2[i] = float64(s.m2[i] * count)
	}
	return s
}

func featureScaler(m *Model) *scaler { return &m.sc }
func targetScaler(m *Model) *scaler  { return &m.ts }

// countWeights are the scalers' counts over their sum.
func countWeights(models []*Model, of func(*Model) *scaler) []float64 {
	ws := make([]float64, len(models))
	var total float64
	for j, src := range models {
		ws[j] = float64(of(src).n)
		total += ws[j]
	}
	for j := range ws {
		ws[j] /= total
	}
	return ws
}

// Mix blends other's parameters into m: params = (1−alpha)·params +
// alpha·other.params, alpha in [0, 1]. Optimizer state, scaler and Seen stay
// m's own (with ftrl, z is set to give the blended weights). other must have
// the same Config. Mix does not allocate.
func (m *Model) Mix(other *Model, alpha float64) error {
	if other == nil {
		return errors.New("model: mix: other model is nil")
	}
	if err := m.compatible(other); err != nil {
		return fmt.Errorf("model: mix: %w", err)
	}
	if !(alpha >= 0 && alpha <= 1) {
		return fmt.Errorf("model: mix: alpha must be in [0, 1], got %v", alpha)
	}
	if alpha == 0 {
		return nil
	}
	for i, o := range other.params {
		m.params[i] = float64((1-alpha)*m.params[i]) + float64(alpha*o)
	}
	m.syncFTRL()
	return nil
}

// refresh recomputes the state derived from the encoded state.
func (m *Model) refresh() {
	m.sc.refresh()
	m.ts.refresh()
	if m.k.opt == optAdam {
		m.prepareAdam()
	}
}

// compatible reports whether o has the same structure and hyper-parameters.
func (m *Model) compatible(o *Model) error {
	if m.k != o.k || m.nf != o.nf || m.nk != o.nk || m.cfg.Standardize != o.cfg.Standardize ||
		m.cfg.StandardizeTarget != o.cfg.StandardizeTarget || m.fp != o.fp {
		return fmt.Errorf("%w: %+v and %+v", ErrMismatch, m.cfg, o.cfg)
	}
	return nil
}

// axpy is y += a·x.
func axpy(y []float64, a float64, x []float64) {
	x = x[:len(y)]
	for i, v := range x {
		y[i] += float64(a * v)
	}
}

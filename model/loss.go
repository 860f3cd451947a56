package model

import "math"

// Probabilities are clipped to [1e-15, 1−1e-15] in the reported log
// losses, so that one confident mistake costs at most −log(1e-15) ≈ 34.5.
// The clipped log-loss range is then −log(1−1e-15) to −log(1e-15).
const (
	minLogLoss = 1.0000000000000007e-15
	maxLogLoss = 34.538776394910684
)

// Loss is the loss of one example at the current parameters, without the
// regularisation terms: log loss for logistic, cross-entropy for softmax
// (both with probabilities clipped to [1e-15, 1−1e-15]), ½(ŷ−y)² or Huber for
// linear, in the target's units (with StandardizeTarget, of the
// de-standardised prediction, Huber's δ taken as δ standard deviations of
// the target, as Learn applies it). With Standardize, x is standardised with the
// current statistics, which Loss does not update.
func (m *Model) Loss(x []float64, y float64) (float64, error) {
	if err := m.checkX(x); err != nil {
		return 0, err
	}
	t, err := m.target(y)
	if err != nil {
		return 0, err
	}
	if m.k.learner == learnerSoftmax {
		return m.softmaxLoss(func(k int) float64 { return m.logitX(k, x) }, int(t)), nil
	}
	if m.cfg.StandardizeTarget {
		r := math.Abs(m.unscale(m.logitX(0, x)) - t)
		if d := float64(m.hp.huber * m.targetSD()); m.k.loss == lossHuber && r > d {
			return d * (r - 0.5*d), nil
		}
		return 0.5 * r * r, nil
	}
	return m.pointLoss(m.logitX(0, x), t), nil
}

// pointLoss is the loss of a single-output learner at logit z, target y.
func (m *Model) pointLoss(z, y float64) float64 {
	switch m.k.loss {
	case lossLog:
		if y == 1 {
			z = -z
		}
		return clipLogLoss(softplus(z)) // −log σ(±z)
	case lossHuber:
		r, d := math.Abs(z-y), m.hp.huber
		if r <= d {
			return 0.5 * r * r
		}
		return d * (r - 0.5*d)
	}
	r := z - y
	return 0.5 * r * r
}

// softmaxLoss is −log softmax(z)[c] = logsumexp(z) − z[c], computed in two
// passes over the logits so that it needs no buffer.
func (m *Model) softmaxLoss(logit func(k int) float64, c int) float64 {
	mx := math.Inf(-1)
	for k := range m.nk {
		mx = math.Max(mx, logit(k))
	}
	var sum float64
	for k := range m.nk {
		sum += exp(logit(k) - mx)
	}
	return clipLogLoss(mx + math.Log(sum) - logit(c))
}

func clipLogLoss(l float64) float64 { return min(max(l, minLogLoss), maxLogLoss) }

package model

import "math"

// step applies one optimizer update with gradient g (laid out like params).
// L1 (proximal for sgd/adagrad/adam, native for ftrl) and ftrl's native L2
// apply to the weights only, never to the biases.
func (m *Model) step(g []float64) {
	nw, p, h := m.nw, m.params, &m.hp
	switch m.k.opt {
	case optSGD:
		lr := m.sgdRate()
		sgdStep(p[:nw], g[:nw], lr, float64(lr*h.l1))
		sgdStep(p[nw:], g[nw:], lr, 0)
	case optAdaGrad:
		adagradStep(p[:cap(p)], m.s1[:cap(m.s1)], g[:cap(g)], m.eta[:cap(m.eta)], h.lr, h.eps, m.avx)
		if h.l1 != 0 {
			proxL1(p[:nw], m.eta[:nw], h.l1)
		}
	case optAdam:
		adamStep(p[:cap(p)], m.s1[:cap(m.s1)], m.s2[:cap(m.s2)], g[:cap(g)], m.eta[:cap(m.eta)], &m.adam, m.avx)
		if h.l1 != 0 {
			// η·(1−β1ᵗ) = lr/(√v̂ + ε) is the step that multiplies m̂.
			proxL1(p[:nw], m.eta[:nw], float64(h.l1*(1-m.adam.b1t)))
		}
		m.b1t, m.b2t = m.adam.b1t, m.adam.b2t
		m.prepareAdam()
	case optFTRL:
		ftrlStep(p[:nw], m.s1[:nw], m.s2[:nw], g[:nw], &m.ftrlW, m.avx)
		ftrlStep(p[nw:], m.s1[nw:], m.s2[nw:], g[nw:], &m.ftrlB, m.avx)
	}
}

// sgdRate is the scheduled learning rate for the step after m.seen rows.
func (m *Model) sgdRate() float64 {
	t := float64(m.seen)
	switch m.k.sched {
	case schedInverseSqrt:
		return m.hp.lr / math.Sqrt(1+float64(m.hp.decay*t))
	case schedInverse:
		return m.hp.lr / (1 + float64(m.hp.decay*t))
	}
	return m.hp.lr
}

// shrink is the L1 proximal operator (soft threshold) with threshold t ≥ 0.
func shrink(w, t float64) float64 {
	switch {
	case w > t:
		return w - t
	case w < -t:
		return w + t
	}
	return 0
}

// sgdStep: w ← prox(w − lr·g, thr).
func sgdStep(w, g []float64, lr, thr float64) {
	g = g[:len(w)]
	if thr == 0 {
		for i, gi := range g {
			w[i] -= float64(lr * gi)
		}
		return
	}
	for i, gi := range g {
		w[i] = shrink(w[i]-float64(lr*gi), thr)
	}
}

// proxL1 is the L1 proximal step w ← shrink(w, η·l1) with per-parameter
// step sizes η (l1 may be pre-scaled).
func proxL1(w, eta []float64, l1 float64) {
	eta = eta[:len(w)]
	for i, e := range eta {
		w[i] = shrink(w[i], float64(e*l1))
	}
}

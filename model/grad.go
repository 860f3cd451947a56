package model

// logit is class k's linear score on already standardised features xs.
func (m *Model) logit(k int, xs []float64) float64 {
	return dot(m.params[k*m.nf:], xs) + m.params[m.nw+k]
}

// logitX is class k's linear score on raw features x, standardised on the fly
// with the current scaler; it gives the same bits as logit on scaled x.
func (m *Model) logitX(k int, x []float64) float64 {
	if !m.cfg.Standardize {
		return m.logit(k, x)
	}
	return dotScaled(m.params[k*m.nf:], x, m.sc.mean, m.sc.inv) + m.params[m.nw+k]
}

// logits writes the class logits of a softmax model into z[:Outputs()]:
// on features x as they are, or, with scaled, on raw x standardised on the
// fly (as logitX, without Standardize as logit). With AVX, four classes at
// a time (dots4, dots4Scaled): the same bits as logit or logitX class by
// class, in about a quarter of the time on wide rows, where each class's
// dot product waits for its adds.
func (m *Model) logits(x, z []float64, scaled bool) {
	z = z[:m.nk]
	scaled = scaled && m.cfg.Standardize
	if !m.avx || len(x) < 4 {
		for k := range z {
			if scaled {
				z[k] = m.logitX(k, x)
			} else {
				z[k] = m.logit(k, x)
			}
		}
		return
	}
	var mean, inv []float64
	if scaled {
		mean, inv = m.sc.mean[:len(x)], m.sc.inv[:len(x)]
	}
	n := len(x) &^ 3
	var lanes [16]float64
	for k0 := 0; k0 < len(z); k0 += 4 {
		var ws [4][]float64 // past the last class, the last one again
		for j := range ws {
			k := min(k0+j, len(z)-1)
			ws[j] = m.params[k*m.nf : k*m.nf+len(x)]
		}
		if scaled {
			dots4Scaled(ws[0], ws[1], ws[2], ws[3], x, mean, inv, &lanes)
		} else {
			dots4(ws[0], ws[1], ws[2], ws[3], x, &lanes)
		}
		for j := 0; j < 4 && k0+j < len(z); j++ {
			s0, s1, s2, s3 := lanes[4*j], lanes[4*j+1], lanes[4*j+2], lanes[4*j+3]
			w := ws[j]
			for i := n; i < len(x); i++ { // dot's tail, into its first sum
				if scaled {
					s0 += float64(w[i] * scale(x[i], mean[i], inv[i]))
				} else {
					s0 += float64(w[i] * x[i])
				}
			}
			z[k0+j] = (s0 + s1) + (s2 + s3) + m.params[m.nw+k0+j]
		}
	}
}

// gradient writes into g (laid out like params) the gradient of the smooth
// objective — the data loss of (xs, y) plus ½·L2·‖w‖² unless the optimizer
// applies L2 natively (ftrl) — with respect to every parameter. xs is
// standardised already; y is the target from Model.target. This is the
// gradient every optimizer step uses. It reports whether the logits were
// finite: a NaN or infinite feature makes every logit NaN or infinite, so
// that Learn needs no separate pass over the features to find one.
func (m *Model) gradient(xs []float64, y float64, g []float64) (finiteLogits bool) {
	if m.k.learner != learnerSoftmax {
		z := m.logit(0, xs)
		m.fillGrad(0, xs, m.residual(z, y), g)
		return finite(z)
	}
	p := m.prob
	m.logits(xs, p, false)
	var zero float64 // stays 0 while the logits are finite
	for k := range p {
		zero += p[k] - p[k]
	}
	softmaxInPlace(p)
	c := int(y)
	for k, pk := range p {
		if k == c {
			pk--
		}
		m.fillGrad(k, xs, pk, g)
	}
	return zero == 0
}

// residual is dLoss/dz for a single-output learner at logit z.
func (m *Model) residual(z, y float64) float64 {
	switch m.k.loss {
	case lossLog:
		return sigmoid(z) - y
	case lossHuber:
		return min(max(z-y, -m.hp.huber), m.hp.huber)
	}
	return z - y
}

// fillGrad writes output k's gradient for residual r: r·xs + L2·w for the
// weights, r for the bias.
func (m *Model) fillGrad(k int, xs []float64, r float64, g []float64) {
	base := k * m.nf
	w, gk := m.params[base:base+len(xs)], g[base:base+len(xs)]
	if l2 := m.hp.gradL2; l2 != 0 {
		for i, v := range xs {
			gk[i] = float64(r*v) + float64(l2*w[i])
		}
	} else {
		for i, v := range xs {
			gk[i] = r * v
		}
	}
	g[m.nw+k] = r
}

// objective is the function gradient differentiates (for gradient checks).
func (m *Model) objective(xs []float64, y float64) float64 {
	var loss float64
	if m.k.learner == learnerSoftmax {
		loss = m.softmaxLoss(func(k int) float64 { return m.logit(k, xs) }, int(y))
	} else {
		loss = m.pointLoss(m.logit(0, xs), y)
	}
	var ss float64
	for _, w := range m.params[:m.nw] {
		ss += w * w
	}
	return loss + 0.5*m.hp.gradL2*ss
}

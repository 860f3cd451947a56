package model

import "math"

// ftrlCoef are FTRL-Proximal's constants for one parameter block
// (kernels_amd64.s reads the fields in this order).
type ftrlCoef struct {
	invAlpha, beta, l1, l2 float64
}

func (m *Model) ftrlCoef(l1, l2 float64) ftrlCoef {
	return ftrlCoef{invAlpha: m.hp.ftrlInvAlpha, beta: m.hp.ftrlBeta, l1: l1, l2: l2}
}

// ftrlStep is FTRL-Proximal (McMahan et al. 2013, algorithm 1):
// σ = (√(n+g²) − √n)/α; z ← z + g − σw; n ← n + g²; then w from (z, n).
// Four lanes at a time with avx: the bits are the same.
func ftrlStep(w, z, n, g []float64, c *ftrlCoef, avx bool) {
	z, n, g = z[:len(w)], n[:len(w)], g[:len(w)]
	k := 0
	if avx {
		k = len(w) &^ 3
		ftrlQuads(w, z, n, g, c)
	}
	if k < len(w) {
		ftrlGo(w[k:], z[k:], n[k:], g[k:], c)
	}
}

// ftrlGo is ftrlStep one parameter at a time: the reference for ftrlQuads.
func ftrlGo(w, z, n, g []float64, c *ftrlCoef) {
	z, n, g = z[:len(w)], n[:len(w)], g[:len(w)]
	for i, gi := range g {
		ni := n[i]
		nn := ni + float64(gi*gi)
		sq := math.Sqrt(nn)
		sigma := float64((sq - math.Sqrt(ni)) * c.invAlpha)
		zi := z[i] + gi - float64(sigma*w[i])
		z[i], n[i] = zi, nn
		w[i] = c.weight(zi, sq)
	}
}

// weight is w = −(z − sgn(z)·l1)/((β + √n)/α + l2), or 0 when |z| ≤ l1.
func (c ftrlCoef) weight(z, sqrtN float64) float64 {
	if math.Abs(z) <= c.l1 {
		return 0
	}
	return -(z - math.Copysign(c.l1, z)) / (float64((c.beta+sqrtN)*c.invAlpha) + c.l2)
}

// z is the inverse of weight: a z that gives weight w at accumulator n (used
// when Mix or Average sets ftrl weights directly). For w = 0 it keeps z
// within [−l1, l1].
func (c ftrlCoef) z(w, z, n float64) float64 {
	if w == 0 {
		return min(max(z, -c.l1), c.l1)
	}
	return -float64(w*(float64((c.beta+math.Sqrt(n))*c.invAlpha)+c.l2)) - math.Copysign(c.l1, w)
}

// syncFTRL sets ftrl's z so that the current weights are what z and n give.
func (m *Model) syncFTRL() {
	if m.k.opt != optFTRL {
		return
	}
	cw, cb := m.ftrlW, m.ftrlB
	for i, w := range m.params {
		c := cw
		if i >= m.nw {
			c = cb
		}
		m.s1[i] = c.z(w, m.s1[i], m.s2[i])
	}
}

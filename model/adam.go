package model

import "math"

// adamCoef are the coefficients of the next Adam step t (kernels_amd64.s
// reads the first seven fields in this order): c1 = lr/(1−β1ᵗ) and c2 = 1/√(1−β2ᵗ)
// fold the bias corrections in, so that w ← w − c1·m/(c2·√v + ε) is
// exactly lr·m̂/(√v̂ + ε). They are derived from the stored powers β1ᵗ⁻¹,
// β2ᵗ⁻¹ ahead of the step, so that their divisions and square root run while
// the next example's gradient is computed.
type adamCoef struct {
	b1, b2, ob1, ob2, eps, c1, c2 float64
	b1t, b2t                      float64 // β1ᵗ, β2ᵗ
}

// prepareAdam derives m.adam from m.b1t and m.b2t.
func (m *Model) prepareAdam() {
	h := &m.hp
	b1t, b2t := flushTiny(float64(m.b1t*h.b1)), flushTiny(float64(m.b2t*h.b2))
	c1, c2 := h.lr, 1.0 // exact once 1−β1ᵗ and 1−β2ᵗ round to 1
	if d := 1 - b1t; d != 1 {
		c1 = h.lr / d
	}
	if d := 1 - b2t; d != 1 {
		c2 = 1 / math.Sqrt(d)
	}
	// Field by field: a composite literal is built on the stack and copied
	// with wide moves that defeat store forwarding.
	a := &m.adam
	a.b1, a.b2, a.ob1, a.ob2, a.eps = h.b1, h.b2, 1-h.b1, 1-h.b2, h.eps
	a.c1, a.c2, a.b1t, a.b2t = c1, c2, b1t, b2t
}

// adamStep: m ← β1m + (1−β1)g; v ← β2v + (1−β2)g²; η = c1/(c2√v + ε);
// w ← w − η·m, storing each parameter's η in eta for the L1 step. Four
// lanes at a time with avx, then two, then one: the bits are the same.
func adamStep(w, mo, ve, g, eta []float64, c *adamCoef, avx bool) {
	mo, ve, g, eta = mo[:len(w)], ve[:len(w)], g[:len(w)], eta[:len(w)]
	if avx {
		n := len(w) &^ 3
		adamQuads(w, mo, ve, g, eta, c)
		if n == len(w) {
			return
		}
		w, mo, ve, g, eta = w[n:], mo[n:], ve[n:], g[n:], eta[n:]
	}
	n := len(w) &^ 1
	adamPairs(w, mo, ve, g, eta, c)
	if n < len(w) {
		adamGo(w[n:], mo[n:], ve[n:], g[n:], eta[n:], c)
	}
}

// adamGo is adamStep one parameter at a time: the reference for adamPairs.
func adamGo(w, mo, ve, g, eta []float64, c *adamCoef) {
	mo, ve, g, eta = mo[:len(w)], ve[:len(w)], g[:len(w)], eta[:len(w)]
	b1, b2, ob1, ob2, eps, c1, c2 := c.b1, c.b2, c.ob1, c.ob2, c.eps, c.c1, c.c2
	for i, gi := range g {
		mi := float64(b1*mo[i]) + float64(ob1*gi)
		vi := float64(b2*ve[i]) + float64(ob2*float64(gi*gi))
		mo[i], ve[i] = mi, vi
		e := c1 / (float64(c2*math.Sqrt(vi)) + eps)
		eta[i] = e
		w[i] -= float64(e * mi)
	}
}

// flushTiny returns 0 for b < 2^-64, where 1−b rounds to 1 anyway: the
// powers βᵗ would otherwise decay into subnormal numbers, whose arithmetic
// costs a microcode assist on x86, and stay at the smallest one forever.
func flushTiny(b float64) float64 {
	if b < 0x1p-64 {
		return 0
	}
	return b
}

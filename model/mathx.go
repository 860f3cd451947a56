package model

import "math"

// exp is e^x computed the same way on every machine, within 3 ulp of
// math.Exp. math.Exp itself dispatches at run time to an FMA or non-FMA
// assembly path on amd64, which would make weights depend on the CPU that
// learned them; here every product is explicitly rounded so that no compiler
// fuses it into an FMA either.
//
// Method: x = k·ln2 + r with |r| ≤ ln2/2 (Cody-Waite reduction as in
// FreeBSD's e_exp.c, k rounded with the 1.5·2^52 shifter), e^r from its
// degree-13 Taylor polynomial (truncation error < 2^-57) evaluated with
// Estrin's scheme for a short dependency chain, and e^x = e^r·2^k.
func exp(x float64) float64 {
	const (
		ln2Hi     = 6.93147180369123816490e-01
		ln2Lo     = 1.90821492927058770002e-10
		log2e     = 1.44269504088896338700e+00
		shifter   = 0x1.8p52
		overflow  = 7.09782712893383973096e+02
		underflow = -7.45133219101941108420e+02
	)
	switch {
	case x != x:
		return x
	case x > overflow:
		return math.Inf(1)
	case x < underflow:
		return 0
	}
	t := float64(log2e*x) + shifter
	kf := t - shifter
	k := int(int32(math.Float64bits(t)))
	hi := x - float64(kf*ln2Hi)
	lo := float64(kf * ln2Lo)
	y := expPoly(hi - lo)
	if k >= -1021 && k <= 1023 {
		// y·2^k with 2^k normal: y is in [0.7, 1.5], so the product is
		// normal and exact.
		return y * math.Float64frombits(uint64(k+1023)<<52)
	}
	return math.Ldexp(y, k)
}

// expPoly is Σ r^i/i! for i ≤ 13 by Estrin's scheme.
func expPoly(r float64) float64 {
	const (
		c2  = 1.0 / 2
		c3  = 1.0 / 6
		c4  = 1.0 / 24
		c5  = 1.0 / 120
		c6  = 1.0 / 720
		c7  = 1.0 / 5040
		c8  = 1.0 / 40320
		c9  = 1.0 / 362880
		c10 = 1.0 / 3628800
		c11 = 1.0 / 39916800
		c12 = 1.0 / 479001600
		c13 = 1.0 / 6227020800
	)
	r2 := float64(r * r)
	r4 := float64(r2 * r2)
	r8 := float64(r4 * r4)
	b0 := (1 + r) + float64(r2*(c2+float64(c3*r)))
	b1 := (c4 + float64(c5*r)) + float64(r2*(c6+float64(c7*r)))
	b2 := (c8 + float64(c9*r)) + float64(r2*(c10+float64(c11*r)))
	b3 := c12 + float64(c13*r)
	return (b0 + float64(r4*b1)) + float64(r8*(b2+float64(r4*b3)))
}

// sigmoid is 1/(1+e^-z) without overflow for any z and without a branch on
// the sign of z: with e = e^-|z|, it is 1/(1+e) for z ≥ 0 and e/(1+e) below.
func sigmoid(z float64) float64 {
	e := exp(-math.Abs(z))
	neg := uint64(int64(math.Float64bits(z)) >> 63) // all ones when z < 0
	num := math.Float64frombits(math.Float64bits(e)&neg | math.Float64bits(1)&^neg)
	return num / (1 + e)
}

// softplus is log(1+e^a) without overflow for any a.
func softplus(a float64) float64 {
	return math.Max(a, 0) + math.Log1p(exp(-math.Abs(a)))
}

// dot is Σ w[i]·x[i] over len(x) elements, in four lanes to break the
// addition latency chain. dotScaled must sum in the same order.
func dot(w, x []float64) float64 {
	w = w[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(w[i] * x[i])
		s1 += float64(w[i+1] * x[i+1])
		s2 += float64(w[i+2] * x[i+2])
		s3 += float64(w[i+3] * x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(w[i] * x[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// dotScaled is dot(w, xs) where xs[i] = scale(x[i], mean[i], inv[i]), without
// materialising xs; it gives the same bits as scaling then dot.
func dotScaled(w, x, mean, inv []float64) float64 {
	w, mean, inv = w[:len(x)], mean[:len(x)], inv[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(w[i] * scale(x[i], mean[i], inv[i]))
		s1 += float64(w[i+1] * scale(x[i+1], mean[i+1], inv[i+1]))
		s2 += float64(w[i+2] * scale(x[i+2], mean[i+2], inv[i+2]))
		s3 += float64(w[i+3] * scale(x[i+3], mean[i+3], inv[i+3]))
	}
	for ; i < len(x); i++ {
		s0 += float64(w[i] * scale(x[i], mean[i], inv[i]))
	}
	return (s0 + s1) + (s2 + s3)
}

// scale standardises one feature value.
func scale(x, mean, inv float64) float64 { return float64((x - mean) * inv) }

// softmaxInPlace replaces the logits z with probabilities, subtracting the
// maximum first so that no exponential overflows.
func softmaxInPlace(z []float64) {
	mx := z[0]
	for _, v := range z[1:] {
		mx = math.Max(mx, v)
	}
	var sum float64
	for i, v := range z {
		e := exp(v - mx)
		z[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range z {
		z[i] *= inv
	}
}

// finite reports whether v is neither NaN nor ±Inf.
func finite(v float64) bool { return v-v == 0 }

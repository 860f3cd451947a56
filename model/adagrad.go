package model

import "math"

// adagradStep: G ← G + g²; η = lr/(√G + ε); w ← w − η·g, storing each
// parameter's η in eta for the L1 step. Four lanes at a time with avx: the
// bits are the same.
func adagradStep(w, acc, g, eta []float64, lr, eps float64, avx bool) {
	acc, g, eta = acc[:len(w)], g[:len(w)], eta[:len(w)]
	n := 0
	if avx {
		n = len(w) &^ 3
		adagradQuads(w, acc, g, eta, lr, eps)
	}
	if n < len(w) {
		adagradGo(w[n:], acc[n:], g[n:], eta[n:], lr, eps)
	}
}

// adagradGo is adagradStep one parameter at a time: the reference for
// adagradQuads.
func adagradGo(w, acc, g, eta []float64, lr, eps float64) {
	acc, g, eta = acc[:len(w)], g[:len(w)], eta[:len(w)]
	for i, gi := range g {
		a := acc[i] + float64(gi*gi)
		acc[i] = a
		e := lr / (math.Sqrt(a) + eps)
		eta[i] = e
		w[i] -= float64(e * gi)
	}
}

//go:build !purego

package model

// The amd64 assembly kernels of kernels_amd64.s: the hot loops of Adam,
// AdaGrad, FTRL and the scaler, two lanes at a time with SSE2 (the amd64 baseline)
// or four with AVX. Every lane does the Go reference's IEEE operations in the
// Go reference's order (no FMA), so the results are bit-for-bit those of
// adamGo, adagradGo, ftrlGo and welfordGo on any CPU; kernels_test.go checks it.

// adamPairs is adamGo over w[:len(w)&^1] with SSE2.
//
//go:noescape
func adamPairs(w, m, v, g, eta []float64, c *adamCoef)

// adamQuads is adamGo over w[:len(w)&^3] with AVX.
//
//go:noescape
func adamQuads(w, m, v, g, eta []float64, c *adamCoef)

// adagradQuads is adagradGo over w[:len(w)&^3] with AVX.
//
//go:noescape
func adagradQuads(w, acc, g, eta []float64, lr, eps float64)

// ftrlQuads is ftrlGo over w[:len(w)&^3] with AVX.
//
//go:noescape
func ftrlQuads(w, z, n, g []float64, c *ftrlCoef)

// welfordQuads is welfordGo over x[:len(x)&^3] with AVX.
//
//go:noescape
func welfordQuads(x, mean, m2, inv, xs []float64, invN float64)

// goKernels is false: the Quads kernels are assembly, and run only where
// hasAVX.
const goKernels = false

// hasAVX reports whether the CPU has AVX and the OS saves its registers: the
// Quads kernels may run.
func hasAVX() bool

// dots4 is the four lanes of dot(wk, x[:len(x)&^3]) of four classes, with
// AVX (see logits).
//
//go:noescape
func dots4(w0, w1, w2, w3, x []float64, lanes *[16]float64)

// dots4Scaled is the four lanes of dotScaled(wk, x[:len(x)&^3], mean, inv)
// of four classes, with AVX (see logits).
//
//go:noescape
func dots4Scaled(w0, w1, w2, w3, x, mean, inv []float64, lanes *[16]float64)

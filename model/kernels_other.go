//go:build !amd64 || purego

package model

// Pure-Go stand-ins for the amd64 assembly kernels (kernels_amd64.go).

func adamPairs(w, m, v, g, eta []float64, c *adamCoef) {
	n := len(w) &^ 1
	adamGo(w[:n], m[:n], v[:n], g[:n], eta[:n], c)
}

func adamQuads(w, m, v, g, eta []float64, c *adamCoef) {
	n := len(w) &^ 3
	adamGo(w[:n], m[:n], v[:n], g[:n], eta[:n], c)
}

func adagradQuads(w, acc, g, eta []float64, lr, eps float64) {
	n := len(w) &^ 3
	adagradGo(w[:n], acc[:n], g[:n], eta[:n], lr, eps)
}

func ftrlQuads(w, z, n, g []float64, c *ftrlCoef) {
	k := len(w) &^ 3
	ftrlGo(w[:k], z[:k], n[:k], g[:k], c)
}

func welfordQuads(x, mean, m2, inv, xs []float64, invN float64) {
	n := len(x) &^ 3
	welfordGo(x[:n], mean[:n], m2[:n], inv[:n], xs[:n], invN)
}

func hasAVX() bool { return false }

// goKernels is true: the Quads kernels are the Go stand-ins below, which
// tests may run with avx set to check them against the references.
const goKernels = true

func dots4(w0, w1, w2, w3, x []float64, lanes *[16]float64) {
	dots4Scaled(w0, w1, w2, w3, x, nil, nil, lanes)
}

// dots4Scaled without mean and inv is dots4.
func dots4Scaled(w0, w1, w2, w3, x, mean, inv []float64, lanes *[16]float64) {
	*lanes = [16]float64{}
	for k, w := range [4][]float64{w0, w1, w2, w3} {
		for i := range len(x) &^ 3 {
			v := x[i]
			if mean != nil {
				v = scale(v, mean[i], inv[i])
			}
			lanes[4*k+i%4] += float64(w[i] * v)
		}
	}
}

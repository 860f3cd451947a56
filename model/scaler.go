package model

import "math"

// scaler standardises features online with Welford's running mean and
// variance: x' = (x − mean)/sd with the population variance M2/n. A feature
// whose variance is still zero scales to 0 (River's StandardScaler does the
// same).
type scaler struct {
	n    int64     // rows folded in
	mean []float64 // running means
	m2   []float64 // running sums of squared deviations
	inv  []float64 // 1/sd, derived from m2 and n; not encoded
}

func newScaler(features int) scaler {
	return scaler{
		mean: make([]float64, features),
		m2:   make([]float64, features),
		inv:  make([]float64, features),
	}
}

// learn folds x into the statistics and writes the standardised x, with the
// updated statistics, into xs. With avx, four features at a time: the bits
// are the same.
func (s *scaler) learn(x, xs []float64, avx bool) {
	s.n++
	invN := 1 / float64(s.n)
	mean, m2, inv, xs := s.mean[:len(x)], s.m2[:len(x)], s.inv[:len(x)], xs[:len(x)]
	n := 0
	if avx {
		n = len(x) &^ 3
		welfordQuads(x, mean, m2, inv, xs, invN)
	}
	if n < len(x) {
		welfordGo(x[n:], mean[n:], m2[n:], inv[n:], xs[n:], invN)
	}
}

// welfordGo is one Welford step per feature (the reference for
// welfordQuads): d = x − mean; mean += d/n; M2 += d·(x − mean);
// inv = 1/sd; xs = (x − mean)·inv.
func welfordGo(x, mean, m2, inv, xs []float64, invN float64) {
	mean, m2, inv, xs = mean[:len(x)], m2[:len(x)], inv[:len(x)], xs[:len(x)]
	for i, v := range x {
		d := v - mean[i]
		mu := mean[i] + float64(d*invN)
		mean[i] = mu
		m2[i] += float64(d * (v - mu))
		inv[i] = invSD(m2[i], invN)
		xs[i] = scale(v, mu, inv[i])
	}
}

// refresh recomputes inv from n and m2, as learn does.
func (s *scaler) refresh() {
	if s.n == 0 {
		clear(s.inv)
		return
	}
	invN := 1 / float64(s.n)
	for i, m2 := range s.m2 {
		s.inv[i] = invSD(m2, invN)
	}
}

func invSD(m2, invN float64) float64 {
	if v := float64(m2 * invN); v > 0 {
		return 1 / math.Sqrt(v)
	}
	return 0
}

func (s *scaler) clone() scaler {
	return scaler{n: s.n, mean: clone(s.mean), m2: clone(s.m2), inv: clone(s.inv)}
}

func clone(s []float64) []float64 { return append([]float64(nil), s...) }

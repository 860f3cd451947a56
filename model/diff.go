package model

import (
	"bytes"
	"fmt"
	"math"
)

// Identical reports whether a and b hold bit for bit the same state:
// config fingerprint, rows seen, parameters, optimizer state and scaler.
func Identical(a, b *Model) bool {
	ea, erra := a.MarshalBinary()
	eb, errb := b.MarshalBinary()
	return erra == nil && errb == nil && bytes.Equal(ea, eb)
}

// MaxAbsDiff returns the largest absolute difference between the
// parameters (weights and biases, see Weights) of a and b. Parameters with
// equal bits differ by 0 (also NaNs); a NaN or infinite difference gives
// +Inf. Models of different shapes are an error.
func MaxAbsDiff(a, b *Model) (float64, error) {
	if a.nk != b.nk || a.nf != b.nf || len(a.params) != len(b.params) {
		return 0, fmt.Errorf("%w: shapes %dx%d and %dx%d differ", ErrShape, a.nk, a.nf, b.nk, b.nf)
	}
	var m float64
	for i, x := range a.params {
		y := b.params[i]
		if math.Float64bits(x) == math.Float64bits(y) {
			continue
		}
		d := math.Abs(x - y)
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		m = math.Max(m, d)
	}
	return m, nil
}

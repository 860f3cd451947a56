package score

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// gemmRows bounds the rows of one Dgemm call: gonum splits a product into
// 64×64 tiles and runs them on goroutines from four tiles on; scoring
// already runs one block per core, so each call stays under that (three
// row tiles when the classes fit one tile).
const gemmRows = 3 * 64

// kernel writes the outputs of rows standardised rows xs into out: the
// biases, plus the block times the weights (Dgemv for one output, Dgemm
// for classes), then the link functions.
func (s *Scorer) kernel(xs []float64, rows int, out []float64) error {
	if rows == 0 {
		return nil
	}
	if s.loop {
		return s.predictLoop(xs, rows, out)
	}
	out = out[:rows*s.nk]
	if s.nk == 1 {
		b := s.bias[0]
		for i := range out {
			out[i] = b
		}
	} else {
		for i := 0; i < len(out); i += s.nk {
			copy(out[i:i+s.nk], s.bias)
		}
	}
	if s.nk == 1 {
		a := blas64.General{Rows: rows, Cols: s.nf, Stride: s.nf, Data: xs}
		blas64.Gemv(blas.NoTrans, 1, a, blas64.Vector{N: s.nf, Inc: 1, Data: s.w.Data}, 1, blas64.Vector{N: rows, Inc: 1, Data: out})
	} else {
		for r := 0; r < rows; r += gemmRows {
			n := min(gemmRows, rows-r)
			a := blas64.General{Rows: n, Cols: s.nf, Stride: s.nf, Data: xs[r*s.nf : (r+n)*s.nf]}
			c := blas64.General{Rows: n, Cols: s.nk, Stride: s.nk, Data: out[r*s.nk : (r+n)*s.nk]}
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, a, s.w, 1, c)
		}
	}
	if err := s.checkFinite(xs, out); err != nil {
		return err
	}
	return s.m.Link(out)
}

// checkFinite finds a row whose raw output is not finite, then its bad
// feature, as Predict does: a NaN or infinite feature makes every output
// of its row NaN or infinite, so the features are scanned only then.
func (s *Scorer) checkFinite(xs, out []float64) error {
	for i := 0; i < len(out); i += s.nk {
		if z := out[i]; z-z == 0 {
			continue
		}
		row := i / s.nk
		for j, v := range xs[row*s.nf : (row+1)*s.nf] {
			if v-v != 0 {
				return &RowError{Row: row, Feature: j, Value: v}
			}
		}
	}
	return nil
}

// predictLoop is NewLoop's kernel: Predict per row, on raw rows.
func (s *Scorer) predictLoop(x []float64, rows int, out []float64) error {
	for i := range rows {
		if err := s.m.Predict(x[i*s.nf:(i+1)*s.nf], out[i*s.nk:(i+1)*s.nk]); err != nil {
			return s.loopError(i, x[i*s.nf:(i+1)*s.nf], err)
		}
	}
	return nil
}

func (s *Scorer) loopError(row int, x []float64, err error) error {
	for j, v := range x {
		if v-v != 0 {
			return &RowError{Row: row, Feature: j, Value: v}
		}
	}
	return err
}

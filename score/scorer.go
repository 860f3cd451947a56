package score

import (
	"errors"
	"fmt"
	"sync"

	"gonum.org/v1/gonum/blas/blas64"

	"github.com/streamsgd/streamsgd/model"
)

// Errors of the scorer, wrapped with details; test them with errors.Is.
var (
	// ErrShape: rows of the wrong length, or an output slice too short.
	ErrShape = errors.New("score: shape mismatch")
	// ErrValue: a feature that is NaN or infinite (as model.ErrValue).
	ErrValue = errors.New("score: invalid feature value")
)

// RowError is a row that cannot be scored: a feature that is NaN or
// infinite. It wraps ErrValue.
type RowError struct {
	Row     int // index of the row in the block
	Feature int // index of the first bad feature
	Value   float64
}

func (e *RowError) Error() string {
	return fmt.Sprintf("score: row %d: feature %d is %v", e.Row, e.Feature, e.Value)
}

// Unwrap returns ErrValue.
func (e *RowError) Unwrap() error { return ErrValue }

// Scorer scores blocks of rows with one model, as it was when New copied
// it. Safe for concurrent use.
type Scorer struct {
	m         *model.Model   // a clone: Link and, for NewLoop, Predict
	task      model.Task     //
	seen      int64          // rows the model had learned
	nf, nk    int            // features, outputs
	w         blas64.General // nk × nf weights, class-major (row k: class k)
	bias      []float64      // nk biases
	mean, inv []float64      // standardisation; nil without
	loop      bool           // NewLoop: Predict per row
	scratch   sync.Pool      // *Block, for Score and ScoreRows
}

// New returns a scorer of m as it is now (later Learn calls on m do not
// change it).
func New(m *model.Model) *Scorer {
	m = m.Clone()
	nf, nk := m.Config().Features, m.Outputs()
	params := m.Weights()
	s := &Scorer{
		m: m, task: m.Config().Task, seen: m.Seen(), nf: nf, nk: nk,
		w:    blas64.General{Rows: nk, Cols: nf, Stride: nf, Data: params[: nk*nf : nk*nf]},
		bias: params[nk*nf:],
	}
	s.mean, s.inv = m.Standardization()
	return s
}

// NewLoop returns a scorer that calls m.Predict once per row (on a clone
// of m): the plain loop that the block products replace, kept as the
// reference of tests and benchmarks.
func NewLoop(m *model.Model) *Scorer {
	s := New(m)
	s.loop = true
	return s
}

// Features is the number of features a row has.
func (s *Scorer) Features() int { return s.nf }

// Outputs is the number of outputs per row: 1, or the classes of a
// multiclass model.
func (s *Scorer) Outputs() int { return s.nk }

// Task is the model's task.
func (s *Scorer) Task() model.Task { return s.task }

// Seen is the number of rows the model had learned when New copied it.
func (s *Scorer) Seen() int64 { return s.seen }

// Score scores the rows of x, row-major (len(x)/Features() rows), into
// out[:rows*Outputs()], row-major. x is not modified.
func (s *Scorer) Score(x, out []float64) error {
	if len(x)%s.nf != 0 {
		return fmt.Errorf("%w: %d values are not whole rows of %d features", ErrShape, len(x), s.nf)
	}
	rows := len(x) / s.nf
	if err := s.checkOut(rows, out); err != nil {
		return err
	}
	if s.mean == nil && !s.loop {
		return s.kernel(x, rows, out)
	}
	b := s.block()
	defer s.scratch.Put(b)
	for i := range rows {
		b.add(x[i*s.nf : (i+1)*s.nf])
	}
	return b.scoreInto(out)
}

// ScoreRows scores rows (each of Features() values) into
// out[:len(rows)*Outputs()], row-major.
func (s *Scorer) ScoreRows(rows [][]float64, out []float64) error {
	if err := s.checkOut(len(rows), out); err != nil {
		return err
	}
	b := s.block()
	defer s.scratch.Put(b)
	for _, x := range rows {
		if err := b.Add(x); err != nil {
			return err
		}
	}
	return b.scoreInto(out)
}

func (s *Scorer) checkOut(rows int, out []float64) error {
	if len(out) < rows*s.nk {
		return fmt.Errorf("%w: output has length %d, want at least %d", ErrShape, len(out), rows*s.nk)
	}
	return nil
}

// block returns an empty pooled block.
func (s *Scorer) block() *Block {
	if b, ok := s.scratch.Get().(*Block); ok {
		b.Reset()
		return b
	}
	return s.NewBlock(0)
}

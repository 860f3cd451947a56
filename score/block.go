package score

import "fmt"

// Block gathers rows to score them together: Add copies each row in,
// standardised; Score scores them all with one product. A Block belongs
// to one goroutine; reuse it with Reset.
type Block struct {
	s   *Scorer
	x   []float64 // rows × features, standardised (raw for a loop scorer)
	out []float64
}

// NewBlock returns an empty block with room for rows rows (it grows past
// that as needed).
func (s *Scorer) NewBlock(rows int) *Block {
	return &Block{s: s, x: make([]float64, 0, rows*s.nf), out: make([]float64, 0, rows*s.nk)}
}

// Len is the number of rows added since the last Reset.
func (b *Block) Len() int { return len(b.x) / b.s.nf }

// Reset empties the block, keeping its memory.
func (b *Block) Reset() { b.x = b.x[:0] }

// Add copies row x into the block, standardised with the model's
// statistics.
func (b *Block) Add(x []float64) error {
	if len(x) != b.s.nf {
		return fmt.Errorf("%w: got %d features, want %d", ErrShape, len(x), b.s.nf)
	}
	b.add(x)
	return nil
}

// add appends x standardised: (x − mean)·inv, rounded as the model rounds
// it, so that the products see the very features Predict sees.
func (b *Block) add(x []float64) {
	s := b.s
	n := len(b.x)
	b.x = append(b.x, x...)
	if s.mean == nil || s.loop {
		return
	}
	xs, mean, inv := b.x[n:n+len(x)], s.mean[:len(x)], s.inv[:len(x)]
	for i, v := range x {
		xs[i] = float64((v - mean[i]) * inv[i])
	}
}

// Score scores the block's rows and returns their outputs, row-major
// (Outputs() per row), valid until the next Add, Reset or Score. A
// *RowError names a row with a NaN or infinite feature.
func (b *Block) Score() ([]float64, error) {
	n := b.Len() * b.s.nk
	if cap(b.out) < n {
		b.out = make([]float64, n)
	}
	b.out = b.out[:n]
	return b.out, b.s.kernel(b.x, b.Len(), b.out)
}

// ScoreInto is Score writing the outputs into out[:Len()*Outputs()]
// instead of the block's own memory.
func (b *Block) ScoreInto(out []float64) error {
	if len(out) < b.Len()*b.s.nk {
		return fmt.Errorf("%w: output has length %d, want at least %d", ErrShape, len(out), b.Len()*b.s.nk)
	}
	return b.scoreInto(out)
}

// scoreInto scores the block into out.
func (b *Block) scoreInto(out []float64) error {
	return b.s.kernel(b.x, b.Len(), out[:b.Len()*b.s.nk])
}

// Rebind empties the block and makes it score with s from now on, keeping
// its memory: one block serves many models in turn (the keys of a
// per-entity model).
func (b *Block) Rebind(s *Scorer) {
	b.s = s
	b.Reset()
}

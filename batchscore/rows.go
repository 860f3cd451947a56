package batchscore

import (
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/score"
)

// blockValues bounds a block to about this many feature values (256 KiB),
// so that it stays in a core's L2 cache: 1024 rows of 18 features, 41 of
// 784.
const blockValues = 1 << 15

// blockRows is the rows of a block of rows with nf features.
func blockRows(nf int) int { return min(max(blockValues/max(nf, 1), 16), 1024) }

// scorer scores the decoded rows of one chunk or record at a time, with the
// served version of each row's key; one per goroutine.
type scorer struct {
	ms       *Models
	cfg      model.Config
	classify bool // binary or multiclass: labels must be classes
	nk       int
	look     *lookup
	block    *score.Block // rebound to each key's scorer
	rows     int          // rows per block

	// Results of the last scoreRows, indexed like its rows.
	served  []*Served // nil: rejected, see why
	why     []string
	outs    []float64         // Outputs() per row
	idx     []int             // the rows of a chunk of one key
	pending map[*Served][]int // the rows of each key of a chunk of several
	order   []*Served         // the keys of pending in first-seen order
}

func newScorer(ms *Models) *scorer {
	cfg := ms.Config()
	return &scorer{
		ms: ms, cfg: cfg, classify: cfg.Task != model.TaskRegression, nk: ms.Outputs(), look: newLookup(ms),
		rows:    blockRows(cfg.Features),
		pending: map[*Served][]int{},
	}
}

// scoreRows scores rows: served[i] and outs[i*nk:(i+1)*nk] for a scored
// row i, why[i] for a rejected one.
func (s *scorer) scoreRows(rows []input.Row) error {
	n := len(rows)
	s.served = grow(s.served, n)
	s.why = grow(s.why, n)
	s.outs = grow(s.outs, n*s.nk)
	clear(s.why)
	var first *Served
	mixed := false
	s.idx = s.idx[:0]
	for i := range rows {
		sv, why := s.assign(&rows[i])
		s.served[i], s.why[i] = sv, why
		switch {
		case sv == nil:
		case first == nil || sv == first:
			first = sv
			s.idx = append(s.idx, i)
		default:
			mixed = true
		}
	}
	switch {
	case mixed:
		return s.scoreGroups(rows)
	case first != nil:
		return s.scoreKey(first, rows, s.idx)
	}
	return nil
}

// scoreGroups scores rows of several keys (a per-entity model), key by
// key in the order they first appear.
func (s *scorer) scoreGroups(rows []input.Row) error {
	clear(s.pending)
	s.order = s.order[:0]
	for i, sv := range s.served[:len(rows)] {
		if sv == nil {
			continue
		}
		idx, seen := s.pending[sv]
		if !seen {
			s.order = append(s.order, sv)
		}
		s.pending[sv] = append(idx, i)
	}
	for _, sv := range s.order {
		if err := s.scoreKey(sv, rows, s.pending[sv]); err != nil {
			return err
		}
	}
	return nil
}

// assign finds the served version of a row, or why it cannot be scored.
func (s *scorer) assign(r *input.Row) (*Served, string) {
	// Decoded labels are finite: only a classifier refuses some.
	if r.HasLabel && (s.classify || r.Label-r.Label != 0) {
		if why := processors.LabelReason(s.cfg, r.Label); why != "" {
			return nil, why
		}
	}
	if len(r.Features) != s.cfg.Features {
		return nil, fmt.Sprintf("%d features, the model has %d", len(r.Features), s.cfg.Features)
	}
	if s.ms.PerEntity() && r.Entity == "" {
		return nil, "no entity: a per-entity model needs the row's entity column"
	}
	return s.look.get(r.Entity)
}

// scoreKey scores the rows idx of one key in blocks.
func (s *scorer) scoreKey(sv *Served, rows []input.Row, idx []int) error {
	if s.block == nil {
		s.block = sv.Scorer.NewBlock(s.rows)
	}
	b := s.block
	for start := 0; start < len(idx); start += s.rows {
		part := idx[start:min(start+s.rows, len(idx))]
		b.Rebind(sv.Scorer)
		for _, i := range part {
			if err := b.Add(rows[i].Features); err != nil {
				return err // unreachable: assign checked the shape
			}
		}
		if err := s.scoreBlock(b, part); err != nil {
			return fmt.Errorf("batchscore: key %s: %w", sv.Key, err) // unreachable: decoded features are finite
		}
	}
	return nil
}

// scoreBlock scores a block of the rows part into their outputs: in
// place when the rows are consecutive (every row of a chunk of one key
// scored), else through the block's memory.
func (s *scorer) scoreBlock(b *score.Block, part []int) error {
	if first, last := part[0], part[len(part)-1]; last-first == len(part)-1 {
		return b.ScoreInto(s.outs[first*s.nk : (last+1)*s.nk])
	}
	out, err := b.Score()
	if err != nil {
		return err
	}
	for j, i := range part {
		copy(s.outs[i*s.nk:(i+1)*s.nk], out[j*s.nk:(j+1)*s.nk])
	}
	return nil
}

// grow returns s with length n, reusing its memory.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

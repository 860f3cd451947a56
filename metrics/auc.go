package metrics

import (
	"math"
	"slices"
)

// NewAUC returns the exact ROC AUC of binary rows: the probability that a
// positive row scores above a negative one, ties counting 1/2. The score is
// pred[0] and the label is positive when y >= 0.5. It keeps a count per
// distinct score; Value sorts them, O(d log d) for d distinct scores.
func NewAUC() Metric { return &auc{counts: map[float64][2]int64{}} }

type auc struct {
	counts   map[float64][2]int64 // score -> [negatives, positives]
	pos, neg int64
}

func (*auc) Name() string { return NameAUC }

func (a *auc) Update(y float64, pred []float64) {
	if !validScore(y, pred) {
		return
	}
	s, l := pred[0], label(y)
	c := a.counts[s]
	c[l]++
	a.counts[s] = c
	a.total(l, 1)
}

func (a *auc) Revert(y float64, pred []float64) {
	if !validScore(y, pred) {
		return
	}
	s, l := pred[0], label(y)
	c, ok := a.counts[s]
	if !ok || c[l] == 0 {
		return
	}
	c[l]--
	if c == [2]int64{} {
		delete(a.counts, s)
	} else {
		a.counts[s] = c
	}
	a.total(l, -1)
}

func (a *auc) total(l int, d int64) {
	if l == 1 {
		a.pos += d
	} else {
		a.neg += d
	}
}

func (a *auc) Value() float64 {
	if a.pos == 0 || a.neg == 0 {
		return math.NaN()
	}
	scores := make([]float64, 0, len(a.counts))
	for s := range a.counts {
		scores = append(scores, s)
	}
	slices.Sort(scores)
	var acc aucAcc
	for _, s := range scores {
		c := a.counts[s]
		acc.add(c[0], c[1])
	}
	return acc.value()
}

// NewBinnedAUC returns the ROC AUC of binary rows with their scores binned
// into bins equal-width bins over [0, 1] (scores outside are clamped), ties
// (one bin) counting 1/2, as the rolling window computes it: its memory is
// two counts per bin however many rows it sees. It differs from the exact
// AUC only by the pairs that share a bin. bins must be >= 1.
func NewBinnedAUC(bins int) Metric { return &binnedAUC{counts: make([][2]int64, bins)} }

type binnedAUC struct {
	counts [][2]int64 // bin -> [negatives, positives]
}

func (*binnedAUC) Name() string { return NameAUC }

func (a *binnedAUC) Update(y float64, pred []float64) { a.add(y, pred, 1) }

func (a *binnedAUC) Revert(y float64, pred []float64) { a.add(y, pred, -1) }

func (a *binnedAUC) add(y float64, pred []float64, d int64) {
	if !validScore(y, pred) {
		return
	}
	c := &a.counts[scoreBin(pred[0], len(a.counts))][label(y)]
	if *c+d >= 0 {
		*c += d
	}
}

func (a *binnedAUC) Value() float64 {
	var acc aucAcc
	for _, c := range a.counts {
		acc.add(c[0], c[1])
	}
	return acc.value()
}

// label is 1 for a positive binary label, 0 otherwise.
func label(y float64) int {
	if isPositive(y) {
		return 1
	}
	return 0
}

// aucAcc accumulates AUC over score groups in ascending order.
type aucAcc struct {
	negBelow, neg, pos float64
	wins               float64 // pairs won by the positive, ties as 1/2
}

func (a *aucAcc) add(neg, pos int64) {
	n, p := float64(neg), float64(pos)
	a.wins += p * (a.negBelow + n/2)
	a.negBelow += n
	a.neg += n
	a.pos += p
}

func (a *aucAcc) value() float64 {
	if a.neg == 0 || a.pos == 0 {
		return math.NaN()
	}
	return a.wins / (a.neg * a.pos)
}

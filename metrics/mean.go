package metrics

import "math"

// runningMean is a count and a compensated sum that Update and Revert share.
// When the count returns to zero the sum is reset, dropping any residue.
type runningMean struct {
	n   int64
	sum ksum
}

func (m *runningMean) add(x float64) {
	m.n++
	m.sum.add(x)
}

func (m *runningMean) remove(x float64) {
	if m.n <= 0 {
		return
	}
	m.n--
	if m.n == 0 {
		m.sum = ksum{}
		return
	}
	m.sum.add(-x)
}

func (m *runningMean) mean() float64 { return ratio(m.sum.value(), m.n) }

func (m *runningMean) sqrtMean() float64 { return math.Sqrt(max(m.mean(), 0)) }

package metrics

import (
	"math"
)

// NewRMSE returns the exact root mean squared error of pred[0] against y.
func NewRMSE() Metric { return &rmse{} }

// NewMAE returns the exact mean absolute error of pred[0] against y.
func NewMAE() Metric { return &mae{} }

// NewR2 returns the exact coefficient of determination 1 - SSres/SStot,
// NaN when SStot is 0 (all labels equal) or there are no rows.
func NewR2() Metric { return &r2{} }

type rmse struct{ m runningMean }

func (*rmse) Name() string { return NameRMSE }

func (r *rmse) Update(y float64, pred []float64) {
	if validScore(y, pred) {
		r.m.add(sq(pred[0] - y))
	}
}

func (r *rmse) Revert(y float64, pred []float64) {
	if validScore(y, pred) {
		r.m.remove(sq(pred[0] - y))
	}
}

func (r *rmse) Value() float64 { return r.m.sqrtMean() }

type mae struct{ m runningMean }

func (*mae) Name() string { return NameMAE }

func (a *mae) Update(y float64, pred []float64) {
	if validScore(y, pred) {
		a.m.add(math.Abs(pred[0] - y))
	}
}

func (a *mae) Revert(y float64, pred []float64) {
	if validScore(y, pred) {
		a.m.remove(math.Abs(pred[0] - y))
	}
}

func (a *mae) Value() float64 { return a.m.mean() }

// r2 keeps SSres and the labels shifted by the first label seen since the
// metric was last empty (shifted sums: revertible and free of the
// cancellation of a raw sum of squares when the labels are far from 0).
type r2 struct {
	n     int64
	shift float64
	sse   ksum
	sd    ksum // sum of y - shift
	sd2   ksum // sum of (y - shift)²
}

// sstFloor is the noise floor of SStot relative to the shifted sum of
// squares: below it SStot is indistinguishable from 0 (all labels equal).
const sstFloor = 1e-13

func (*r2) Name() string { return NameR2 }

func (r *r2) Update(y float64, pred []float64) {
	if !validScore(y, pred) {
		return
	}
	if r.n == 0 {
		r.shift = y
	}
	r.n++
	r.add(y, pred[0], 1)
}

func (r *r2) Revert(y float64, pred []float64) {
	if !validScore(y, pred) || r.n <= 0 {
		return
	}
	r.n--
	if r.n == 0 {
		*r = r2{}
		return
	}
	r.add(y, pred[0], -1)
}

func (r *r2) add(y, yhat, sign float64) {
	d := y - r.shift
	r.sse.add(sign * sq(yhat-y))
	r.sd.add(sign * d)
	r.sd2.add(sign * d * d)
}

func (r *r2) Value() float64 {
	if r.n <= 0 {
		return math.NaN()
	}
	sd, sd2 := r.sd.value(), r.sd2.value()
	sst := sd2 - sd*sd/float64(r.n)
	if !(sst > sstFloor*sd2) {
		return math.NaN()
	}
	return 1 - r.sse.value()/sst
}

func sq(x float64) float64 { return x * x }

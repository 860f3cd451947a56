package drift

import (
	"math"
)

// ADWINDetector is ADWIN: an adaptive window over the loss, kept as an
// exponential histogram (level i holds up to MaxBuckets buckets of 2^i
// rows), tested every Clock rows for a cut into an older and a newer part
// whose means differ by more than
//
//	ε = sqrt(2·m·σ²·δ') + 2/3·δ'·m,  δ' = ln(2·ln(width)/δ),
//	m = 1/(n0 - MinWindow + 1) + 1/(n1 - MinWindow + 1)
//
// (σ² the window's variance), as River's drift.ADWIN. A cut at Delta drops
// the oldest bucket and tests again until none is left; it is a Drift when
// the newer part's mean is the higher. A rising cut at WarningDelta only
// is a Warning, signalled once until a test finds none or a drift comes.
type ADWINDetector struct {
	cfg ADWINConfig
	// levels[i] holds the buckets of 2^i rows, oldest first; the higher
	// levels are older.
	levels   [][]bucket
	width    int64
	total    float64
	variance float64 // width × the window's variance
	tick     int64
	warning  bool
	drifts   int64
	cut      cut // the last cut signalled
}

type bucket struct{ total, variance float64 }

// cut is where a test found the window's two parts to differ.
type cut struct {
	oldRows, newRows float64
	oldMean, newMean float64
	bound            float64
}

// NewADWIN returns an empty ADWIN (c with defaults applied and valid).
func NewADWIN(c ADWINConfig) *ADWINDetector {
	return &ADWINDetector{cfg: c}
}

// Width is the number of rows in the window.
func (a *ADWINDetector) Width() int64 { return a.width }

// Mean is the window's mean loss (0 when empty).
func (a *ADWINDetector) Mean() float64 {
	if a.width == 0 {
		return 0
	}
	return a.total / float64(a.width)
}

// Update implements Detector.
func (a *ADWINDetector) Update(loss float64) Signal {
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return Stable
	}
	a.insert(loss)
	a.tick++
	if a.tick%int64(a.cfg.Clock) != 0 || a.width <= int64(a.cfg.GracePeriod) {
		return Stable
	}
	return a.test()
}

// insert adds one row as a bucket of level 0 and compresses.
func (a *ADWINDetector) insert(x float64) {
	a.width++
	if a.width > 1 {
		w := float64(a.width)
		d := x - a.total/(w-1)
		a.variance += (w - 1) * d * d / w
	}
	a.total += x
	if len(a.levels) == 0 {
		a.levels = append(a.levels, make([]bucket, 0, a.cfg.MaxBuckets+1))
	}
	a.levels[0] = append(a.levels[0], bucket{total: x})
	a.compress()
}

// compress merges the two oldest buckets of every level that holds more
// than MaxBuckets into one of the next level.
func (a *ADWINDetector) compress() {
	for i := 0; i < len(a.levels) && len(a.levels[i]) > a.cfg.MaxBuckets; i++ {
		b := a.levels[i]
		n := math.Ldexp(1, i)
		d := b[0].total/n - b[1].total/n
		merged := bucket{total: b[0].total + b[1].total, variance: b[0].variance + b[1].variance + n*n*d*d/(2*n)}
		if i+1 == len(a.levels) {
			a.levels = append(a.levels, make([]bucket, 0, a.cfg.MaxBuckets+1))
		}
		a.levels[i+1] = append(a.levels[i+1], merged)
		a.levels[i] = b[:copy(b, b[2:])]
	}
}

// test looks for cuts, oldest first, dropping the oldest bucket after each
// cut at Delta, and returns the signal of this row.
func (a *ADWINDetector) test() Signal {
	rose, warned := false, false
	for {
		c, found, w, warn := a.scan()
		if warn && !warned {
			warned = true
			if !rose {
				a.cut = w
			}
		}
		if found == 0 {
			break
		}
		if found > 0 && !rose {
			rose = true
			a.cut = c
		}
		a.dropOldest()
	}
	switch {
	case rose:
		a.drifts++
		a.warning = false
		return Drift
	case warned && !a.warning:
		a.warning = true
		return Warning
	case !warned:
		a.warning = false
	}
	return Stable
}

// scan walks the window's cut points, oldest first, and returns the first
// cut at Delta (found +1 rising, -1 falling, 0 none) and the first rising
// cut at WarningDelta before it (warn false if none).
func (a *ADWINDetector) scan() (c cut, found int, w cut, warn bool) {
	if a.width < 2 {
		return cut{}, 0, cut{}, false
	}
	width := float64(a.width)
	sigma2 := a.variance / width
	lnw := math.Log(width)
	dDrift := math.Log(2 * lnw / a.cfg.Delta)
	dWarn := math.Log(2 * lnw / a.cfg.WarningDelta)
	minW := float64(a.cfg.MinWindow)
	var n0, u0 float64
	n1, u1 := width, a.total
	for i := len(a.levels) - 1; i >= 0; i-- {
		n2 := math.Ldexp(1, i)
		for _, b := range a.levels[i] {
			n0 += n2
			n1 -= n2
			u0 += b.total
			u1 -= b.total
			if n1 <= 0 {
				return cut{}, 0, w, warn
			}
			if n0 < minW || n1 < minW {
				continue
			}
			m := 1/(n0-minW+1) + 1/(n1-minW+1)
			diff := u1/n1 - u0/n0
			if e := math.Sqrt(2*m*sigma2*dDrift) + 2.0/3.0*dDrift*m; math.Abs(diff) > e {
				c = cut{oldRows: n0, newRows: n1, oldMean: u0 / n0, newMean: u1 / n1, bound: e}
				if diff > 0 {
					return c, 1, w, warn
				}
				return c, -1, w, warn
			}
			if !warn && diff > 0 {
				if e := math.Sqrt(2*m*sigma2*dWarn) + 2.0/3.0*dWarn*m; diff > e {
					w = cut{oldRows: n0, newRows: n1, oldMean: u0 / n0, newMean: u1 / n1, bound: e}
					warn = true
				}
			}
		}
	}
	return cut{}, 0, w, warn
}

// dropOldest removes the oldest bucket from the window.
func (a *ADWINDetector) dropOldest() {
	last := len(a.levels) - 1
	b := a.levels[last][0]
	n := math.Ldexp(1, last)
	a.width -= int64(n)
	a.total -= b.total
	if a.width > 0 {
		w := float64(a.width)
		d := b.total/n - a.total/w
		a.variance -= b.variance + n*w*d*d/(n+w)
		a.variance = max(a.variance, 0)
	} else {
		a.total, a.variance = 0, 0
	}
	lv := a.levels[last]
	a.levels[last] = lv[:copy(lv, lv[1:])]
	if len(a.levels[last]) == 0 {
		a.levels = a.levels[:last]
	}
}

// Stats implements Detector: the window's rows, mean and variance, the
// drifts found, and the last cut signalled (the rows and mean loss of its
// older and newer parts, and the bound their difference exceeded).
func (a *ADWINDetector) Stats() []Stat {
	v := 0.0
	if a.width > 0 {
		v = a.variance / float64(a.width)
	}
	return []Stat{
		{"width", float64(a.width)}, {"mean", a.Mean()}, {"variance", v}, {"drifts", float64(a.drifts)},
		{"old_rows", a.cut.oldRows}, {"old_mean", a.cut.oldMean},
		{"new_rows", a.cut.newRows}, {"new_mean", a.cut.newMean}, {"bound", a.cut.bound},
	}
}

package metrics

import "math"

// Values returns the window's metrics in a fixed order per task:
// binary: accuracy, logloss, auc; multiclass: accuracy, logloss;
// regression: rmse, mae, r2. A value is NaN when undefined.
func (w *Window) Values() []Value { return w.AppendValues(make([]Value, 0, 3)) }

// AppendValues appends the values of Values to dst.
func (w *Window) AppendValues(dst []Value) []Value {
	s := w.sum()
	switch w.task {
	case taskBinary:
		return append(dst,
			Value{Name: NameAccuracy, Value: ratio(float64(s.correct), s.n)},
			Value{Name: NameLogLoss, Value: ratio(s.logLoss, s.n)},
			Value{Name: NameAUC, Value: w.auc()})
	case taskMulticlass:
		return append(dst,
			Value{Name: NameAccuracy, Value: ratio(float64(s.correct), s.n)},
			Value{Name: NameLogLoss, Value: ratio(s.logLoss, s.n)})
	default:
		return append(dst,
			Value{Name: NameRMSE, Value: math.Sqrt(ratio(s.sqErr, s.n))},
			Value{Name: NameMAE, Value: ratio(s.absErr, s.n)},
			Value{Name: NameR2, Value: r2Value(s)})
	}
}

// sum merges the buckets from the oldest to the newest; label moments are
// merged with Chan et al.'s pairwise formula.
func (w *Window) sum() bucket {
	var s bucket
	for j := range w.buckets {
		b := &w.buckets[w.order(j)]
		if b.n == 0 {
			continue
		}
		n := s.n + b.n
		d := b.mean - s.mean
		s.mean += d * float64(b.n) / float64(n)
		s.m2 += b.m2 + d*d*float64(s.n)*float64(b.n)/float64(n)
		s.n = n
		s.correct += b.correct
		s.logLoss += b.logLoss
		s.absErr += b.absErr
		s.sqErr += b.sqErr
	}
	return s
}

func r2Value(s bucket) float64 {
	if s.n == 0 || s.m2 <= 0 {
		return math.NaN()
	}
	return 1 - s.sqErr/s.m2
}

// auc is the AUC of the binned scores, ties (same bin) counting 1/2.
func (w *Window) auc() float64 {
	bins := w.cfg.Bins
	var acc aucAcc
	for bin := range bins {
		var neg, pos int64
		for i := range w.buckets {
			h := w.bucketHist(i)
			neg += int64(h[bin])
			pos += int64(h[bins+bin])
		}
		acc.add(neg, pos)
	}
	return acc.value()
}

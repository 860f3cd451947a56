package metrics

import "math"

// Metric is a streaming quality metric, River-style.
type Metric interface {
	// Name is a short lowercase name, e.g. "accuracy".
	Name() string
	// Update adds one row.
	Update(y float64, pred []float64)
	// Revert removes one row previously passed to Update.
	Revert(y float64, pred []float64)
	// Value is the metric over the rows added and not reverted; NaN when
	// undefined (no rows, or AUC with one class).
	Value() float64
}

// Value is one named metric value.
type Value struct {
	Name  string
	Value float64
}

// Metric names, as returned by Name and used in Value.
const (
	NameAccuracy = "accuracy"
	NameLogLoss  = "logloss"
	NameAUC      = "auc"
	NameRMSE     = "rmse"
	NameMAE      = "mae"
	NameR2       = "r2"
)

// Log loss clips probabilities to [ProbMin, ProbMax].
const (
	ProbMin = 1e-15
	ProbMax = 1 - 1e-15
)

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func allFinite(xs []float64) bool {
	for _, x := range xs {
		if !finite(x) {
			return false
		}
	}
	return true
}

// validScore reports whether a row with one used score pred[0] is usable.
func validScore(y float64, pred []float64) bool {
	return len(pred) > 0 && finite(y) && finite(pred[0])
}

// validClass reports whether a classification row is usable: every score
// takes part in the argmax of a multiclass row.
func validClass(y float64, pred []float64) bool {
	return len(pred) > 0 && finite(y) && allFinite(pred)
}

func clipProb(p float64) float64 { return min(max(p, ProbMin), ProbMax) }

func isPositive(y float64) bool { return y >= 0.5 }

// classOf returns y as a class index in [0, k), or false when y is not one.
func classOf(y float64, k int) (int, bool) {
	if !(y >= 0 && y < float64(k)) || y != math.Trunc(y) {
		return -1, false
	}
	return int(y), true
}

// argmax returns the index of the first largest score.
func argmax(pred []float64) int {
	best := 0
	for i, p := range pred[1:] {
		if p > pred[best] {
			best = i + 1
		}
	}
	return best
}

func binaryCorrect(y, p float64) bool { return (p >= 0.5) == isPositive(y) }

func binaryLogLoss(y, p float64) float64 {
	p = clipProb(p)
	if isPositive(y) {
		return -math.Log(p)
	}
	return -math.Log(1 - p)
}

func multiCorrect(y float64, pred []float64) bool {
	c, ok := classOf(y, len(pred))
	return ok && argmax(pred) == c
}

// multiLogLoss is -log P(y); a label that is no class gets probability 0.
func multiLogLoss(y float64, pred []float64) float64 {
	p := 0.0
	if c, ok := classOf(y, len(pred)); ok {
		p = pred[c]
	}
	return -math.Log(clipProb(p))
}

// rowCorrect and rowLogLoss infer the task from len(pred) (1: binary).
func rowCorrect(y float64, pred []float64) bool {
	if len(pred) == 1 {
		return binaryCorrect(y, pred[0])
	}
	return multiCorrect(y, pred)
}

func rowLogLoss(y float64, pred []float64) float64 {
	if len(pred) == 1 {
		return binaryLogLoss(y, pred[0])
	}
	return multiLogLoss(y, pred)
}

func ratio(num float64, n int64) float64 {
	if n <= 0 {
		return math.NaN()
	}
	return num / float64(n)
}

package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// This file holds brute-force recomputations of every metric over a slice of
// rows, written independently of the streaming code, and seeded streams.

type row struct {
	y    float64
	pred []float64
}

func finiteRow(r row, all bool) bool {
	if len(r.pred) == 0 || math.IsNaN(r.y) || math.IsInf(r.y, 0) {
		return false
	}
	ps := r.pred[:1]
	if all {
		ps = r.pred
	}
	for _, p := range ps {
		if math.IsNaN(p) || math.IsInf(p, 0) {
			return false
		}
	}
	return true
}

// bruteCorrect: threshold 0.5 for one score, first argmax otherwise.
func bruteCorrect(r row, multi bool) bool {
	if !multi {
		return (r.pred[0] >= 0.5) == (r.y >= 0.5)
	}
	best := 0
	for k := range r.pred {
		if r.pred[k] > r.pred[best] {
			best = k
		}
	}
	return r.y == float64(best)
}

func bruteLoss(r row, multi bool) float64 {
	clip := func(p float64) float64 { return math.Min(math.Max(p, 1e-15), 1-1e-15) }
	if !multi {
		if r.y >= 0.5 {
			return -math.Log(clip(r.pred[0]))
		}
		return -math.Log(1 - clip(r.pred[0]))
	}
	p := 0.0
	for k := range r.pred {
		if r.y == float64(k) {
			p = r.pred[k]
		}
	}
	return -math.Log(clip(p))
}

type bruteValues map[string]float64

// bruteClass computes accuracy, logloss and auc (of score) over the usable
// rows; multi picks the multiclass rules, else len(pred) decides.
func bruteClass(rows []row, task string, score func(float64) float64) bruteValues {
	var n, correct, loss float64
	var pos, neg []float64
	for _, r := range rows {
		multi := task == TaskMulticlass || (task == "" && len(r.pred) > 1)
		if !finiteRow(r, multi || task == "") {
			continue
		}
		n++
		if bruteCorrect(r, multi) {
			correct++
		}
		loss += bruteLoss(r, multi)
	}
	for _, r := range rows {
		if !finiteRow(r, task == TaskMulticlass) {
			continue
		}
		if r.y >= 0.5 {
			pos = append(pos, score(r.pred[0]))
		} else {
			neg = append(neg, score(r.pred[0]))
		}
	}
	return bruteValues{NameAccuracy: correct / n, NameLogLoss: loss / n, NameAUC: bruteAUC(pos, neg)}
}

func bruteAUC(pos, neg []float64) float64 {
	if len(pos) == 0 || len(neg) == 0 {
		return math.NaN()
	}
	var wins float64
	for _, p := range pos {
		for _, q := range neg {
			switch {
			case p > q:
				wins++
			case p == q:
				wins += 0.5
			}
		}
	}
	return wins / float64(len(pos)*len(neg))
}

// bruteRegression computes rmse, mae and r2 (two-pass) over usable rows.
func bruteRegression(rows []row) bruteValues {
	var ys, es []float64
	for _, r := range rows {
		if finiteRow(r, false) {
			ys = append(ys, r.y)
			es = append(es, r.pred[0]-r.y)
		}
	}
	n := float64(len(ys))
	var mean, sse, sae, sst float64
	for i := range ys {
		mean += ys[i] / n
		sse += es[i] * es[i]
		sae += math.Abs(es[i])
	}
	for _, y := range ys {
		sst += (y - mean) * (y - mean)
	}
	r2 := math.NaN()
	if sst != 0 {
		r2 = 1 - sse/sst
	}
	if n == 0 {
		return bruteValues{NameRMSE: math.NaN(), NameMAE: math.NaN(), NameR2: math.NaN()}
	}
	return bruteValues{NameRMSE: math.Sqrt(sse / n), NameMAE: sae / n, NameR2: r2}
}

// close reports a 1e-9 relative match (absolute below 1e-12); NaN matches NaN.
func close(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))+1e-12
}

func checkValues(t *testing.T, ctx string, got []Value, want bruteValues) {
	t.Helper()
	for _, v := range got {
		w, ok := want[v.Name]
		if !ok {
			t.Fatalf("%s: unexpected metric %q", ctx, v.Name)
		}
		if !close(v.Value, w) {
			t.Fatalf("%s: %s = %.17g, brute force %.17g", ctx, v.Name, v.Value, w)
		}
	}
}

// stream generates seeded rows of a task. Options make ties (scores on a
// grid), outliers and unusable rows.
type stream struct {
	rng      *rand.Rand
	task     string
	classes  int
	ties     bool
	outliers bool
	invalid  bool
}

func newStream(seed uint64, task string) *stream {
	return &stream{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), task: task, classes: 4}
}

func (s *stream) next() row {
	r := s.row()
	if s.invalid && s.rng.IntN(20) == 0 {
		switch s.rng.IntN(3) {
		case 0:
			r.y = math.NaN()
		case 1:
			r.pred[0] = math.Inf(1)
		default:
			r.pred = nil
		}
	}
	return r
}

func (s *stream) row() row {
	switch s.task {
	case TaskBinary:
		p := s.rng.Float64()
		if s.ties {
			p = math.Round(p*10) / 10
		}
		y := 0.0
		if s.rng.Float64() < 0.2+0.6*p {
			y = 1
		}
		return row{y, []float64{p}}
	case TaskMulticlass:
		pred := make([]float64, s.classes)
		var sum float64
		for k := range pred {
			pred[k] = s.rng.ExpFloat64()
			sum += pred[k]
		}
		for k := range pred {
			pred[k] /= sum
		}
		y := float64(s.rng.IntN(s.classes + 1)) // class K is no class
		return row{y, pred}
	default:
		y := 3 + 2*s.rng.NormFloat64()
		if s.outliers && s.rng.IntN(50) == 0 {
			y += 1e6 * s.rng.NormFloat64()
		}
		return row{y, []float64{y + s.rng.NormFloat64()}}
	}
}

func identity(p float64) float64 { return p }

// bruteFor computes the brute-force values of a task.
func bruteFor(task string, rows []row, score func(float64) float64) bruteValues {
	if task == TaskRegression {
		return bruteRegression(rows)
	}
	return bruteClass(rows, task, score)
}

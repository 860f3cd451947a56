package metrics

import (
	"fmt"
	"math"
	"testing"
)

func classMetrics() []Metric { return []Metric{NewAccuracy(), NewLogLoss(), NewAUC()} }

func regressionMetrics() []Metric { return []Metric{NewRMSE(), NewMAE(), NewR2()} }

func metricsFor(task string) []Metric {
	if task == TaskRegression {
		return regressionMetrics()
	}
	return classMetrics()
}

func values(ms []Metric) []Value {
	out := make([]Value, len(ms))
	for i, m := range ms {
		out[i] = Value{m.Name(), m.Value()}
	}
	return out
}

// TestExactAgainstBruteForce updates and reverts random rows (not in FIFO
// order) and compares with a brute-force recomputation over the rows held.
func TestExactAgainstBruteForce(t *testing.T) {
	tests := []struct {
		name string
		task string
		opts func(*stream)
	}{
		{"binary", TaskBinary, func(s *stream) {}},
		{"binary ties", TaskBinary, func(s *stream) { s.ties = true }},
		{"binary invalid rows", TaskBinary, func(s *stream) { s.invalid = true }},
		{"multiclass", TaskMulticlass, func(s *stream) { s.invalid = true }},
		{"regression", TaskRegression, func(s *stream) { s.invalid = true }},
		{"regression outliers", TaskRegression, func(s *stream) { s.outliers = true }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStream(uint64(100+i), tt.task)
			tt.opts(s)
			ms := metricsFor(tt.task)
			var held []row
			for step := range 6000 {
				if len(held) > 0 && s.rng.IntN(100) < 45+len(held)/20 {
					k := s.rng.IntN(len(held))
					for _, m := range ms {
						m.Revert(held[k].y, held[k].pred)
					}
					held = append(held[:k], held[k+1:]...)
				} else {
					r := s.next()
					for _, m := range ms {
						m.Update(r.y, r.pred)
					}
					held = append(held, r)
				}
				if step%23 == 0 || len(held) == 0 {
					checkValues(t, fmt.Sprintf("step %d (%d rows)", step, len(held)), values(ms), bruteFor(exactTask(tt.task), held, identity))
				}
			}
		})
	}
}

// exactTask is the brute-force task of the exact metrics, which infer
// binary or multiclass from len(pred).
func exactTask(task string) string {
	if task == TaskRegression {
		return task
	}
	return ""
}

func TestExactEdgeCases(t *testing.T) {
	nan := math.NaN()
	bin := func(y, p float64) row { return row{y, []float64{p}} }
	reg := func(y, yhat float64) row { return row{y, []float64{yhat}} }
	tests := []struct {
		name   string
		metric func() Metric
		rows   []row
		revert []row
		want   float64
	}{
		{"accuracy empty", NewAccuracy, nil, nil, nan},
		{"logloss empty", NewLogLoss, nil, nil, nan},
		{"auc empty", NewAUC, nil, nil, nan},
		{"rmse empty", NewRMSE, nil, nil, nan},
		{"mae empty", NewMAE, nil, nil, nan},
		{"r2 empty", NewR2, nil, nil, nan},
		{"auc one class", NewAUC, []row{bin(1, 0.2), bin(1, 0.9)}, nil, nan},
		{"auc all tied", NewAUC, []row{bin(1, 0.3), bin(0, 0.3)}, nil, 0.5},
		{"auc perfect", NewAUC, []row{bin(1, 0.8), bin(0, 0.3)}, nil, 1},
		{"auc minus-one labels", NewAUC, []row{bin(1, 0.8), bin(-1, 0.3)}, nil, 1},
		{"auc revert to one class", NewAUC, []row{bin(1, 0.8), bin(0, 0.3)}, []row{bin(0, 0.3)}, nan},
		{"auc revert unseen is ignored", NewAUC, []row{bin(1, 0.8), bin(0, 0.3)}, []row{bin(0, 0.4)}, 1},
		{"accuracy threshold 0.5 predicts 1", NewAccuracy, []row{bin(1, 0.5)}, nil, 1},
		{"accuracy multiclass no class", NewAccuracy, []row{{3, []float64{0.2, 0.8}}}, nil, 0},
		{"accuracy multiclass first argmax", NewAccuracy, []row{{0, []float64{0.5, 0.5}}}, nil, 1},
		{"logloss clipped", NewLogLoss, []row{bin(1, 0)}, nil, -math.Log(1e-15)},
		{"logloss multiclass no class", NewLogLoss, []row{{2.5, []float64{0.2, 0.8}}}, nil, -math.Log(1e-15)},
		{"logloss ignores NaN label", NewLogLoss, []row{bin(nan, 0.3), bin(1, 0.5)}, nil, math.Log(2)},
		{"logloss ignores empty pred", NewLogLoss, []row{{1, nil}}, nil, nan},
		{"rmse ignores NaN prediction", NewRMSE, []row{reg(1, nan), reg(1, 3)}, nil, 2},
		{"r2 one row", NewR2, []row{reg(1, 3)}, nil, nan},
		{"r2 constant labels", NewR2, []row{reg(2, 3), reg(2, 1), reg(2, 2)}, nil, nan},
		{"r2 constant after revert", NewR2, []row{reg(7, 3), reg(0.1, 1), reg(0.1, 2)}, []row{reg(7, 3)}, nan},
		{"r2 perfect", NewR2, []row{reg(1, 1), reg(2, 2)}, nil, 1},
		{"mae revert to empty", NewMAE, []row{reg(1e300, 0), reg(1, 2)}, []row{reg(1e300, 0), reg(1, 2)}, nan},
		{"mae revert large", NewMAE, []row{reg(1e17, 0), reg(1, 2), reg(1, 4)}, []row{reg(1e17, 0)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.metric()
			for _, r := range tt.rows {
				m.Update(r.y, r.pred)
			}
			for _, r := range tt.revert {
				m.Revert(r.y, r.pred)
			}
			if got := m.Value(); !close(got, tt.want) {
				t.Fatalf("%s = %v, want %v", m.Name(), got, tt.want)
			}
		})
	}
}

func TestNames(t *testing.T) {
	want := []string{"accuracy", "logloss", "auc", "rmse", "mae", "r2"}
	for i, m := range append(classMetrics(), regressionMetrics()...) {
		if m.Name() != want[i] {
			t.Errorf("metric %d: Name() = %q, want %q", i, m.Name(), want[i])
		}
	}
}

// TestForTaskMatchesWindow: the whole-set metrics of a task are those its
// window reports, in the same order.
func TestForTaskMatchesWindow(t *testing.T) {
	for _, task := range []string{TaskBinary, TaskMulticlass, TaskRegression} {
		w, err := NewWindow(WindowConfig{Task: task, Size: 10, Buckets: 5, Bins: 8})
		if err != nil {
			t.Fatal(err)
		}
		ms := ForTask(task)
		vals := w.Values()
		if len(ms) != len(vals) {
			t.Fatalf("%s: %d metrics, the window has %d", task, len(ms), len(vals))
		}
		for i, m := range ms {
			if m.Name() != vals[i].Name {
				t.Errorf("%s: metric %d is %s, the window's %s", task, i, m.Name(), vals[i].Name)
			}
		}
	}
	if ForTask("ranking") != nil {
		t.Error("an unknown task has metrics")
	}
}

// TestBinnedAUC: the binned AUC is the exact AUC of the binned scores
// (brute force over the rows held, after updates and reverts), and close
// to the exact AUC of the raw scores with many bins.
func TestBinnedAUC(t *testing.T) {
	tests := []struct {
		name string
		bins int
	}{
		{"one bin", 1},
		{"32 bins", 32},
		{"65536 bins", 1 << 16},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStream(uint64(200+i), TaskBinary)
			s.invalid = true
			binned, exact := NewBinnedAUC(tt.bins), NewAUC()
			var held []row
			for range 4000 {
				if len(held) > 0 && s.rng.IntN(100) < 30 {
					k := s.rng.IntN(len(held))
					binned.Revert(held[k].y, held[k].pred)
					exact.Revert(held[k].y, held[k].pred)
					held = append(held[:k], held[k+1:]...)
					continue
				}
				r := s.next()
				binned.Update(r.y, r.pred)
				exact.Update(r.y, r.pred)
				held = append(held, r)
			}
			var pos, neg []float64
			for _, r := range held {
				if !finiteRow(r, false) {
					continue
				}
				b := float64(scoreBin(r.pred[0], tt.bins))
				if r.y >= 0.5 {
					pos = append(pos, b)
				} else {
					neg = append(neg, b)
				}
			}
			if got, want := binned.Value(), bruteAUC(pos, neg); math.Abs(got-want) > 1e-12 {
				t.Errorf("binned AUC %v, brute force over binned scores %v", got, want)
			}
			if tt.bins == 1<<16 && math.Abs(binned.Value()-exact.Value()) > 1e-3 {
				t.Errorf("binned AUC %v, exact %v", binned.Value(), exact.Value())
			}
		})
	}
}

package metrics

import (
	"fmt"
	"math"
	"testing"
)

// TestRollingAgainstBruteForce compares Rolling with a brute-force
// recomputation over the last N rows, through many wraps.
func TestRollingAgainstBruteForce(t *testing.T) {
	tests := []struct {
		task   string
		window int
		rows   int
		every  int
		opts   func(*stream)
	}{
		{TaskBinary, 1, 500, 1, func(s *stream) {}},
		{TaskBinary, 7, 2000, 1, func(s *stream) { s.ties = true; s.invalid = true }},
		{TaskBinary, 150, 4000, 31, func(s *stream) { s.invalid = true }},
		{TaskMulticlass, 1, 500, 1, func(s *stream) {}},
		{TaskMulticlass, 50, 3000, 7, func(s *stream) { s.invalid = true }},
		{TaskRegression, 1, 500, 1, func(s *stream) {}},
		{TaskRegression, 2, 500, 1, func(s *stream) { s.outliers = true }},
		{TaskRegression, 100, 20000, 53, func(s *stream) { s.outliers = true; s.invalid = true }},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s/window=%d", tt.task, tt.window), func(t *testing.T) {
			s := newStream(uint64(200+i), tt.task)
			tt.opts(s)
			r := NewRolling(tt.window, metricsFor(tt.task)...)
			var all []row
			for step := range tt.rows {
				x := s.next()
				all = append(all, x)
				r.Update(x.y, x.pred)
				if step%tt.every != 0 {
					continue
				}
				last := all[max(0, len(all)-tt.window):]
				if r.Len() != len(last) {
					t.Fatalf("step %d: Len() = %d, want %d", step, r.Len(), len(last))
				}
				checkValues(t, fmt.Sprintf("step %d", step), r.Values(), bruteFor(exactTask(tt.task), last, identity))
			}
		})
	}
}

func TestRollingEdgeCases(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		window int
		rows   []row
		want   []float64 // rmse, mae, r2
	}{
		{"empty", 3, nil, []float64{nan, nan, nan}},
		{"window of 1", 1, []row{{1, []float64{5}}, {2, []float64{4}}}, []float64{2, 2, nan}},
		{"window below 1 is 1", 0, []row{{1, []float64{5}}, {2, []float64{3}}}, []float64{1, 1, nan}},
		{"constant labels after eviction", 2, []row{{9, []float64{0}}, {1, []float64{2}}, {1, []float64{0}}}, []float64{1, 1, nan}},
		{"invalid row holds a slot", 2, []row{{1, []float64{2}}, {2, []float64{2}}, {math.NaN(), []float64{0}}}, []float64{0, 0, nan}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRolling(tt.window, regressionMetrics()...)
			for _, x := range tt.rows {
				r.Update(x.y, x.pred)
			}
			for i, v := range r.Values() {
				if !close(v.Value, tt.want[i]) {
					t.Errorf("%s = %v, want %v", v.Name, v.Value, tt.want[i])
				}
			}
		})
	}
}

// TestRollingCopiesPred checks that callers may reuse their pred slice.
func TestRollingCopiesPred(t *testing.T) {
	r := NewRolling(2, NewMAE())
	pred := []float64{3}
	r.Update(1, pred)
	pred[0] = 100
	r.Update(1, []float64{1})
	r.Update(1, []float64{1}) // evicts the first row: must revert |3-1|, not |100-1|
	if got := r.Values()[0].Value; got != 0 {
		t.Fatalf("mae = %v, want 0", got)
	}
}

func TestRollingUpdateAllocs(t *testing.T) {
	r := NewRolling(8, NewAccuracy(), NewLogLoss())
	pred := []float64{0.2, 0.5, 0.3}
	for range 16 {
		r.Update(1, pred)
	}
	if n := testing.AllocsPerRun(100, func() { r.Update(2, pred) }); n != 0 {
		t.Fatalf("Rolling.Update allocates %v times per row", n)
	}
}

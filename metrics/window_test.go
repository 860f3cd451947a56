package metrics

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func mustWindow(t testing.TB, cfg WindowConfig) *Window {
	t.Helper()
	w, err := NewWindow(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// covered is the number of the last rows a window covers after rows usable
// rows, computed from the bucket arithmetic independently of Window.
func covered(cfg WindowConfig, rows int) int {
	if rows <= cfg.Size {
		return rows
	}
	c := cfg.Size / cfg.Buckets
	return (cfg.Buckets-1)*c + (rows-1)%c + 1
}

func usable(task string, rows []row) []row {
	var out []row
	for _, r := range rows {
		if finiteRow(r, task == TaskMulticlass) {
			out = append(out, r)
		}
	}
	return out
}

// TestWindowAgainstBruteForce compares Window with a brute-force
// recomputation over exactly the rows it covers, AUC on the binned scores,
// through windows that wrap many times.
func TestWindowAgainstBruteForce(t *testing.T) {
	tests := []struct {
		cfg   WindowConfig
		rows  int
		every int
		opts  func(*stream)
	}{
		{WindowConfig{Task: TaskBinary, Size: 1, Buckets: 1}, 300, 1, func(s *stream) {}},
		{WindowConfig{Task: TaskBinary, Size: 10, Buckets: 5, Bins: 4}, 2000, 1, func(s *stream) { s.invalid = true }},
		{WindowConfig{Task: TaskBinary, Size: 12, Buckets: 3, Bins: 7}, 2000, 1, func(s *stream) { s.ties = true }},
		{WindowConfig{Task: TaskBinary, Size: 60, Buckets: 60, Bins: 1}, 1000, 3, func(s *stream) {}},
		{WindowConfig{Task: TaskBinary}, 6000, 97, func(s *stream) { s.invalid = true }},
		{WindowConfig{Task: TaskMulticlass, Size: 1, Buckets: 1}, 300, 1, func(s *stream) {}},
		{WindowConfig{Task: TaskMulticlass, Size: 20, Buckets: 4}, 3000, 1, func(s *stream) { s.invalid = true }},
		{WindowConfig{Task: TaskMulticlass}, 6000, 97, func(s *stream) {}},
		{WindowConfig{Task: TaskRegression, Size: 1, Buckets: 1}, 300, 1, func(s *stream) {}},
		{WindowConfig{Task: TaskRegression, Size: 9, Buckets: 3}, 3000, 1, func(s *stream) { s.outliers = true; s.invalid = true }},
		{WindowConfig{Task: TaskRegression, Size: 2, Buckets: 2}, 1000, 1, func(s *stream) {}},
		{WindowConfig{Task: TaskRegression}, 20000, 97, func(s *stream) { s.outliers = true }},
	}
	for i, tt := range tests {
		cfg := tt.cfg
		cfg.EnsureDefaults()
		t.Run(fmt.Sprintf("%s/size=%d/buckets=%d/bins=%d", cfg.Task, cfg.Size, cfg.Buckets, cfg.Bins), func(t *testing.T) {
			s := newStream(uint64(300+i), cfg.Task)
			tt.opts(s)
			w := mustWindow(t, cfg)
			binned := func(p float64) float64 { return float64(scoreBinBrute(p, cfg.Bins)) }
			var good []row
			for step := range tt.rows {
				x := s.next()
				w.Update(x.y, x.pred)
				good = append(good, usable(cfg.Task, []row{x})...)
				if step%tt.every != 0 {
					continue
				}
				last := good[len(good)-covered(cfg, len(good)):]
				if w.Rows() != int64(len(last)) {
					t.Fatalf("step %d: Rows() = %d, want %d", step, w.Rows(), len(last))
				}
				checkValues(t, fmt.Sprintf("step %d", step), w.Values(), bruteFor(cfg.Task, last, binned))
			}
		})
	}
}

// scoreBinBrute is floor(p*bins) clamped to [0, bins-1].
func scoreBinBrute(p float64, bins int) int {
	b := int(math.Floor(math.Min(math.Max(p, 0), 1) * float64(bins)))
	return min(max(b, 0), bins-1)
}

func TestWindowEdgeCases(t *testing.T) {
	nan := math.NaN()
	bin := func(y, p float64) row { return row{y, []float64{p}} }
	tests := []struct {
		name string
		cfg  WindowConfig
		rows []row
		want []float64
		n    int64
	}{
		{"binary empty", WindowConfig{Task: TaskBinary}, nil, []float64{nan, nan, nan}, 0},
		{"multiclass empty", WindowConfig{Task: TaskMulticlass}, nil, []float64{nan, nan}, 0},
		{"regression empty", WindowConfig{Task: TaskRegression}, nil, []float64{nan, nan, nan}, 0},
		{"binary one class", WindowConfig{Task: TaskBinary}, []row{bin(1, 0.9), bin(1, 0.2)}, []float64{0.5, (-math.Log(0.9) - math.Log(0.2)) / 2, nan}, 2},
		{"binary same bin ties", WindowConfig{Task: TaskBinary, Bins: 2}, []row{bin(1, 0.9), bin(0, 0.6)}, []float64{0.5, (-math.Log(0.9) - math.Log(0.4)) / 2, 0.5}, 2},
		{"binary scores outside [0,1]", WindowConfig{Task: TaskBinary, Bins: 2}, []row{bin(1, 7), bin(0, -3)}, []float64{1, -math.Log(1 - 1e-15), 1}, 2},
		{"binary window of 1", WindowConfig{Task: TaskBinary, Size: 1, Buckets: 1}, []row{bin(1, 0.9), bin(0, 0.9)}, []float64{0, -math.Log(1 - 0.9), nan}, 1},
		{"binary invalid rows ignored", WindowConfig{Task: TaskBinary}, []row{bin(nan, 0.9), bin(1, nan), {1, nil}, bin(1, 0.5)}, []float64{1, math.Log(2), nan}, 1},
		{"multiclass window of 1", WindowConfig{Task: TaskMulticlass, Size: 1, Buckets: 1}, []row{{0, []float64{0.9, 0.1}}, {1, []float64{0.5, 0.5}}}, []float64{0, math.Log(2)}, 1},
		{"multiclass one score", WindowConfig{Task: TaskMulticlass}, []row{{0, []float64{1}}}, []float64{1, -math.Log(1 - 1e-15)}, 1},
		{"regression constant labels", WindowConfig{Task: TaskRegression}, []row{{2, []float64{1}}, {2, []float64{3}}}, []float64{1, 1, nan}, 2},
		{"regression window of 1", WindowConfig{Task: TaskRegression, Size: 1, Buckets: 1}, []row{{0, []float64{9}}, {2, []float64{3}}}, []float64{1, 1, nan}, 1},
		{"regression constant after rotation", WindowConfig{Task: TaskRegression, Size: 2, Buckets: 2}, []row{{9, []float64{9}}, {1, []float64{2}}, {1, []float64{0}}}, []float64{1, 1, nan}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := mustWindow(t, tt.cfg)
			for _, x := range tt.rows {
				w.Update(x.y, x.pred)
			}
			if w.Rows() != tt.n {
				t.Errorf("Rows() = %d, want %d", w.Rows(), tt.n)
			}
			got := w.Values()
			if len(got) != len(tt.want) {
				t.Fatalf("Values() = %v, want %d values", got, len(tt.want))
			}
			for i, v := range got {
				if !close(v.Value, tt.want[i]) {
					t.Errorf("%s = %v, want %v", v.Name, v.Value, tt.want[i])
				}
			}
		})
	}
}

func TestWindowValueOrder(t *testing.T) {
	tests := map[string][]string{
		TaskBinary:     {NameAccuracy, NameLogLoss, NameAUC},
		TaskMulticlass: {NameAccuracy, NameLogLoss},
		TaskRegression: {NameRMSE, NameMAE, NameR2},
	}
	for task, want := range tests {
		t.Run(task, func(t *testing.T) {
			got := mustWindow(t, WindowConfig{Task: task}).Values()
			if len(got) != len(want) {
				t.Fatalf("Values() = %v, want names %v", got, want)
			}
			for i := range want {
				if got[i].Name != want[i] {
					t.Errorf("value %d is %q, want %q", i, got[i].Name, want[i])
				}
			}
		})
	}
}

func TestWindowConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  WindowConfig
		err  string
	}{
		{"defaults", WindowConfig{Task: TaskBinary}, ""},
		{"window of 1", WindowConfig{Task: TaskRegression, Size: 1, Buckets: 1}, ""},
		{"no task", WindowConfig{}, `metrics: window.task must be one of binary, multiclass, regression (got "")`},
		{"unknown task", WindowConfig{Task: "ranking"}, `metrics: window.task must be one of binary, multiclass, regression (got "ranking")`},
		{"negative size", WindowConfig{Task: TaskBinary, Size: -1}, "metrics: window.size must be in [1, 1073741824] (got -1)"},
		{"huge size", WindowConfig{Task: TaskBinary, Size: MaxWindowSize + 1, Buckets: 1}, "metrics: window.size must be in [1, 1073741824] (got 1073741825)"},
		{"buckets above size", WindowConfig{Task: TaskBinary, Size: 3, Buckets: 4}, "metrics: window.buckets must be in [1, window.size] (got 4)"},
		{"buckets do not divide", WindowConfig{Task: TaskBinary, Size: 1000, Buckets: 3}, "metrics: window.buckets must divide window.size"},
		{"negative bins", WindowConfig{Task: TaskBinary, Bins: -2}, "metrics: window.bins must be in [1, 4096] (got -2)"},
		{"too many bins", WindowConfig{Task: TaskBinary, Bins: MaxWindowBins + 1}, "metrics: window.bins must be in [1, 4096] (got 4097)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.EnsureDefaults()
			err := cfg.Validate()
			if tt.err == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.err {
				t.Fatalf("Validate() = %v, want %q", err, tt.err)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error does not wrap ErrInvalidConfig")
			}
			if _, err := NewWindow(tt.cfg); err == nil || err.Error() != tt.err {
				t.Errorf("NewWindow() error = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestWindowEnsureDefaults(t *testing.T) {
	cfg := WindowConfig{Task: TaskBinary}
	cfg.EnsureDefaults()
	want := WindowConfig{Task: TaskBinary, Size: 1000, Buckets: 5, Bins: 32}
	if cfg != want {
		t.Fatalf("EnsureDefaults() = %+v, want %+v", cfg, want)
	}
	if got := mustWindow(t, WindowConfig{Task: TaskBinary}).Config(); got != want {
		t.Fatalf("Config() = %+v, want %+v", got, want)
	}
}

func TestWindowUpdateAllocs(t *testing.T) {
	for _, task := range []string{TaskBinary, TaskMulticlass, TaskRegression} {
		t.Run(task, func(t *testing.T) {
			w := mustWindow(t, WindowConfig{Task: task, Size: 10, Buckets: 5})
			s := newStream(7, task)
			rows := make([]row, 64)
			for i := range rows {
				rows[i] = s.next()
			}
			i := 0
			n := testing.AllocsPerRun(500, func() {
				w.Update(rows[i%len(rows)].y, rows[i%len(rows)].pred)
				i++
			})
			if n != 0 {
				t.Fatalf("Window.Update allocates %v times per row", n)
			}
		})
	}
}

func TestWindowReset(t *testing.T) {
	w := mustWindow(t, WindowConfig{Task: TaskBinary, Size: 4, Buckets: 2})
	empty, _ := w.AppendBinary(nil)
	for i := range 7 {
		w.Update(float64(i%2), []float64{0.3})
	}
	w.Reset()
	got, _ := w.AppendBinary(nil)
	if string(got) != string(empty) || w.Rows() != 0 {
		t.Fatalf("after Reset: %x (%d rows), want %x", got, w.Rows(), empty)
	}
}

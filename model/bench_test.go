package model

import (
	"math/rand/v2"
	"testing"
	"time"
)

// cpuClock reports rows/s (wall clock) and, where the OS tells, CPU ns per
// row: on a machine shared with other work the wall-clock figures include
// the time the benchmark waited for a core.
type cpuClock struct {
	start time.Duration
	ok    bool
}

func startCPU(b *testing.B) cpuClock {
	b.ResetTimer()
	t, ok := cpuTime()
	return cpuClock{start: t, ok: ok}
}

func (c cpuClock) report(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if t, ok := cpuTime(); ok && c.ok && b.N > 0 {
		b.ReportMetric(float64(t-c.start)/float64(b.N), "cpu-ns/op")
	}
}

// benchRows are n pseudo-random rows with labels fitting cfg.
func benchRows(cfg Config, n int) ([][]float64, []float64) {
	r := rand.New(rand.NewPCG(1, 2))
	xs, ys := make([][]float64, n), make([]float64, n)
	for i := range xs {
		xs[i] = make([]float64, cfg.Features)
		var s float64
		for j := range xs[i] {
			xs[i][j] = r.NormFloat64()
			s += xs[i][j] * float64(j%3-1)
		}
		switch cfg.Task {
		case TaskBinary:
			if s > 0 {
				ys[i] = 1
			}
		case TaskMulticlass:
			ys[i] = float64(r.IntN(cfg.Classes))
		default:
			ys[i] = s
		}
	}
	return xs, ys
}

var benchVariants = []struct {
	name string
	cfg  Config
}{
	{"logistic/adam/f18", Config{Task: TaskBinary, Features: 18, Optimizer: Optimizer{Name: OptimizerAdam}}},
	{"logistic/adam/f18/std", Config{Task: TaskBinary, Features: 18, Optimizer: Optimizer{Name: OptimizerAdam}, Standardize: true}},
	// A pipeline model with only its task: ftrl, standardised features (and
	// target, for a regression).
	{"logistic/defaults/f18/std", Config{Task: TaskBinary, Features: 18, Standardize: true}},
	{"linear/defaults/f18/std+target", Config{Task: TaskRegression, Features: 18, Standardize: true, StandardizeTarget: true}},
	{"logistic/adam/f18/l1l2", Config{Task: TaskBinary, Features: 18, Optimizer: Optimizer{Name: OptimizerAdam}, L1: 1e-4, L2: 1e-4}},
	{"logistic/sgd/f18", Config{Task: TaskBinary, Features: 18, Optimizer: Optimizer{Name: OptimizerSGD}}},
	{"logistic/sgd-inverse_sqrt/f18", Config{Task: TaskBinary, Features: 18, Optimizer: Optimizer{Name: OptimizerSGD, Schedule: ScheduleInverseSqrt}}},
	{"logistic/adagrad/f18", Config{Task: TaskBinary, Features: 18, Optimizer: Optimizer{Name: OptimizerAdaGrad}}},
	{"logistic/ftrl/f18", Config{Task: TaskBinary, Features: 18, Optimizer: Optimizer{Name: OptimizerFTRL}, L1: 1e-3}},
	{"linear/huber/adam/f18", Config{Task: TaskRegression, Loss: LossHuber, Features: 18, Optimizer: Optimizer{Name: OptimizerAdam}}},
	{"softmax/adam/f18/k3", Config{Task: TaskMulticlass, Classes: 3, Features: 18, Optimizer: Optimizer{Name: OptimizerAdam}}},
	{"softmax/sgd/f18/k10", Config{Task: TaskMulticlass, Classes: 10, Features: 18, Optimizer: Optimizer{Name: OptimizerSGD}}},
	// Wide rows (784 features, a Fashion-MNIST-shaped image).
	{"logistic/adam/f784/std", Config{Task: TaskBinary, Features: 784, Optimizer: Optimizer{Name: OptimizerAdam}, Standardize: true}},
	{"softmax/adam/f784/k10/std", Config{Task: TaskMulticlass, Classes: 10, Features: 784, Optimizer: Optimizer{Name: OptimizerAdam}, Standardize: true}},
	{"softmax/sgd/f784/k10/std", Config{Task: TaskMulticlass, Classes: 10, Features: 784, Optimizer: Optimizer{Name: OptimizerSGD}, Standardize: true}},
}

// BenchmarkLearn measures one Learn call (one row update) per op.
func BenchmarkLearn(b *testing.B) {
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			m, err := New(v.cfg)
			if err != nil {
				b.Fatal(err)
			}
			xs, ys := benchRows(v.cfg, 1024)
			b.ReportAllocs()
			cpu := startCPU(b)
			for i := 0; b.Loop(); i++ {
				if err := m.Learn(xs[i&1023], ys[i&1023]); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

// BenchmarkPredict measures one Predict call per op.
func BenchmarkPredict(b *testing.B) {
	for _, v := range benchVariants {
		b.Run(v.name, func(b *testing.B) {
			m, err := New(v.cfg)
			if err != nil {
				b.Fatal(err)
			}
			xs, ys := benchRows(v.cfg, 1024)
			for i := range xs {
				_ = m.Learn(xs[i], ys[i])
			}
			out := make([]float64, m.Outputs())
			b.ReportAllocs()
			cpu := startCPU(b)
			for i := 0; b.Loop(); i++ {
				if err := m.Predict(xs[i&1023], out); err != nil {
					b.Fatal(err)
				}
			}
			cpu.report(b)
		})
	}
}

// BenchmarkCodec measures encoding a model's state into a reused buffer and
// decoding it back, as the learn processor does per batch.
func BenchmarkCodec(b *testing.B) {
	for _, v := range benchVariants {
		m, err := New(v.cfg)
		if err != nil {
			b.Fatal(err)
		}
		xs, ys := benchRows(v.cfg, 1024)
		for i := range xs {
			_ = m.Learn(xs[i], ys[i])
		}
		buf, _ := m.MarshalBinary()
		b.Run("append/"+v.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				buf, _ = m.AppendBinary(buf[:0])
			}
		})
		b.Run("unmarshal/"+v.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if err := m.UnmarshalBinary(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

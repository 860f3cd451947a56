package main

import (
	"time"

	"github.com/streamsgd/streamsgd/datasets/susy"
	"github.com/streamsgd/streamsgd/model"
)

// kernelBench times model.Learn alone over pre-generated rows: logistic
// regression with Adam on 18 features, with and without standardisation.
func kernelBench() ([]result, error) {
	const n = 1 << 16
	const passes = 60
	xs := make([][]float64, n)
	ys := make([]float64, n)
	g := susy.New(1)
	for i := range xs {
		xs[i] = make([]float64, susy.Features)
		y, _ := g.Next(xs[i])
		ys[i] = float64(y)
	}
	var out []result
	for _, std := range []bool{false, true} {
		m, err := model.New(model.Config{Task: model.TaskBinary, Learner: "logistic", Features: susy.Features,
			Optimizer: model.Optimizer{Name: "adam", LearningRate: 0.01}, Standardize: std})
		if err != nil {
			return nil, err
		}
		start := time.Now()
		for p := 0; p < passes; p++ {
			for i := range xs {
				if err := m.Learn(xs[i], ys[i]); err != nil {
					return nil, err
				}
			}
		}
		name := "SGD kernel (logistic, Adam, 18 features)"
		note := "one core, no Kafka"
		if std {
			name = "SGD kernel + standardisation"
		}
		out = append(out, result{name: name, rows: n * passes, elapsed: time.Since(start), note: note})
	}
	return out, nil
}

package score_test

import (
	"fmt"

	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/score"
)

// A regression learned online, then a block of three rows scored with one
// matrix-vector product.
func Example() {
	m, err := model.New(model.Config{Task: model.TaskRegression, Features: 2,
		Optimizer: model.Optimizer{Name: model.OptimizerSGD, LearningRate: 0.1}})
	if err != nil {
		panic(err)
	}
	for i := range 2000 {
		x := []float64{float64(i%7) / 7, float64(i%3) / 3}
		if err := m.Learn(x, 1+2*x[0]-x[1]); err != nil {
			panic(err)
		}
	}
	s := score.New(m)
	rows := []float64{0, 0, 0.5, 0.5, 1, 0}
	out := make([]float64, 3)
	if err := s.Score(rows, out); err != nil {
		panic(err)
	}
	fmt.Printf("%.3f %.3f %.3f\n", out[0], out[1], out[2])
	// Output: 1.000 1.500 3.000
}

package model_test

import (
	"fmt"

	"github.com/streamsgd/streamsgd/model"
)

// A binary logistic model learning online: predict each row, then learn it
// (prequential), as the learn processor does.
func Example() {
	m, err := model.New(model.Config{
		Task:        model.TaskBinary,
		Features:    2,
		Optimizer:   model.Optimizer{Name: model.OptimizerAdam, LearningRate: 0.1},
		Standardize: true,
	})
	if err != nil {
		panic(err)
	}
	p := make([]float64, m.Outputs())
	for i := range 2000 {
		a, b := float64(i%7), float64(i%5)
		label := 0.0
		if a > b {
			label = 1
		}
		if err := m.Predict([]float64{a, b}, p); err != nil {
			panic(err)
		}
		if err := m.Learn([]float64{a, b}, label); err != nil {
			panic(err)
		}
	}
	_ = m.Predict([]float64{6, 1}, p)
	fmt.Printf("P(y=1 | 6, 1) = %.2f\n", p[0])
	_ = m.Predict([]float64{1, 4}, p)
	fmt.Printf("P(y=1 | 1, 4) = %.2f\n", p[0])
	fmt.Println("rows seen:", m.Seen())
	// Output:
	// P(y=1 | 6, 1) = 1.00
	// P(y=1 | 1, 4) = 0.00
	// rows seen: 2000
}

// The model's full state round-trips through its binary encoding, as it does
// through the goka table.
func ExampleModel_MarshalBinary() {
	cfg := model.Config{Task: model.TaskRegression, Features: 1, Optimizer: model.Optimizer{Name: model.OptimizerSGD, LearningRate: 0.1}}
	m, _ := model.New(cfg)
	for i := range 500 {
		x := float64(i%10) / 10
		_ = m.Learn([]float64{x}, 3*x+1)
	}
	data, _ := m.MarshalBinary()
	restored, _ := model.New(cfg)
	if err := restored.UnmarshalBinary(data); err != nil {
		panic(err)
	}
	out := make([]float64, 1)
	_ = restored.Predict([]float64{0.5}, out)
	fmt.Printf("%d bytes, yhat(0.5) = %.2f\n", len(data), out[0])
	// Output:
	// 50 bytes, yhat(0.5) = 2.51
}

package model

import (
	"math"
	"testing"
)

func TestStandardization(t *testing.T) {
	cfg := Config{Task: TaskRegression, Features: 2, Optimizer: Optimizer{Name: OptimizerSGD}, Standardize: true}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range [][]float64{{1, 5}, {3, 5}} {
		if err := m.Learn(x, 1); err != nil {
			t.Fatal(err)
		}
	}
	mean, inv := m.Standardization()
	if mean[0] != 2 || mean[1] != 5 || inv[0] != 1 || inv[1] != 0 {
		t.Errorf("mean %v invSD %v, want [2 5] and [1 0]", mean, inv)
	}
	mean[0] = math.NaN()
	if again, _ := m.Standardization(); again[0] != 2 {
		t.Error("Standardization shares the model's slices")
	}
	cfg.Standardize = false
	if m, _ = New(cfg); m != nil {
		if mean, inv := m.Standardization(); mean != nil || inv != nil {
			t.Error("statistics without Standardize")
		}
	}
}

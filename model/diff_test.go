package model

import (
	"errors"
	"math"
	"testing"
)

func TestIdenticalAndMaxAbsDiff(t *testing.T) {
	cfg := Config{Task: TaskRegression, Learner: "linear", Loss: "squared", Features: 3,
		Optimizer: Optimizer{Name: "adam", LearningRate: 0.05}, Standardize: true}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(cfg)
	xs := [][]float64{{1, 2, 3}, {-1, 0.5, 2}, {0, 1, -1}}
	for i, x := range xs {
		if err := a.Learn(x, float64(i)); err != nil {
			t.Fatal(err)
		}
		if err := b.Learn(x, float64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if !Identical(a, b) {
		t.Fatal("same rows, same config: not identical")
	}
	if d, err := MaxAbsDiff(a, b); err != nil || d != 0 {
		t.Fatalf("MaxAbsDiff of equal models = %v, %v", d, err)
	}
	c := a.Clone()
	if err := c.Learn([]float64{3, 3, 3}, 10); err != nil {
		t.Fatal(err)
	}
	if Identical(a, c) {
		t.Error("a model that learned one more row is identical")
	}
	wa, wc := a.Weights(), c.Weights()
	want := 0.0
	for i := range wa {
		want = math.Max(want, math.Abs(wa[i]-wc[i]))
	}
	if d, err := MaxAbsDiff(a, c); err != nil || d != want || d == 0 {
		t.Errorf("MaxAbsDiff = %v, %v; want %v > 0", d, err, want)
	}
	// Same parameters, different optimizer state: not identical, no difference.
	e := a.Clone()
	e.s1[0]++
	if Identical(a, e) {
		t.Error("different optimizer state: identical")
	}
	if d, _ := MaxAbsDiff(a, e); d != 0 {
		t.Errorf("MaxAbsDiff over parameters = %v, want 0", d)
	}
	e.params[1] = math.NaN()
	if d, _ := MaxAbsDiff(a, e); !math.IsInf(d, 1) {
		t.Errorf("NaN parameter: MaxAbsDiff = %v, want +Inf", d)
	}
	cfg.Features = 2
	f, _ := New(cfg)
	if _, err := MaxAbsDiff(a, f); !errors.Is(err, ErrShape) {
		t.Errorf("different shapes: %v, want ErrShape", err)
	}
}

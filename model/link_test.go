package model

import (
	"errors"
	"math"
	"testing"
)

// TestLink: Predict is the dot products then Link, bit for bit, for every
// learner; Link refuses outputs that are not whole rows.
func TestLink(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"logistic", Config{Task: TaskBinary, Features: 4, Standardize: true}},
		{"softmax", Config{Task: TaskMulticlass, Classes: 3, Features: 4, Standardize: true}},
		{"linear", Config{Task: TaskRegression, Features: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := trained(t, tc.cfg, 1, 300)
			x := []float64{0.5, -1.25, 2, 0.125}
			want := make([]float64, m.Outputs())
			if err := m.Predict(x, want); err != nil {
				t.Fatal(err)
			}
			z := make([]float64, 2*m.Outputs())
			for k := range m.Outputs() {
				z[k] = m.logitX(k, x)
				z[m.Outputs()+k] = z[k]
			}
			if err := m.Link(z); err != nil {
				t.Fatal(err)
			}
			for i, v := range z {
				if math.Float64bits(v) != math.Float64bits(want[i%m.Outputs()]) {
					t.Errorf("output %d: Link gives %v, Predict %v", i, v, want[i%m.Outputs()])
				}
			}
			if m.Outputs() > 1 {
				if err := m.Link(make([]float64, m.Outputs()+1)); !errors.Is(err, ErrShape) {
					t.Errorf("Link of a partial row: %v, want ErrShape", err)
				}
			}
		})
	}
}

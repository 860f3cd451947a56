package model

import (
	"bytes"
	"errors"
	"testing"
)

// TestCheckLabel: the labels each task refuses, the same for Config.CheckLabel
// (what route dead-letters) and Learn.
func TestCheckLabel(t *testing.T) {
	binary := Config{Task: TaskBinary, Features: 2}
	multi := Config{Task: TaskMulticlass, Classes: 3, Features: 2}
	regression := Config{Task: TaskRegression, Features: 2}
	for _, tt := range []struct {
		cfg  Config
		y    float64
		want bool // accepted
	}{
		{binary, 0, true}, {binary, 1, true}, {binary, -1, true},
		{binary, 2, false}, {binary, 7, false}, {binary, -2, false}, {binary, 0.5, false}, {binary, 0.9, false},
		{multi, 0, true}, {multi, 2, true}, {multi, 3, false}, {multi, -1, false}, {multi, 1.5, false},
		{regression, -1e9, true}, {regression, 0.5, true}, {regression, 7, true},
	} {
		err := tt.cfg.CheckLabel(tt.y)
		if (err == nil) != tt.want || err != nil && !errors.Is(err, ErrLabel) {
			t.Errorf("%s: CheckLabel(%v) = %v, want accepted %v", tt.cfg.Task, tt.y, err, tt.want)
		}
		m, err := New(tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Learn([]float64{0.5, -0.25}, tt.y); (err == nil) != tt.want {
			t.Errorf("%s: Learn with label %v = %v, want accepted %v", tt.cfg.Task, tt.y, err, tt.want)
		}
	}
}

// TestBinaryMinusOne: -1, the negative class of -1/+1 labels, learns as 0.
func TestBinaryMinusOne(t *testing.T) {
	cfg := Config{Task: TaskBinary, Features: 3}
	a, b := mustNew(t, cfg), mustNew(t, cfg)
	for i, x := range [][]float64{{1, 2, 3}, {-1, 0.5, 2}, {0, -3, 1}} {
		y := float64(i % 2)
		yb := y
		if y == 0 {
			yb = -1
		}
		if err := a.Learn(x, y); err != nil {
			t.Fatal(err)
		}
		if err := b.Learn(x, yb); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(marshal(t, a), marshal(t, b)) {
		t.Error("labels -1 learned differently from 0")
	}
}

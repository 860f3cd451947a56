package score

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/streamsgd/streamsgd/model"
)

// trainedModel is a model of cfg after a few hundred SGD steps on random
// rows with shifted, scaled features (so that the standardisation is far
// from the identity), and labels of the task.
func trainedModel(t testing.TB, cfg model.Config, seed uint64) *model.Model {
	t.Helper()
	m, err := model.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 1))
	for range 500 {
		x := randomRow(r, cfg.Features)
		var y float64
		switch cfg.Task {
		case model.TaskBinary:
			y = float64(r.IntN(2))
		case model.TaskMulticlass:
			y = float64(r.IntN(cfg.Classes))
		default:
			y = 3*x[0] - x[len(x)-1] + r.NormFloat64()
		}
		if err := m.Learn(x, y); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// randomRow has features of different means and scales.
func randomRow(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = float64(i%5)*10 + float64(1+i%3)*r.NormFloat64()
	}
	return x
}

var kinds = []struct {
	name string
	cfg  model.Config
}{
	{"binary-logistic", model.Config{Task: model.TaskBinary, Features: 18}},
	{"multiclass-softmax", model.Config{Task: model.TaskMulticlass, Classes: 10, Features: 37}},
	{"regression-squared", model.Config{Task: model.TaskRegression, Features: 7}},
	{"regression-huber", model.Config{Task: model.TaskRegression, Loss: model.LossHuber, Features: 5}},
	{"regression-target", model.Config{Task: model.TaskRegression, Features: 6, StandardizeTarget: true}},
	{"binary-one-feature", model.Config{Task: model.TaskBinary, Features: 1}},
}

// TestScoresEqualPredict: for every model kind, with and without
// standardisation, every way of scoring a block gives Predict's outputs
// within 1e-12 on random rows, for blocks of 0 to a few hundred rows.
func TestScoresEqualPredict(t *testing.T) {
	for _, k := range kinds {
		for _, std := range []bool{false, true} {
			cfg := k.cfg
			cfg.Standardize = std
			t.Run(fmt.Sprintf("%s/standardize=%v", k.name, std), func(t *testing.T) {
				m := trainedModel(t, cfg, 7)
				checkScorer(t, m, New(m))
				checkScorer(t, m, NewLoop(m))
			})
		}
	}
}

func checkScorer(t *testing.T, m *model.Model, s *Scorer) {
	t.Helper()
	r := rand.New(rand.NewPCG(42, 2))
	nf, nk := s.Features(), s.Outputs()
	for _, rows := range []int{0, 1, 3, 64, 193, 400} {
		xs := make([][]float64, rows)
		flat := make([]float64, 0, rows*nf)
		want := make([]float64, rows*nk)
		for i := range xs {
			xs[i] = randomRow(r, nf)
			flat = append(flat, xs[i]...)
			if err := m.Predict(xs[i], want[i*nk:(i+1)*nk]); err != nil {
				t.Fatal(err)
			}
		}
		orig := append([]float64(nil), flat...)
		got := make([]float64, rows*nk)
		if err := s.Score(flat, got); err != nil {
			t.Fatal(err)
		}
		same(t, fmt.Sprintf("Score, %d rows", rows), got, want)
		same(t, "Score's input", flat, orig) // not modified
		clear(got)
		if err := s.ScoreRows(xs, got); err != nil {
			t.Fatal(err)
		}
		same(t, fmt.Sprintf("ScoreRows, %d rows", rows), got, want)
		b := s.NewBlock(7)
		for i := range xs {
			if err := b.Add(xs[i]); err != nil {
				t.Fatal(err)
			}
		}
		out, err := b.Score()
		if err != nil {
			t.Fatal(err)
		}
		same(t, fmt.Sprintf("Block, %d rows", rows), out, want)
	}
}

func same(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d outputs, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); !(d <= 1e-12) {
			t.Fatalf("%s: output %d is %v, Predict %v (|diff| %g)", what, i, got[i], want[i], d)
		}
	}
}

// TestScorerIsASnapshot: learning after New does not change the scorer.
func TestScorerIsASnapshot(t *testing.T) {
	cfg := model.Config{Task: model.TaskBinary, Features: 3, Standardize: true}
	m := trainedModel(t, cfg, 1)
	s := New(m)
	x := []float64{1, 2, 3}
	before := make([]float64, 1)
	if err := s.Score(x, before); err != nil {
		t.Fatal(err)
	}
	seen := s.Seen()
	if err := m.Learn([]float64{100, -100, 50}, 1); err != nil {
		t.Fatal(err)
	}
	after := make([]float64, 1)
	if err := s.Score(x, after); err != nil {
		t.Fatal(err)
	}
	if before[0] != after[0] || s.Seen() != seen || seen != 500 {
		t.Errorf("scorer changed with the model: %v -> %v, seen %d", before[0], after[0], s.Seen())
	}
}

// TestScorerErrors: shapes and non-finite features are errors, naming the
// row and the feature, for the block and the loop alike.
func TestScorerErrors(t *testing.T) {
	for _, std := range []bool{false, true} {
		cfg := model.Config{Task: model.TaskMulticlass, Classes: 3, Features: 2, Standardize: std}
		m := trainedModel(t, cfg, 3)
		for _, s := range []*Scorer{New(m), NewLoop(m)} {
			name := fmt.Sprintf("standardize=%v/loop=%v", std, s.loop)
			cases := []struct {
				name string
				run  func() error
				want error
			}{
				{"partial row", func() error { return s.Score([]float64{1, 2, 3}, make([]float64, 6)) }, ErrShape},
				{"short output", func() error { return s.Score([]float64{1, 2, 3, 4}, make([]float64, 5)) }, ErrShape},
				{"row too short", func() error { return s.ScoreRows([][]float64{{1}}, make([]float64, 3)) }, ErrShape},
				{"NaN", func() error { return s.Score([]float64{1, 2, 3, math.NaN()}, make([]float64, 6)) }, ErrValue},
				{"+Inf", func() error { return s.ScoreRows([][]float64{{1, 2}, {math.Inf(1), 0}}, make([]float64, 6)) }, ErrValue},
			}
			for _, c := range cases {
				err := c.run()
				if !errors.Is(err, c.want) {
					t.Errorf("%s: %s: %v, want %v", name, c.name, err, c.want)
				}
				var re *RowError
				if c.want == ErrValue && (!errors.As(err, &re) || re.Row != 1) {
					t.Errorf("%s: %s: %v, want row 1", name, c.name, err)
				}
			}
		}
	}
}

func TestPredicted(t *testing.T) {
	for _, c := range []struct {
		task model.Task
		out  []float64
		want float64
	}{
		{model.TaskBinary, []float64{0.5}, 1},
		{model.TaskBinary, []float64{0.4999}, 0},
		{model.TaskMulticlass, []float64{0.2, 0.4, 0.4}, 1},
		{model.TaskMulticlass, []float64{0.9, 0.05, 0.05}, 0},
		{model.TaskRegression, []float64{-3.5}, -3.5},
	} {
		if got := Predicted(c.task, c.out); got != c.want {
			t.Errorf("Predicted(%s, %v) = %v, want %v", c.task, c.out, got, c.want)
		}
	}
}

// TestBlockRebind: a block rebound to another model scores with it.
func TestBlockRebind(t *testing.T) {
	cfg := model.Config{Task: model.TaskBinary, Features: 4, Standardize: true}
	m1, m2 := trainedModel(t, cfg, 1), trainedModel(t, cfg, 2)
	x := []float64{1, -2, 3, 0.5}
	b := New(m1).NewBlock(1)
	for _, m := range []*model.Model{m1, m2, m1} {
		b.Rebind(New(m))
		if err := b.Add(x); err != nil {
			t.Fatal(err)
		}
		got, err := b.Score()
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float64, 1)
		if err := m.Predict(x, want); err != nil {
			t.Fatal(err)
		}
		same(t, "rebound block", got, want)
	}
}

// TestBlockScoreInto: ScoreInto writes Score's outputs where it is told,
// and refuses a short output.
func TestBlockScoreInto(t *testing.T) {
	m := trainedModel(t, model.Config{Task: model.TaskMulticlass, Classes: 3, Features: 2, Standardize: true}, 4)
	b := New(m).NewBlock(2)
	for _, x := range [][]float64{{1, 2}, {-3, 0.5}} {
		if err := b.Add(x); err != nil {
			t.Fatal(err)
		}
	}
	want, err := b.Score()
	if err != nil {
		t.Fatal(err)
	}
	want = append([]float64(nil), want...)
	got := make([]float64, 6)
	if err := b.ScoreInto(got); err != nil {
		t.Fatal(err)
	}
	same(t, "ScoreInto", got, want)
	if err := b.ScoreInto(got[:5]); !errors.Is(err, ErrShape) {
		t.Errorf("short output: %v", err)
	}
}

package quality

import (
	"math"
	"testing"

	"github.com/streamsgd/streamsgd/datasets/susy"
	"github.com/streamsgd/streamsgd/model"
)

// SUSY protocol: one pass of online logistic regression with online
// standardisation over the first trainRows rows of seed trainSeed, in stream
// order, one Learn per row; then accuracy on heldOutRows rows of heldOutSeed.
// The data are logistic in the features by construction, so a well-tuned
// online learner should approach the Bayes accuracy measured on the very same
// held-out rows.
const (
	trainSeed   = 1
	trainRows   = 1_000_000
	heldOutSeed = 2
	heldOutRows = 100_000
	// maxGapToBayes is the allowed shortfall of held-out accuracy below the
	// Bayes accuracy of the same rows: half a point.
	maxGapToBayes = 0.005
)

// TestSUSYOnePass takes about 1 s per case here (2 cores, shared).
func TestSUSYOnePass(t *testing.T) {
	xs, ys, bayes := susyHeldOut(t)
	t.Logf("Bayes accuracy on the %d held-out rows: %.4f", heldOutRows, bayes)
	tests := []struct {
		name string
		opt  model.Optimizer
	}{
		{"adam_lr0.001", model.Optimizer{Name: model.OptimizerAdam, LearningRate: 0.001}},
		{"adagrad_lr0.1", model.Optimizer{Name: model.OptimizerAdaGrad, LearningRate: 0.1}},
		{"ftrl_alpha0.1", model.Optimizer{Name: model.OptimizerFTRL, LearningRate: 0.1}},
		{"sgd_lr0.5_inverse_sqrt", model.Optimizer{Name: model.OptimizerSGD, LearningRate: 0.5, Schedule: model.ScheduleInverseSqrt}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.name != tests[0].name {
				t.Skip("one optimizer only with -short")
			}
			m := newModel(t, model.Config{
				Task: model.TaskBinary, Learner: model.LearnerLogistic,
				Features: susy.Features, Optimizer: tc.opt, Standardize: true,
			})
			g := susy.New(trainSeed)
			x := make([]float64, susy.Features)
			for range trainRows {
				label, _ := g.Next(x)
				if err := m.Learn(x, float64(label)); err != nil {
					t.Fatal(err)
				}
			}
			acc := accuracy(predictAll(t, m, xs), ys)
			t.Logf("held-out accuracy %.4f, Bayes %.4f, gap %.2f points", acc, bayes, 100*(bayes-acc))
			if math.Abs(bayes-acc) > maxGapToBayes {
				t.Errorf("held-out accuracy %.4f is %.2f points from Bayes %.4f, want within %.1f",
					acc, 100*(bayes-acc), bayes, 100*maxGapToBayes)
			}
		})
	}
}

// susyHeldOut draws the held-out rows and the Bayes accuracy on them.
func susyHeldOut(t *testing.T) (xs [][]float64, ys []float64, bayes float64) {
	t.Helper()
	g := susy.New(heldOutSeed)
	xs, ys = make([][]float64, heldOutRows), make([]float64, heldOutRows)
	ps := make([]float64, heldOutRows)
	for i := range xs {
		xs[i] = make([]float64, susy.Features)
		label, p := g.Next(xs[i])
		ys[i], ps[i] = float64(label), p
	}
	bayes = accuracy(ps, ys)
	if want := susy.BayesAccuracy(heldOutSeed, heldOutRows); bayes != want {
		t.Fatalf("Bayes accuracy on held-out rows %v, susy.BayesAccuracy %v: not the same rows", bayes, want)
	}
	return xs, ys, bayes
}

func newModel(t *testing.T, cfg model.Config) *model.Model {
	t.Helper()
	m, err := model.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// predictAll returns out[0] of Predict for every row.
func predictAll(t *testing.T, m *model.Model, xs [][]float64) []float64 {
	t.Helper()
	preds := make([]float64, len(xs))
	out := make([]float64, m.Outputs())
	for i, x := range xs {
		if err := m.Predict(x, out); err != nil {
			t.Fatal(err)
		}
		preds[i] = out[0]
	}
	return preds
}

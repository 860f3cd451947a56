package quality

import (
	"path/filepath"
	"testing"

	"github.com/streamsgd/streamsgd/model"
)

// dataDir holds the CSVs and sklearn_reference.json.
var dataDir = filepath.Join("..", "..", "examples", "data")

// Tolerances against the batch scikit-learn figures, one-sided: the online
// learner may do better on these small test sets, never much worse.
//   - accuracy: at most 3 points below. The test sets have 114 rows, so one
//     row is 0.9 points and the batch model's own sampling error is about
//     1.7 points (sqrt(0.965·0.035/114)).
//   - AUC: at most 0.02 below, the same few rows reordered.
//   - log loss: at most 0.05 above. A few epochs of SGD are less calibrated
//     than lbfgs run to convergence; 0.05 still separates a working learner
//     (≈0.1) from a useless one (predicting the train class rate scores 0.65).
//   - RMSE: at most 5% above; R²: at most 0.05 below. Ordinary least squares
//     is the best linear fit on the train rows; SGD with a constant step
//     hovers near it. Predicting the train mean scores RMSE 76.4, R² −0.01,
//     far outside.
const (
	maxAccuracyDrop = 0.03
	maxAUCDrop      = 0.02
	maxLogLossRise  = 0.05
	maxRMSERatio    = 1.05
	maxR2Drop       = 0.05
)

// TestSklearnReference trains online learners with standardisation on the
// train rows of the shipped CSVs, for the stated number of passes in file
// order (no shuffling), and compares held-out scores with
// sklearn_reference.json.
func TestSklearnReference(t *testing.T) {
	ref, err := ReadReference(filepath.Join(dataDir, "sklearn_reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dataset string // key in ref.Datasets
		cfg     model.Config
		passes  int
	}{
		{"logistic_adam_1pass", "breast_cancer", binaryConfig(model.Optimizer{Name: model.OptimizerAdam, LearningRate: 0.01}), 1},
		{"logistic_adam_3passes", "breast_cancer", binaryConfig(model.Optimizer{Name: model.OptimizerAdam, LearningRate: 0.01}), 3},
		{"logistic_sgd_inverse_sqrt_5passes", "breast_cancer", binaryConfig(model.Optimizer{Name: model.OptimizerSGD, LearningRate: 0.5, Schedule: model.ScheduleInverseSqrt}), 5},
		{"linear_sgd_1pass", "diabetes", regressionConfig(model.Optimizer{Name: model.OptimizerSGD, LearningRate: 0.01}), 1},
		{"linear_sgd_3passes", "diabetes", regressionConfig(model.Optimizer{Name: model.OptimizerSGD, LearningRate: 0.01}), 3},
		{"linear_adam_3passes", "diabetes", regressionConfig(model.Optimizer{Name: model.OptimizerAdam, LearningRate: 1}), 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, ok := ref.Datasets[tc.dataset]
			if !ok {
				t.Fatalf("no data set %q in the reference", tc.dataset)
			}
			train, test := loadSplit(t, want)
			tc.cfg.Features = len(train.Features)
			m := newModel(t, tc.cfg)
			for range tc.passes {
				for i, x := range train.X {
					if err := m.Learn(x, train.Y[i]); err != nil {
						t.Fatal(err)
					}
				}
			}
			pred := predictAll(t, m, test.X)
			switch want.Task {
			case "binary":
				checkBinary(t, pred, test.Y, want)
			case "regression":
				checkRegression(t, pred, test.Y, want)
			default:
				t.Fatalf("unknown task %q", want.Task)
			}
		})
	}
}

func binaryConfig(opt model.Optimizer) model.Config {
	return model.Config{Task: model.TaskBinary, Learner: model.LearnerLogistic, Optimizer: opt, Standardize: true}
}

func regressionConfig(opt model.Optimizer) model.Config {
	return model.Config{Task: model.TaskRegression, Learner: model.LearnerLinear, Loss: model.LossSquared, Optimizer: opt, Standardize: true}
}

// loadSplit reads a data set and checks its split sizes against the
// reference, which proves both sides used the same split.
func loadSplit(t *testing.T, want DatasetRef) (train, test *Table) {
	t.Helper()
	tab, err := ReadCSVFile(filepath.Join(dataDir, want.File), want.LabelColumn)
	if err != nil {
		t.Fatal(err)
	}
	train, test = tab.Split()
	if len(train.X) != want.NTrain || len(test.X) != want.NTest {
		t.Fatalf("split %d/%d rows, reference %d/%d", len(train.X), len(test.X), want.NTrain, want.NTest)
	}
	return train, test
}

func checkBinary(t *testing.T, p, y []float64, want DatasetRef) {
	t.Helper()
	acc, ll, a := accuracy(p, y), logLoss(p, y), auc(p, y)
	t.Logf("accuracy %.4f (sklearn %.4f), log loss %.4f (%.4f), AUC %.4f (%.4f)",
		acc, want.Accuracy, ll, want.LogLoss, a, want.AUC)
	if acc < want.Accuracy-maxAccuracyDrop {
		t.Errorf("accuracy %.4f, want >= sklearn %.4f - %.2f", acc, want.Accuracy, maxAccuracyDrop)
	}
	if ll > want.LogLoss+maxLogLossRise {
		t.Errorf("log loss %.4f, want <= sklearn %.4f + %.2f", ll, want.LogLoss, maxLogLossRise)
	}
	if a < want.AUC-maxAUCDrop {
		t.Errorf("AUC %.4f, want >= sklearn %.4f - %.2f", a, want.AUC, maxAUCDrop)
	}
}

func checkRegression(t *testing.T, pred, y []float64, want DatasetRef) {
	t.Helper()
	e, r := rmse(pred, y), r2(pred, y)
	t.Logf("RMSE %.3f (sklearn %.3f, ratio %.3f), R² %.4f (sklearn %.4f)", e, want.RMSE, e/want.RMSE, r, want.R2)
	if e > want.RMSE*maxRMSERatio {
		t.Errorf("RMSE %.3f, want <= sklearn %.3f × %.2f", e, want.RMSE, maxRMSERatio)
	}
	if r < want.R2-maxR2Drop {
		t.Errorf("R² %.4f, want >= sklearn %.4f - %.2f", r, want.R2, maxR2Drop)
	}
}

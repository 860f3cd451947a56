package processors

import (
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

func binarySpec(name string, features int) ModelSpec {
	s := ModelSpec{
		Name: name, Shards: 1, EmitEvery: 4,
		Model: model.Config{Task: model.TaskBinary, Learner: "logistic", Features: features,
			Optimizer: model.Optimizer{Name: "adam", LearningRate: 0.05}, Standardize: true},
		Window: metrics.WindowConfig{Task: "binary", Size: 10, Buckets: 5, Bins: 8},
	}
	s.Model.EnsureDefaults()
	return s
}

func regressionSpec(name, keyColumn string, features int) ModelSpec {
	s := ModelSpec{
		Name: name, KeyColumn: keyColumn, Shards: 1, EmitEvery: 3,
		Model: model.Config{Task: model.TaskRegression, Learner: "linear", Loss: "squared", Features: features,
			Optimizer: model.Optimizer{Name: "sgd", LearningRate: 0.05}},
		Window: metrics.WindowConfig{Task: "regression", Size: 10, Buckets: 5},
	}
	s.Model.EnsureDefaults()
	return s
}

func multiclassSpec(name string, features, classes int) ModelSpec {
	s := ModelSpec{
		Name: name, Shards: 1, EmitEvery: 4,
		Model: model.Config{Task: model.TaskMulticlass, Learner: "softmax", Features: features, Classes: classes,
			Optimizer: model.Optimizer{Name: "sgd", LearningRate: 0.05}},
		Window: metrics.WindowConfig{Task: "multiclass", Size: 10, Buckets: 5},
	}
	s.Model.EnsureDefaults()
	return s
}

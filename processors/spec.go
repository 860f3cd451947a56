package processors

import (
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// ModelSpec is what the processors need to know of one model of a pipeline.
type ModelSpec struct {
	// Name of the model, unique in the pipeline.
	Name string
	// KeyColumn selects per-entity models by an input column; empty for a
	// global model.
	KeyColumn string
	// Shards of a global model (>= 1).
	Shards int
	// Model configures the learner.
	Model model.Config
	// Window configures the rolling metrics.
	Window metrics.WindowConfig
	// EmitEvery: a metric snapshot every EmitEvery learned rows per key.
	EmitEvery int64
}

// PerEntity reports whether the model has one instance per entity.
func (s ModelSpec) PerEntity() bool { return s.KeyColumn != "" }

package processors

import (
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// ModelSpec is what the processors need to know of one model of a
// pipeline: the sections of its config (package config) as they are, with
// defaults applied and validated, and what the pipeline derives from them.
// Each field is documented, with its default, where it is defined.
type ModelSpec struct {
	// Name of the model (config.Model.Name).
	Name string
	// KeyColumn selects per-entity models by an input column
	// (config.Model.Key); empty for a global model.
	KeyColumn string
	// Shards of a global model (config.Model.Shards).
	Shards int
	// Model configures the learner (config.Model.Config), its Features
	// derived from the input.
	Model model.Config
	// Window configures the rolling metrics (config.Metrics.Window), its
	// Task the model's.
	Window metrics.WindowConfig
	// EmitEvery: a metric snapshot every EmitEvery learned rows per key
	// (config.Metrics.EmitEvery).
	EmitEvery int64
	// MixEvery: with Shards > 1, a shard publishes its state for merging
	// and mixes the merged model back in every MixEvery learned rows
	// (config.Model.MixEvery).
	MixEvery int64
	// Checkpoint says when the registry gets a new version
	// (config.Model.Checkpoints).
	Checkpoint config.Checkpoints
	// ConfigHash identifies the model's config (config.Pipeline.ModelHash),
	// recorded in every checkpoint version.
	ConfigHash string
}

// PerEntity reports whether the model has one instance per entity.
func (s ModelSpec) PerEntity() bool { return s.KeyColumn != "" }

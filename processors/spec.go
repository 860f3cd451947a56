package processors

import (
	"time"

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
	// MixEvery: with Shards > 1, a shard publishes its state for merging
	// and mixes the merged model back in every MixEvery learned rows.
	MixEvery int64
	// Checkpoint says when the registry gets a new version.
	Checkpoint CheckpointSpec
	// ConfigHash identifies the model's config (hex), recorded in every
	// checkpoint version.
	ConfigHash string
}

// CheckpointSpec says when a model key gets a new version: after EveryRows
// more learned rows or Every since its last version; Keep versions are kept
// besides the pinned ones.
type CheckpointSpec struct {
	EveryRows int64
	Every     time.Duration
	Keep      int
}

// PerEntity reports whether the model has one instance per entity.
func (s ModelSpec) PerEntity() bool { return s.KeyColumn != "" }

package processors

import (
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/drift"
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
	// Drift configures the drift detector of every key of the model, and
	// its background learner (config.Model.Drift).
	Drift drift.Config
	// Checkpoint says when the registry gets a new version
	// (config.Model.Checkpoints).
	Checkpoint config.Checkpoints
	// ConfigHash identifies the model's config (config.Pipeline.ModelHash),
	// recorded in every checkpoint version.
	ConfigHash string
}

// PerEntity reports whether the model has one instance per entity.
func (s ModelSpec) PerEntity() bool { return s.KeyColumn != "" }

// MergedKey reports whether the live state of key, a key of this model,
// is in the merge table: the merged model of a sharded global model,
// whose key is the model's name. Every other key's (a shard's, as the
// predictions and metrics name them, an entity's, an unsharded model's)
// is in the learn table.
func (s ModelSpec) MergedKey(key string) bool {
	return !s.PerEntity() && s.Shards > 1 && key == s.Name
}

// Shape is what the table codecs need to know of the model.
func (s ModelSpec) Shape() table.Shape {
	shards := s.Shards
	if s.PerEntity() {
		shards = 1
	}
	return table.Shape{Model: s.Model, Window: s.Window, Shards: shards, Drift: s.Drift}
}

// Shapes returns the Shape of every model of specs, by name: what the
// table codecs (table.StateCodec, table.ShardCodec) take.
func Shapes(specs map[string]ModelSpec) map[string]table.Shape {
	shapes := make(map[string]table.Shape, len(specs))
	for name, s := range specs {
		shapes[name] = s.Shape()
	}
	return shapes
}

// shardIndex returns the index of key among the model's shard keys, and
// false when key is not one (see table.ShardIndex).
func (s ModelSpec) shardIndex(key string) (int, bool) {
	return table.ShardIndex(s.Name, s.Shape().Shards, key)
}

// newState makes the empty state of a model key, its first metric
// snapshot due after EmitEvery rows.
func newState(spec ModelSpec, key string) (*table.ModelState, error) {
	st, err := table.NewModelState(spec.Name, key, spec.Shape())
	if err != nil {
		return nil, err
	}
	st.NextEmit = spec.EmitEvery
	return st, nil
}

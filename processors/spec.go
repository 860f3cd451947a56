package processors

import (
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
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

// Shape is what the table codecs need to know of the model.
func (s ModelSpec) Shape() table.Shape {
	shards := s.Shards
	if s.PerEntity() {
		shards = 1
	}
	return table.Shape{Model: s.Model, Window: s.Window, Shards: shards}
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

package table

import (
	"github.com/streamsgd/streamsgd/drift"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// Shape is what the codecs need to know of a model to rebuild its states:
// a learner and a window of the right configs, and the shards a merged
// state may hold. processors.ModelSpec.Shape makes one.
type Shape struct {
	// Model configures the learner.
	Model model.Config
	// Window configures the rolling metrics.
	Window metrics.WindowConfig
	// Shards of a data-parallel global model; 0 or 1 for a model that is
	// not sharded (every per-entity model).
	Shards int
	// Drift configures the drift monitor of the learn table's states;
	// its zero value (or detector "none") keeps none.
	Drift drift.Config
}

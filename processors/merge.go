package processors

import (
	"fmt"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// Merge is the merge group of data-parallel global models (iterative
// parameter mixing). Its input is <p>.shards, keyed by model name; its
// table <p>-merge-table holds, per model name, a table.ModelState (encoded
// by table.StateCodec, like the learn table's) whose Shards are the latest
// ShardState of every shard and whose Learner, Window and counts are their
// merged model:
//
//   - Learner: model.Average of the shards' learners weighted by the rows
//     each has learned in total: weights and biases, the scaler statistics
//     (pooled: with row weights they are exactly the statistics of all the
//     shards' rows) and the optimizer state (Adam's moments and bias
//     powers, AdaGrad's and FTRL's accumulators) are averaged, Seen summed.
//     The optimizer state matters only if training resumes from the merged
//     model; predictions use weights and scaler.
//   - Rows and Invalid: sums over the shards (each as of its latest
//     ShardState, so up to MixEvery-1 rows per shard behind its learn state).
//   - Window: metrics.Window.Combine of the shards' windows: the most recent
//     buckets of all shards, about Window.Size prequential rows in all.
//   - Key is the model name, Watermarks empty (the shards keep theirs),
//     NextEmit 0.
//
// A ShardState with fewer rows than the one the table holds for that shard
// is ignored: redeliveries and retries of <p>.shards never move a shard
// back. One with as many rows or more replaces it (after a learner crash
// the shard repeats rows it had published, and its new lineage wins).
//
// The merged model is what the checkpoint registry versions and scoring
// serves; the shards mix it back in as Learn describes.
type Merge struct {
	// Specs of the pipeline's models by name.
	Specs map[string]ModelSpec
}

// Process is the goka callback of the merge group.
func (m *Merge) Process(ctx goka.Context, msg interface{}) {
	if msg == nil {
		return // a tombstone on the shards topic: no shard state
	}
	u, ok := msg.(*table.ShardState)
	if !ok {
		ctx.Fail(fmt.Errorf("processors: merge: unexpected message %T", msg))
		return
	}
	if u.Model != ctx.Key() {
		ctx.Fail(fmt.Errorf("processors: merge: shard state of model %q under key %q", u.Model, ctx.Key()))
		return
	}
	st, _ := ctx.Value().(*table.ModelState)
	next, err := m.Step(st, u)
	if err != nil {
		ctx.Fail(fmt.Errorf("processors: merge %s from shard %s at %d rows: %w", u.Model, u.Key, u.Rows, err))
		return
	}
	if next != nil {
		ctx.SetValue(next)
	}
}

// Step records a shard's state in the merged state of its model (nil: none
// yet) and recomputes the merged model. It returns nil when u is older than
// the shard's recorded state (nothing to store). st is modified in place.
func (m *Merge) Step(st *table.ModelState, u *table.ShardState) (*table.ModelState, error) {
	spec, ok := m.Specs[u.Model]
	if !ok {
		return nil, fmt.Errorf("processors: shard state of unknown model %q", u.Model)
	}
	if i, ok := spec.shardIndex(u.Key); !ok || i != u.Shard {
		return nil, fmt.Errorf("processors: %q is not shard %d of model %s (%d shards)", u.Key, u.Shard, spec.Name, spec.Shards)
	}
	if st == nil {
		var err error
		if st, err = newState(spec, spec.Name); err != nil {
			return nil, err
		}
	}
	if len(st.Shards) != spec.Shards { // a new state (a decoded one has them all)
		st.Shards = make([]*table.ShardState, spec.Shards)
	}
	if old := st.Shards[u.Shard]; old != nil && u.Rows < old.Rows {
		return nil, nil
	}
	st.Shards[u.Shard] = u
	if err := remerge(st); err != nil {
		return nil, err
	}
	return st, nil
}

// remerge recomputes the merged model from the shards.
func remerge(st *table.ModelState) error {
	var (
		learners []*model.Model
		weights  []float64
		windows  []*metrics.Window
	)
	st.Rows, st.Invalid = 0, 0
	for _, sh := range st.Shards {
		if sh == nil {
			continue
		}
		st.Rows += sh.Rows
		st.Invalid += sh.Invalid
		windows = append(windows, sh.Window)
		if sh.Rows > 0 {
			learners = append(learners, sh.Learner)
			weights = append(weights, float64(sh.Rows))
		}
	}
	if len(learners) > 0 {
		if err := model.Average(st.Learner, learners, weights); err != nil {
			return fmt.Errorf("merge: %w", err)
		}
	}
	if len(windows) > 0 {
		if err := st.Window.Combine(windows); err != nil {
			return fmt.Errorf("merge metrics: %w", err)
		}
	}
	st.Watermarks, st.NextEmit = nil, 0
	return nil
}

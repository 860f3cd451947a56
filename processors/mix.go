package processors

import (
	"fmt"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/model"
)

// MergedFunc returns the merge table's state of a model (see Merge), nil
// when the merge group has none yet.
type MergedFunc func(model string) (*table.ModelState, error)

// StepMerged is Step for the shards of data-parallel global models
// (ModelSpec.Shards > 1): iterative parameter mixing. Every time a shard
// has learned a multiple of MixEvery rows, in the middle of a batch if
// need be, it
//
//  1. publishes its state (LearnOutput.Shards, emitted to <p>.shards for
//     the merge group) as it is after that row, then
//  2. mixes the merged model back in: merged(model) gives the merge table's
//     latest state, whose Shards hold what every shard last published, and
//     the shard's weights and biases are replaced (alpha 1, as in iterative
//     parameter mixing) by the average of its own current ones and the
//     other shards' published ones, weighted by the rows each has learned.
//     The shard uses its own current parameters rather than its stale
//     published entry, so that none of its own learning since it last
//     published is lost however far the merge lags behind. The shard keeps
//     its own optimizer state (Adam's moments and bias powers, AdaGrad's
//     and FTRL's accumulators: per-shard estimates of the same gradient
//     statistics; resetting them would restart Adam's bias correction and
//     make large steps after every mix; with FTRL, z is set to give the
//     mixed weights), its own scaler statistics (they converge to the same
//     values on one stream, and keeping them keeps each scaler's count the
//     shard's own rows, which the merge's pooled statistics rely on) and its
//     own row count.
//
// merged nil (and Step) publishes without mixing. The rows and the points
// where a shard mixes are deterministic, so a sharded model is exactly-once
// like any other (no row lost or applied twice: a redelivered row is
// skipped by the watermarks). Which merged state a mix sees depends on how
// far the merge group has got, which is timing: unlike unsharded and
// per-entity models, the weights of a sharded model are not reproducible
// bit for bit across runs (or across a crash and its replay).
func (l *Learn) StepMerged(st *table.ModelState, b *wire.ExampleBatch, merged MergedFunc) (LearnOutput, error) {
	return l.step(st, b, merged)
}

// lookupMerged returns the MergedFunc of a goka callback: a lookup in the
// merge table, or nil when the learn group has none (no sharded model).
func (l *Learn) lookupMerged(ctx goka.Context) MergedFunc {
	if l.Merged == "" {
		return nil
	}
	return func(name string) (*table.ModelState, error) {
		v := ctx.Lookup(l.Merged, name)
		if v == nil {
			return nil, nil
		}
		st, ok := v.(*table.ModelState)
		if !ok {
			return nil, fmt.Errorf("merge table %s: unexpected value %T for %q", l.Merged, v, name)
		}
		return st, nil
	}
}

// MixEvent describes one mixing point of a shard, for Learn.OnMix.
type MixEvent struct {
	// Model and Shard name the shard; Rows it has learned.
	Model string
	Shard int
	Rows  int64
	// Others is the number of other shards whose published states were
	// mixed in, and OthersRows the rows they had learned when they
	// published: 0 and 0 when the merge table had nothing to mix in yet.
	Others     int
	OthersRows int64
}

// mixer publishes and mixes the shard of one batch; nil for a key that is
// not a shard.
type mixer struct {
	every   int64
	shard   int
	merged  MergedFunc
	observe func(MixEvent)
	out     []*table.ShardState
}

func newMixer(spec ModelSpec, key string, merged MergedFunc, observe func(MixEvent)) (*mixer, error) {
	if spec.Shards <= 1 || spec.PerEntity() {
		return nil, nil
	}
	i, ok := spec.shardIndex(key)
	if !ok {
		return nil, fmt.Errorf("processors: key %q is not a shard of model %s (%d shards)", key, spec.Name, spec.Shards)
	}
	if spec.MixEvery < 1 {
		return nil, fmt.Errorf("processors: model %s: mix every %d rows, want >= 1", spec.Name, spec.MixEvery)
	}
	return &mixer{every: spec.MixEvery, shard: i, merged: merged, observe: observe}, nil
}

// learned is called after every row the shard learns.
func (x *mixer) learned(st *table.ModelState) error {
	if x == nil || st.Rows%x.every != 0 {
		return nil
	}
	x.out = append(x.out, publish(st, x.shard))
	if x.merged == nil {
		return nil
	}
	m, err := x.merged(st.Model)
	if err != nil {
		return err
	}
	ev := MixEvent{Model: st.Model, Shard: x.shard, Rows: st.Rows}
	if m != nil {
		if ev.Others, ev.OthersRows, err = mixIn(st.Learner, st.Rows, x.shard, m.Shards); err != nil {
			return fmt.Errorf("mix at %d rows: %w", st.Rows, err)
		}
	}
	if x.observe != nil {
		x.observe(ev)
	}
	return nil
}

// published returns the ShardStates of the batch.
func (x *mixer) published() []*table.ShardState {
	if x == nil {
		return nil
	}
	return x.out
}

// mixIn replaces the parameters of shard's learner own, which has learned
// rows rows, by the row-weighted average of its own and the other shards'
// published ones. It returns how many other shards it mixed in and their
// rows.
func mixIn(own *model.Model, rows int64, shard int, shards []*table.ShardState) (others int, otherRows int64, err error) {
	learners := []*model.Model{own}
	weights := []float64{float64(rows)}
	for i, sh := range shards {
		if i == shard || sh == nil || sh.Rows <= 0 {
			continue
		}
		learners = append(learners, sh.Learner)
		weights = append(weights, float64(sh.Rows))
		otherRows += sh.Rows
	}
	if len(learners) == 1 {
		return 0, 0, nil
	}
	avg := own.Clone()
	if err := model.Average(avg, learners, weights); err != nil {
		return 0, 0, err
	}
	return len(learners) - 1, otherRows, own.Mix(avg, 1)
}

// publish makes the ShardState of a shard's model state, with copies of
// its learner and window (the state goes on learning).
func publish(st *table.ModelState, shard int) *table.ShardState {
	return &table.ShardState{
		Model: st.Model, Key: st.Key, Shard: shard, Rows: st.Rows, Invalid: st.Invalid,
		Learner: st.Learner.Clone(), Window: st.Window.Clone(),
	}
}

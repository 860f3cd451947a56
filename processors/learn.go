package processors

import (
	"fmt"
	"strconv"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/runstats"
)

// Learn is the learn group: per model key, predict every row, update the
// rolling metrics with labeled rows, then take one SGD step per labeled row
// (prequential evaluation), with one table write per ExampleBatch.
type Learn struct {
	// Specs of the pipeline's models by name.
	Specs map[string]ModelSpec
	// Predictions is the output topic of PredictionBatches.
	Predictions goka.Stream
	// Metrics is the output topic of MetricSnapshots.
	Metrics goka.Stream
	// Events is the output topic of the drift monitors' Events.
	Events goka.Stream
	// States, if set, is the group table's codec; a failed step makes it
	// forget the key's cached state.
	States *table.StateCodec
	// SkipWatermarks turns the exactly-once check off: every batch is
	// applied and no watermark is kept. Benchmarks only: it measures the
	// cost of the check; never set in production.
	SkipWatermarks bool
	// Shards is the output topic of the ShardStates of data-parallel
	// models, and Merged the merge table they look up (see StepMerged);
	// both empty when no model is sharded.
	Shards goka.Stream
	Merged goka.Table
	// Stats, if set, counts per partition the rows of the batches (in) and
	// the predictions written (out); Models, if set, the rows each model
	// learned and its metric snapshots. Nil counts nothing.
	Stats  *runstats.Group
	Models *runstats.Models
	// OnMix, if set, observes every mixing point of a shard (called on the
	// goroutine of the shard's partition).
	OnMix func(MixEvent)
	// Refused, if set, is told why the group stops on a state that no
	// restart can use: one written under another config of its model
	// (the table codec's MismatchAsValue), before the group fails.
	Refused func(error)
	// Batches, if set, is the codec of the examples input: Process hands
	// each batch back to it once the batch is learned and its outputs are
	// encoded, for the next message's decode to reuse.
	Batches *wire.ExampleBatchPool
}

// LearnOutput is what learning one ExampleBatch produced.
type LearnOutput struct {
	// State is the new state to store, nil when the batch was a redelivery
	// that the state had already applied.
	State *table.ModelState
	// Predictions of the batch's rows (nil when it has no rows).
	Predictions *wire.PredictionBatch
	// Snapshot is a metric snapshot when one was due.
	Snapshot *wire.MetricSnapshot
	// Shards are the states a shard published (see StepMerged).
	Shards []*table.ShardState
	// Events are the drift events of the batch's rows (see observeDrift).
	Events []*wire.Event
}

// Process is the goka callback of the learn group.
func (l *Learn) Process(ctx goka.Context, msg interface{}) {
	if msg == nil {
		return // a tombstone on the examples topic: no example
	}
	b, ok := msg.(*wire.ExampleBatch)
	if !ok {
		ctx.Fail(fmt.Errorf("processors: learn: unexpected message %T", msg))
		return
	}
	var st *table.ModelState
	switch v := ctx.Value().(type) {
	case *table.ModelState:
		st = v
	case *table.UndecodableState:
		err := fmt.Errorf("model %s key %q: its state was learned under another config of the model (%w): "+
			"a model's learner, optimizer and metrics settings cannot change under its name; give the model, or the pipeline, "+
			"a new name (`streamsgd replay --keep` rebuilds one from the start of the input)", v.Model, b.Key, v.Err)
		if l.Refused != nil {
			l.Refused(err)
		}
		ctx.Fail(fmt.Errorf("processors: learn: %w", err))
		return
	}
	var before int64
	if st != nil {
		before = st.Rows
	}
	out, err := l.step(st, b, l.lookupMerged(ctx))
	if err != nil {
		if l.States != nil {
			l.States.Forget(b.Key)
		}
		ctx.Fail(fmt.Errorf("processors: learn key %q from %s/%d@%d: %w", b.Key, b.Source.Topic, b.Source.Partition, b.Source.Offset, err))
		return
	}
	switch {
	case out.State != nil:
		ctx.SetValue(out.State)
	case st != nil:
		// A redelivery the state had applied: the state is written
		// again, unchanged. The local store is written before the
		// changelog, so after a kill in between it is ahead of the
		// changelog, and the redelivery is the only message that would
		// bring the changelog up to it (see Join: Rewrite); without this
		// write a key with no later batch would be restored (by another
		// instance, or from a wiped store) without the rows of that
		// message.
		ctx.SetValue(st)
	}
	if out.Predictions != nil {
		ctx.Emit(l.Predictions, b.Key, out.Predictions)
	}
	if out.Snapshot != nil {
		ctx.Emit(l.Metrics, b.Key, out.Snapshot)
	}
	for _, s := range out.Shards {
		ctx.Emit(l.Shards, s.Model, s)
	}
	for _, e := range out.Events {
		ctx.Emit(l.Events, b.Key, e)
	}
	if l.Stats != nil || l.Models != nil {
		l.count(ctx.Partition(), b, out, before)
	}
	if l.Batches != nil {
		l.Batches.Release(b) // ctx encoded every output: nothing refers to b
	}
}

// count adds what learning one batch did to l.Stats and l.Models.
func (l *Learn) count(partition int32, b *wire.ExampleBatch, out LearnOutput, before int64) {
	predicted := 0
	if out.Predictions != nil {
		predicted = len(out.Predictions.Predictions)
	}
	l.Stats.Count(partition, len(b.Rows), predicted, 0)
	if out.State != nil {
		l.Models.Learned(b.Model, out.State.Rows-before)
	}
	if out.Snapshot != nil && l.Models != nil {
		l.Models.Observe(out.Snapshot)
	}
}

// Step applies one batch to a state (nil: the key's first batch). It is
// pure: the same state and batch give the same output, bit for bit.
//
// Exactly-once: the state keeps, per source partition, the offset of the
// last input message it applied, and when a batch ended inside that
// message (ExampleBatch.Partial) the index of the next row it expects of
// it (wire.Watermark). Rows at or below that mark are redeliveries: they change nothing, and are predicted again with the
// current model so that every row keeps at least one prediction, with the
// same id. The dead-lettered rows of a batch (Invalid, which belong to its
// last message: route ends a batch after a message with bad rows) are
// counted unless that message was applied already.
//
// The shards of a data-parallel model publish their state without mixing
// (StepMerged mixes).
func (l *Learn) Step(st *table.ModelState, b *wire.ExampleBatch) (LearnOutput, error) {
	return l.step(st, b, nil)
}

func (l *Learn) step(st *table.ModelState, b *wire.ExampleBatch, merged MergedFunc) (LearnOutput, error) {
	spec, ok := l.Specs[b.Model]
	if !ok {
		return LearnOutput{}, fmt.Errorf("processors: batch for unknown model %q", b.Model)
	}
	if st == nil {
		var err error
		if st, err = newState(spec, b.Key); err != nil {
			return LearnOutput{}, err
		}
	}
	src := b.Source
	applied := wire.Watermark{Offset: -1}
	if !l.SkipWatermarks {
		applied = st.Mark(src.Topic, src.Partition)
	}
	if allApplied(b, applied) {
		if b.Scores != nil { // delayed labels: predicted when the features came
			events, err := learnScored(st, b, applied, nil)
			return LearnOutput{Events: events}, err
		}
		preds, events, err := predictRows(st, b, applied, nil)
		return LearnOutput{Predictions: preds, Events: events}, err
	}
	mix, err := newMixer(spec, b.Key, merged, l.OnMix)
	if err != nil {
		return LearnOutput{}, err
	}
	var preds *wire.PredictionBatch
	var events []*wire.Event
	if b.Scores != nil {
		events, err = learnScored(st, b, applied, mix)
	} else {
		preds, events, err = predictRows(st, b, applied, mix)
	}
	if err != nil {
		return LearnOutput{}, err
	}
	st.Invalid += int64(b.Invalid)
	st.ForgetEvents()
	if !l.SkipWatermarks {
		var next int32 // the whole message at src.Offset
		if n := len(b.Rows); b.Partial && n > 0 {
			next = b.Rows[n-1].Index + 1
		}
		st.AdvanceTo(src.Topic, src.Partition, src.Offset, next)
	}
	out := LearnOutput{State: st, Predictions: preds, Shards: mix.published(), Events: events}
	if st.Rows >= st.NextEmit {
		for st.NextEmit <= st.Rows {
			st.NextEmit += spec.EmitEvery
		}
		out.Snapshot = snapshot(st, src)
	}
	return out, nil
}

// allApplied reports whether every row of b is at or below the watermark
// applied: rows of messages below its offset, and of the message at it,
// all of them or those below its Next.
func allApplied(b *wire.ExampleBatch, applied wire.Watermark) bool {
	switch off := b.Source.Offset; {
	case off != applied.Offset:
		return off < applied.Offset
	case applied.Next == 0:
		return true
	}
	n := len(b.Rows)
	return n > 0 && applied.Applied(b.Rows[n-1].Offset, b.Rows[n-1].Index)
}

// predictRows predicts every row of b; rows after the watermark applied
// (new rows) then update the metrics and, when labeled, train the model
// (and mix, when a shard reaches a mixing point) and feed the key's drift
// monitor, whose events it returns.
func predictRows(st *table.ModelState, b *wire.ExampleBatch, applied wire.Watermark, mix *mixer) (*wire.PredictionBatch, []*wire.Event, error) {
	if len(b.Rows) == 0 {
		return nil, nil, nil
	}
	var events []*wire.Event
	m := st.Learner
	k := m.Outputs()
	task := m.Config().Task
	scores := make([]float64, len(b.Rows)*k)
	labels := make([]float64, len(b.Rows))
	ids := predictionIDs(b)
	pb := &wire.PredictionBatch{Predictions: make([]wire.Prediction, len(b.Rows))}
	for i := range b.Rows {
		row := &b.Rows[i]
		out := scores[i*k : (i+1)*k : (i+1)*k]
		if err := m.Predict(row.Features, out); err != nil {
			return nil, nil, fmt.Errorf("row %d/%d: %w", row.Offset, row.Index, err)
		}
		pb.Predictions[i] = prediction(st, b, row, out, task, ids[i], &labels[i])
		if !row.HasLabel {
			continue
		}
		if applied.Applied(row.Offset, row.Index) {
			events = redeliveredEvents(st, b, row, events)
			continue
		}
		if err := LearnRow(st, row.Features, row.Label, out); err != nil {
			return nil, nil, fmt.Errorf("row %d/%d: %w", row.Offset, row.Index, err)
		}
		if err := mix.learned(st); err != nil {
			return nil, nil, fmt.Errorf("row %d/%d: %w", row.Offset, row.Index, err)
		}
		var err error
		if events, err = observeDrift(st, b, row, out, events); err != nil {
			return nil, nil, fmt.Errorf("row %d/%d: %w", row.Offset, row.Index, err)
		}
		m = st.Learner // a background learner may have replaced it
	}
	return pb, events, nil
}

// LearnRow is the prequential step of one labeled row after its prediction
// out (m.Predict of its features): the rolling metrics see the prediction,
// then the learner takes its step and the state counts the row. The learn
// group and `streamsgd learn` (package filelearn) both learn through it, so
// that a file learned in a topic's order gives the same models.
func LearnRow(st *table.ModelState, features []float64, label float64, out []float64) error {
	st.Window.Update(label, out)
	if err := st.Learner.Learn(features, label); err != nil {
		return err
	}
	st.Rows++
	return nil
}

// NewState makes the empty state of a model key as the learn group does
// for its first batch.
func NewState(spec ModelSpec, key string) (*table.ModelState, error) { return newState(spec, key) }

// EncodedStateSize is the size of a new state of spec under key, encoded
// as the learn table stores it.
func EncodedStateSize(spec ModelSpec, key string) (int, error) {
	st, err := newState(spec, key)
	if err != nil {
		return 0, err
	}
	b, err := st.AppendBinary(nil)
	return len(b), err
}

// prediction makes the prediction of one row; label is where its label is
// kept (one slice per batch, instead of an allocation per row).
func prediction(st *table.ModelState, b *wire.ExampleBatch, row *wire.Row, scores []float64, task model.Task, id string, label *float64) wire.Prediction {
	src := b.Source
	p := wire.Prediction{
		ID:    id,
		Topic: src.Topic, Partition: src.Partition, Offset: row.Offset, Index: row.Index,
		Model: b.Model, Key: b.Key, Version: st.Rows,
		Scores: scores, Predicted: predicted(task, scores),
	}
	if row.HasLabel {
		*label = row.Label
		p.Label = label
	}
	return p
}

// predictionIDs returns the ids of a batch's rows, cut from one string (one
// allocation per batch).
func predictionIDs(b *wire.ExampleBatch) []string {
	var buf []byte
	ends := make([]int, len(b.Rows))
	for i := range b.Rows {
		buf = appendPredictionID(buf, b.Source.Topic, b.Source.Partition, b.Rows[i].Offset, b.Rows[i].Index)
		ends[i] = len(buf)
	}
	all := string(buf)
	ids := make([]string, len(b.Rows))
	start := 0
	for i, end := range ends {
		ids[i] = all[start:end]
		start = end
	}
	return ids
}

// PredictionID is the deterministic id of the prediction of one input row:
// "topic/partition/offset/index".
func PredictionID(topic string, partition int32, offset int64, index int32) string {
	return string(appendPredictionID(nil, topic, partition, offset, index))
}

func appendPredictionID(b []byte, topic string, partition int32, offset int64, index int32) []byte {
	b = append(b, topic...)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(partition), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, offset, 10)
	b = append(b, '/')
	return strconv.AppendInt(b, int64(index), 10)
}

func predicted(task model.Task, scores []float64) float64 {
	switch task {
	case model.TaskBinary:
		if scores[0] >= 0.5 {
			return 1
		}
		return 0
	case model.TaskMulticlass:
		best := 0
		for i, s := range scores {
			if s > scores[best] {
				best = i
			}
		}
		return float64(best)
	default:
		return scores[0]
	}
}

func snapshot(st *table.ModelState, src wire.Source) *wire.MetricSnapshot {
	vals := st.Window.Values()
	ms := make([]wire.Metric, len(vals))
	for i, v := range vals {
		ms[i] = wire.Metric{Name: v.Name, Value: v.Value}
	}
	return &wire.MetricSnapshot{
		Model: st.Model, Key: st.Key, Version: st.Rows, Rows: st.Rows, Invalid: st.Invalid,
		Window: st.Window.Rows(), Metrics: ms,
		SourceTopic: src.Topic, SourcePartition: src.Partition, SourceOffset: src.Offset,
	}
}

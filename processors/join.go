package processors

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/runstats"
)

// Join is the join group of delayed labels. Its table, keyed by example
// id, pairs the features of an example (from route, on <p>.features) with
// its label (from the labels topic), whichever comes first waiting for
// the other (table.Pending):
//
//   - features: every model key of the row predicts it now, with the state
//     it has learned so far (a lookup on the learn table, the merge table
//     for a sharded model; a new model for a key with no state yet), and
//     the prediction goes to <p>.predictions at once; the features and
//     these predictions wait in the table for the label;
//   - label: the waiting features go to <p>.examples, one ExampleBatch of
//     one labeled row per model key, with the predictions made when they
//     arrived (ExampleBatch.Scores): the learner learns the row then and
//     scores its rolling metrics with those predictions;
//   - a label that comes first waits for its features in the same way, and
//     the pair goes to the learner when they come (predicted then).
//
// Exactly once: the batch of a pair carries as its source the message
// that completed the pair (the label's, or the features'), so that the
// learner's watermarks skip it when it is sent again; the entry keeps that
// message (Trigger), and its redelivery sends the pair again, unchanged.
// Features of an input row already in the entry (the same message
// redelivered, or route's redelivery of the input record, in a new
// message) emit the same predictions again and leave the entry as it is;
// so does a redelivered label.
//
// Rewrite: a redelivered message writes its entry again, unchanged. The
// local store is written before the changelog (goka sets a value, then
// emits it), so a process killed in between restarts with a store ahead
// of the changelog: the redelivery finds its effect already there, and
// without a write of its own the changelog would never get it. A later
// restore from the changelog (another instance, a wiped store) would
// then bring the entry back as it was before the message: a pair learned
// but waiting again, dead-lettered later as expired. Writing it again
// costs one record per redelivery.
//
// Bad labels, duplicates, expiry: a label that does not parse, that a
// model would refuse, or with an empty key is dead-lettered. A second
// label of an example (a different message) is dead-lettered as a
// duplicate (input.ReasonDuplicateLabel) and never learned, and a second
// features message of an id as a duplicate id. Entries expire (Expire,
// the visitor ExpireVisitor run by a loop beside the group): what waited
// is dead-lettered with a reason starting "expired" and the entry becomes
// a tombstone for one more period, so that a label coming after its
// features expired is dead-lettered as late; done entries are then
// deleted. So for every example: predicted + dead-lettered = sent, and
// every prediction is learned once, expired, or still waiting; every
// label is learned once, dead-lettered, expired, or still waiting.
type Join struct {
	// Specs of the pipeline's models by name.
	Specs map[string]ModelSpec
	// Classes of the labels: a label is one of them (its index), or a
	// number when empty (config.Label.Classes).
	Classes []string
	// Expiry of waiting entries; Partitions of the join table (the row
	// count is estimated from the entry's partition).
	Expiry     config.Expiry
	Partitions int
	// Features is the features topic (<p>.features): its offsets count
	// the rows for expiry.
	Features goka.Stream
	// The outputs.
	Examples, Predictions, DeadLetter goka.Stream
	// Relabels is <p>.repartitioned-labels, where a label record read in
	// a partition other than its key's goes on to its key's partition
	// (ProcessLabel); empty: none is forwarded (the goka tester's
	// single-partition tests).
	Relabels goka.Stream
	// The tables the predictions look the states up in: the learn table,
	// and for sharded models the merge table.
	LearnTable, MergeTable goka.Table
	// DeadLetterMaxBytes and DeadLetterEncoding fit the dead letters (see
	// Route); defaults DefaultMaxBytes and wire.JSON.
	DeadLetterMaxBytes int
	DeadLetterEncoding string
	// Stats, when set, counts the group's rows: in, the features and
	// label records read; out, the rows predicted; and the dead letters.
	Stats *runstats.Group

	mu        sync.Mutex
	positions map[int32]int64         // the last offset of Features seen, by partition
	fresh     map[string]*model.Model // new learners by model, for keys with no state yet
}

// ExpireVisitor is the name of the join group's visitor that expires
// entries (goka.Visitor; the meta of a visit is an ExpireTick).
const ExpireVisitor = "expire"

// ExpireTick is what a visit of the join table is given: the time now.
type ExpireTick struct{ NowMillis int64 }

// JoinInput is what a join step knows of its input message: where it
// comes from, its record timestamp (Unix milliseconds) and the position of
// its partition of the features topic (-1 when not known yet).
type JoinInput struct {
	Src wire.Source
	At  int64
	Row int64
	// Label is where a forwarded label record was read first (the labels
	// topic; ProcessRelabel), zero otherwise: a label's dead letters and
	// its redeliveries are known by it, while Src, the forwarded copy's
	// position, is the source of the pair it completes, in order with the
	// other pairs of its partition.
	Label wire.Source
}

// labelSource is where the label record of in was read first.
func (in JoinInput) labelSource() wire.Source {
	if in.Label != (wire.Source{}) {
		return in.Label
	}
	return in.Src
}

// Keyed is a value to emit with its key.
type Keyed[T any] struct {
	Key   string
	Value T
}

// JoinOutput is what one join step produced.
type JoinOutput struct {
	// Entry is the entry's new value; nil keeps it, unless Delete.
	Entry  *table.Pending
	Delete bool
	// Predictions by model key, Examples by model key, dead letters.
	Predictions []Keyed[*wire.PredictionBatch]
	Examples    []Keyed[*wire.ExampleBatch]
	Dead        []*wire.DeadLetter
}

// Init applies the defaults; call it once before the steps.
func (j *Join) Init() {
	if j.DeadLetterMaxBytes <= 0 {
		j.DeadLetterMaxBytes = DefaultMaxBytes
	}
	if j.DeadLetterEncoding == "" {
		j.DeadLetterEncoding = wire.JSON
	}
	if j.Partitions < 1 {
		j.Partitions = 1
	}
	j.positions = map[int32]int64{}
	j.fresh = map[string]*model.Model{}
}

// ProcessFeatures is the goka callback of <p>.features.
func (j *Join) ProcessFeatures(ctx goka.Context, msg any) {
	if msg == nil {
		return // a tombstone on the features topic (route writes none): no example
	}
	f, ok := msg.(*wire.Features)
	if !ok {
		ctx.Fail(fmt.Errorf("processors: join: unexpected message %T", msg))
		return
	}
	in := j.input(ctx)
	j.advance(in.Src.Partition, in.Src.Offset)
	in.Row = in.Src.Offset
	e, _ := ctx.Value().(*table.Pending)
	out, err := j.StepFeatures(e, f, in, lookupStates{ctx: ctx, j: j})
	if err != nil {
		ctx.Fail(fmt.Errorf("processors: join example %q from %s/%d@%d: %w", f.ID, in.Src.Topic, in.Src.Partition, in.Src.Offset, err))
		return
	}
	j.apply(ctx, out, 1)
}

// ProcessLabel is the goka callback of the labels topic. A label record
// in a partition other than the one goka's partitioner (FNV-1a, as
// sarama's and `streamsgd produce`'s) gives its key, as any producer with
// another partitioner writes it (Kafka's Java client: murmur2;
// librdkafka: CRC32), would never meet its example: it goes on to
// Relabels, under its key, to its key's partition (ProcessRelabel), as
// Kafka Streams repartitions a stream before a join.
func (j *Join) ProcessLabel(ctx goka.Context, msg any) {
	value, _ := msg.([]byte)
	in := j.input(ctx)
	if j.Relabels != "" && ctx.Key() != "" && table.Partition(ctx.Key(), j.Partitions) != ctx.Partition() {
		ctx.Emit(j.Relabels, ctx.Key(), &wire.Relabel{Source: in.Src, At: in.At, Value: value})
		return
	}
	j.label(ctx, value, in)
}

// ProcessRelabel is the goka callback of Relabels: a label record that
// ProcessLabel forwarded, with its original source and timestamp.
func (j *Join) ProcessRelabel(ctx goka.Context, msg any) {
	l, ok := msg.(*wire.Relabel)
	if !ok {
		if msg == nil {
			return // a tombstone (the join writes none)
		}
		ctx.Fail(fmt.Errorf("processors: join: unexpected relabel %T", msg))
		return
	}
	in := j.input(ctx)
	in.At, in.Label = l.At, l.Source
	j.label(ctx, l.Value, in)
}

// label joins a label record of ctx's key.
func (j *Join) label(ctx goka.Context, value []byte, in JoinInput) {
	in.Row = j.position(ctx.Partition())
	e, _ := ctx.Value().(*table.Pending)
	j.apply(ctx, j.StepLabel(e, ctx.Key(), value, in), 1)
}

// Expire is the goka visitor ExpireVisitor: meta is an ExpireTick.
func (j *Join) Expire(ctx goka.Context, meta any) {
	tick, ok := meta.(ExpireTick)
	if !ok {
		ctx.Fail(fmt.Errorf("processors: join: expire visit with %T", meta))
		return
	}
	e, _ := ctx.Value().(*table.Pending)
	if e == nil {
		return
	}
	j.apply(ctx, j.StepExpire(e, ctx.Key(), tick.NowMillis, j.position(ctx.Partition())), 0)
}

func (j *Join) input(ctx goka.Context) JoinInput {
	return JoinInput{
		Src: wire.Source{Topic: string(ctx.Topic()), Partition: ctx.Partition(), Offset: ctx.Offset()},
		At:  ctx.Timestamp().UnixMilli(),
	}
}

// apply writes out, the step of in records read (0 for a visit).
func (j *Join) apply(ctx goka.Context, out JoinOutput, in int) {
	for _, d := range out.Dead {
		ctx.Emit(j.DeadLetter, ctx.Key(), d)
	}
	predicted := 0
	for _, p := range out.Predictions {
		ctx.Emit(j.Predictions, p.Key, p.Value)
		predicted += len(p.Value.Predictions)
	}
	if j.Stats != nil {
		j.Stats.Count(ctx.Partition(), in, predicted, len(out.Dead))
		for _, d := range out.Dead {
			j.Stats.DeadLetter(d.Reason)
		}
	}
	for _, b := range out.Examples {
		ctx.Emit(j.Examples, b.Key, b.Value)
	}
	switch {
	case out.Delete:
		ctx.Delete()
	case out.Entry != nil:
		ctx.SetValue(out.Entry)
	}
}

// advance records the offset of the features topic that partition p has
// reached; position returns it (-1: none seen since the start).
func (j *Join) advance(p int32, offset int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.positions[p] = max(j.positions[p], offset)
}

func (j *Join) position(p int32) int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	if pos, ok := j.positions[p]; ok {
		return pos
	}
	return -1
}

// States returns the state a model key is predicted with: nil when it
// has none yet.
type States interface {
	State(key string, merged bool) (*table.ModelState, error)
}

// lookupStates reads the states with goka lookups.
type lookupStates struct {
	ctx goka.Context
	j   *Join
}

func (l lookupStates) State(key string, merged bool) (*table.ModelState, error) {
	tbl := l.j.LearnTable
	if merged {
		tbl = l.j.MergeTable
	}
	return lookup[*table.ModelState](l.ctx, tbl, key)
}

// StepFeatures joins the features of an example to its entry e (nil: none).
func (j *Join) StepFeatures(e *table.Pending, f *wire.Features, in JoinInput, states States) (JoinOutput, error) {
	var out JoinOutput
	switch {
	case e != nil && e.Features != nil && e.Features.Source == f.Source && e.Features.Index == f.Index:
		// The same input row again: a redelivery of this message (the
		// same predictions and pair again), or route's redelivery of its
		// input record in a new message (the same predictions again).
		if !e.Expired {
			j.resend(&out, e, e.FeaturesSource)
		}
		out.Entry = e // see Rewrite
		return out, nil
	case e != nil && e.Features != nil && !e.Expired:
		out.Dead = append(out.Dead, j.deadFeatures(f, fmt.Sprintf("%s %q: its features arrived already from %s row %d",
			input.ReasonDuplicateID, f.ID, sourceText(e.Features.Source), e.Features.Index)))
		return out, nil
	}
	preds, err := j.predict(&out, f, states)
	if err != nil || len(preds) == 0 {
		return out, err
	}
	n := &table.Pending{Features: f, FeaturesSource: in.Src, Predictions: preds, SinceMillis: in.At, SinceRow: in.Row}
	if e != nil && e.HasLabel && !e.Expired {
		n.HasLabel, n.Label, n.LabelSource = true, e.Label, e.LabelSource
		n.Done, n.Trigger = true, in.Src
	}
	out.Entry = n
	j.resend(&out, n, in.Src)
	return out, nil
}

// predict predicts f with each of its model keys, dead-lettering it for
// the models that cannot.
func (j *Join) predict(out *JoinOutput, f *wire.Features, states States) ([]table.Predicted, error) {
	preds := make([]table.Predicted, 0, len(f.Keys))
	for _, k := range f.Keys {
		spec, ok := j.Specs[k.Model]
		if !ok { // routed before a restart with another config
			out.Dead = append(out.Dead, j.deadFeatures(f, fmt.Sprintf("model %s: the model is no longer in the config", k.Model)))
			continue
		}
		m, version, err := j.learner(spec, states, k.Key)
		if err != nil {
			return nil, err
		}
		scores := make([]float64, m.Outputs())
		if err := m.Predict(f.Values, scores); err != nil {
			out.Dead = append(out.Dead, j.deadFeatures(f, fmt.Sprintf("model %s: row %d: %s", k.Model, f.Index, err)))
			continue
		}
		preds = append(preds, table.Predicted{Model: k.Model, Key: k.Key, Version: version, Scores: scores})
	}
	return preds, nil
}

// learner is the learner that predicts a row for spec: its served state
// (see Score: the merged model of a sharded model), or a new one.
// rowKey is the model key route gave the row.
func (j *Join) learner(spec ModelSpec, states States, rowKey string) (*model.Model, int64, error) {
	key := spec.Name // a global model serves its merged model, or its one shard
	if spec.PerEntity() {
		key = rowKey
	}
	st, err := states.State(key, spec.MergedKey(key))
	if err != nil {
		if _, ok := err.(Unservable); !ok {
			return nil, 0, err
		}
		st = nil // an undecodable state predicts as none
	}
	if st != nil && st.Learner != nil {
		return st.Learner, st.Rows, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	m := j.fresh[spec.Name]
	if m == nil {
		fresh, err := newState(spec, key)
		if err != nil {
			return nil, 0, err
		}
		m = fresh.Learner
		j.fresh[spec.Name] = m
	}
	return m, 0, nil
}

// StepLabel joins a label (the value of a record keyed by example id) to
// its entry e (nil: none).
func (j *Join) StepLabel(e *table.Pending, id string, value []byte, in JoinInput) JoinOutput {
	var out JoinOutput
	src := in.labelSource()
	dead := func(reason string) JoinOutput {
		out.Dead = append(out.Dead, j.deadLetter(src, wire.WholeMessage, []byte(id), value, reason))
		return out
	}
	if id == "" {
		return dead(input.ReasonNoID + ": the label record has no key")
	}
	y, reason := j.parseLabel(value)
	if reason != "" {
		return dead(reason)
	}
	switch {
	case e == nil:
		out.Entry = &table.Pending{HasLabel: true, Label: y, LabelSource: src, SinceMillis: in.At, SinceRow: in.Row}
		return out
	case e.HasLabel && e.LabelSource == src:
		j.resend(&out, e, in.Src) // a redelivery
		out.Predictions = nil
		out.Entry = e // see Rewrite
		return out
	case e.Expired:
		return dead(fmt.Sprintf("%s: example %q expired", input.ReasonLateLabel, id))
	case e.HasLabel:
		return dead(fmt.Sprintf("%s for example %q: the first came from %s", input.ReasonDuplicateLabel, id, sourceText(e.LabelSource)))
	}
	for _, p := range e.Predictions {
		spec, ok := j.Specs[p.Model]
		if !ok {
			continue // no longer in the config (see unusable)
		}
		if r := LabelReason(spec.Model, y); r != "" {
			return dead(fmt.Sprintf("model %s: %s", p.Model, r))
		}
	}
	n := *e
	n.HasLabel, n.Label, n.LabelSource = true, y, src
	n.Done, n.Trigger = true, in.Src
	n.SinceMillis, n.SinceRow = in.At, in.Row
	out.Entry = &n
	j.resend(&out, &n, in.Src)
	out.Predictions = nil // made when the features came
	return out
}

// parseLabel reads a label: one of Classes, or a number; "" or the reason
// it cannot be read. The models check its value when it is joined.
func (j *Join) parseLabel(value []byte) (float64, string) {
	s := strings.TrimSpace(string(value))
	if len(j.Classes) > 0 {
		if i := slices.Index(j.Classes, s); i >= 0 {
			return float64(i), ""
		}
		return 0, fmt.Sprintf("%s: %q is not one of the classes %q", input.ReasonBadLabel, s, j.Classes)
	}
	y, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Sprintf("%s: %q is not a number", input.ReasonBadLabel, s)
	}
	return y, ""
}

// resend emits what entry e emitted when the message at src was
// processed: the predictions when src brought its features, the pair
// when src completed it.
func (j *Join) resend(out *JoinOutput, e *table.Pending, src wire.Source) {
	if e.Features == nil {
		return
	}
	f := e.Features
	if e.FeaturesSource == src {
		for _, p := range e.Predictions {
			pr := wire.Prediction{
				ID:    PredictionID(f.Source.Topic, f.Source.Partition, f.Source.Offset, f.Index),
				Topic: f.Source.Topic, Partition: f.Source.Partition, Offset: f.Source.Offset, Index: f.Index,
				Model: p.Model, Key: p.Key, Version: p.Version,
				Scores: p.Scores, Predicted: predicted(j.Specs[p.Model].Model.Task, p.Scores),
			}
			if e.Done && e.Trigger == e.FeaturesSource { // the label came first
				pr.Label = &e.Label
			}
			out.Predictions = append(out.Predictions, Keyed[*wire.PredictionBatch]{Key: p.Key, Value: &wire.PredictionBatch{Predictions: []wire.Prediction{pr}}})
		}
	}
	if !e.Done || e.Trigger != src {
		return
	}
	for _, p := range e.Predictions {
		if reason := j.unusable(p, f); reason != "" {
			out.Dead = append(out.Dead, j.deadFeatures(f, fmt.Sprintf("model %s: %s", p.Model, reason)))
			continue
		}
		out.Examples = append(out.Examples, Keyed[*wire.ExampleBatch]{Key: p.Key, Value: &wire.ExampleBatch{
			Source: src, Model: p.Model, Key: p.Key,
			Rows:   []wire.Row{{Index: f.Index, Offset: src.Offset, Features: f.Values, Label: e.Label, HasLabel: true}},
			Scores: p.Scores,
		}})
	}
}

// unusable says why the learner could not take the pair of prediction p
// and features f ("" if it can): the model's config changed while they
// waited (it is gone, or has other outputs or features now).
func (j *Join) unusable(p table.Predicted, f *wire.Features) string {
	spec, ok := j.Specs[p.Model]
	switch {
	case !ok:
		return "the model is no longer in the config"
	case len(p.Scores) != outputs(spec):
		return fmt.Sprintf("predicted with %d outputs, the model has %d now", len(p.Scores), outputs(spec))
	case len(f.Values) != spec.Model.Features:
		return fmt.Sprintf("%d features, the model takes %d now", len(f.Values), spec.Model.Features)
	}
	return ""
}

// StepExpire expires entry e of example id if it is due at nowMillis and
// at position row of its partition of the features topic (-1: unknown).
func (j *Join) StepExpire(e *table.Pending, id string, nowMillis, row int64) JoinOutput {
	var out JoinOutput
	if e.SinceRow < 0 && row >= 0 {
		// A label that came before any features since a start: the rows
		// count from now on.
		n := *e
		n.SinceRow = row
		out.Entry = &n
		return out
	}
	why := j.due(e, nowMillis, row)
	switch {
	case why == "":
		return out
	case e.Done || e.Expired:
		out.Delete = true
		return out
	}
	n := &table.Pending{Expired: true, FeaturesSource: e.FeaturesSource, SinceMillis: nowMillis, SinceRow: row,
		HasLabel: e.HasLabel, Label: e.Label, LabelSource: e.LabelSource}
	if f := e.Features; f != nil {
		// The tombstone keeps the input row's coordinates, to tell its
		// redelivery from a new example of the same id.
		n.Features = &wire.Features{ID: f.ID, Source: f.Source, Index: f.Index}
		out.Dead = append(out.Dead, j.deadFeatures(f, fmt.Sprintf("%s: no label for example %q after %s", input.ReasonExpired, id, why)))
	} else {
		out.Dead = append(out.Dead, j.deadLetter(e.LabelSource, wire.WholeMessage, []byte(id), []byte(strconv.FormatFloat(e.Label, 'g', -1, 64)),
			fmt.Sprintf("%s: no features for the label of example %q after %s", input.ReasonExpired, id, why)))
	}
	out.Entry = n
	return out
}

// due says why e is due to expire ("" if it is not): its age in seconds or
// in rows of the stream (rows of its partition times the partitions).
func (j *Join) due(e *table.Pending, nowMillis, row int64) string {
	if age := float64(nowMillis-e.SinceMillis) / 1000; age >= j.Expiry.Seconds {
		return fmt.Sprintf("%g seconds", j.Expiry.Seconds)
	}
	if row >= 0 && e.SinceRow >= 0 && (row-e.SinceRow)*int64(j.Partitions) >= j.Expiry.Rows {
		return fmt.Sprintf("%d rows", j.Expiry.Rows)
	}
	return ""
}

// deadFeatures is the dead letter of an example's features: its input
// row's coordinates, keyed by its id, its features as comma-separated
// text.
func (j *Join) deadFeatures(f *wire.Features, reason string) *wire.DeadLetter {
	var text []byte
	for i, v := range f.Values {
		if i > 0 {
			text = append(text, ',')
		}
		text = strconv.AppendFloat(text, v, 'g', -1, 64)
	}
	return j.deadLetter(f.Source, f.Index, []byte(f.ID), text, reason)
}

func (j *Join) deadLetter(src wire.Source, index int32, key, value []byte, reason string) *wire.DeadLetter {
	d := wire.NewDeadLetter(src, index, key, value, reason)
	d.Fit(j.DeadLetterEncoding, j.DeadLetterMaxBytes-len(key))
	return d
}

func sourceText(s wire.Source) string { return fmt.Sprintf("%s/%d@%d", s.Topic, s.Partition, s.Offset) }

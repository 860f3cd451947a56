package processors

import (
	"errors"
	"fmt"
	"sync"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/runstats"
)

// Deployment is what the score group knows of one scoring deployment: its
// section of the config (config.Serve) as it is, its output as a stream.
type Deployment struct {
	Name   string
	Topics []string
	Model  string
	State  table.ServeState
	Output goka.Stream
}

// Tables is what the score step reads: the model states, the checkpoint
// registries and the serving overrides. In the group they are goka
// lookups (views of the tables, kept up to date by goka while the group
// runs); tests use maps. The values returned are shared and must not be
// modified.
type Tables interface {
	// State returns the state of a model key, nil if there is none;
	// merged reads the merge table (the merged model of a sharded model)
	// instead of the learn table.
	State(key string, merged bool) (*table.ModelState, error)
	// Registry returns the checkpoint registry of a model key, nil if
	// there is none.
	Registry(key string) (*table.Registry, error)
	// Override returns the serving override of a deployment, nil if there
	// is none.
	Override(deployment string) (*table.ServingOverride, error)
}

// Score is the score group: it reads the deployments' topics, decodes
// their records as route does (Route.decodeRecord: the same dead letters),
// and predicts every row with the state its deployment serves, looked up
// per record, so that a newly learned state, a newly pinned version or a
// promoted model is served from the next record on, without a restart. It
// never learns. For every record and deployment it writes one
// PredictionBatch (split when too large) to the deployment's output, keyed
// by the record's key, or a dead letter per row it cannot score; labeled
// rows update rolling metrics of the served model, snapshots of which go
// to Metrics.
//
// What a deployment serves (table.ServeState; a table.ServingOverride on the
// Serving table replaces the model and maybe the state):
//
//   - latest: the learn table's state of the row's model key: the model
//     name for a global model, <model>/<entity> for a per-entity one; for
//     a sharded global model the merge table's merged model;
//   - pinned: the newest pinned version of the model key in the checkpoint
//     registry; a version id: that version. The learner of a version is
//     decoded once per key and version (Learners).
//
// Prediction.Version is the served state's rows learned (Rows of the
// state or the version): it is distinct per version, and grows with the
// learned state. A row whose model key has nothing to serve yet (no state,
// nothing learned, no such version) is dead-lettered with the reason,
// never dropped: per deployment, every row is predicted or dead-lettered,
// each dead letter's reason starting with "serve <deployment>: ".
type Score struct {
	// Route decodes the records: its Decoder, Features and dead-letter
	// bounds (the pipeline's route; Score only reads them).
	Route *Route
	// Specs of the pipeline's models by name.
	Specs map[string]ModelSpec
	// Deployments scored, in config order.
	Deployments []Deployment
	// DeadLetter is the dead-letter topic, Metrics the topic of the
	// MetricSnapshots of the served models.
	DeadLetter goka.Stream
	Metrics    goka.Stream
	// The tables looked up: the learn table, the merge table (sharded
	// models only), the checkpoint table and the serving overrides.
	LearnTable, MergeTable, CheckpointTable, Serving goka.Table
	// PredictionsMaxBytes bounds a PredictionBatch record on an output
	// (the topics' max.message.bytes less RecordOverhead). Default
	// DefaultMaxBytes.
	PredictionsMaxBytes int
	// Stats, if set, counts per partition the rows scored or
	// dead-lettered (in), the predictions (out) and the dead letters, by
	// reason kind. Nil counts nothing.
	Stats *runstats.Group
	// Learners bounds the learners of registry versions kept decoded.
	// Default DefaultServedLearners.
	Learners int

	byTopic  map[string][]*Deployment
	learners *learnerCache
	mu       sync.Mutex
	parts    map[int32]*ScorePartition
}

// DefaultServedLearners is the default of Score.Learners.
const DefaultServedLearners = 1 << 12

// Init applies the defaults; call it once before Process or Step.
func (s *Score) Init() {
	if s.PredictionsMaxBytes <= 0 {
		s.PredictionsMaxBytes = DefaultMaxBytes
	}
	if s.Learners <= 0 {
		s.Learners = DefaultServedLearners
	}
	s.byTopic = map[string][]*Deployment{}
	for i := range s.Deployments {
		d := &s.Deployments[i]
		for _, t := range d.Topics {
			s.byTopic[t] = append(s.byTopic[t], d)
		}
	}
	s.learners = newLearnerCache(s.Learners)
	s.parts = map[int32]*ScorePartition{}
}

// ScoredBatch is a PredictionBatch for one output topic.
type ScoredBatch struct {
	Output goka.Stream
	Batch  *wire.PredictionBatch
}

// ScoreOutput is what scoring one input record produced.
type ScoreOutput struct {
	Predictions []ScoredBatch
	Dead        []*wire.DeadLetter
	Snapshots   []*wire.MetricSnapshot
}

// Process is the goka callback of the score group.
func (s *Score) Process(ctx goka.Context, msg any) {
	value, _ := msg.([]byte)
	src := wire.Source{Topic: string(ctx.Topic()), Partition: ctx.Partition(), Offset: ctx.Offset()}
	out, err := s.Step(gokaTables{ctx: ctx, s: s}, s.Partition(src.Partition), src, []byte(ctx.Key()), value)
	if err != nil {
		ctx.Fail(fmt.Errorf("processors: score %s/%d@%d: %w", src.Topic, src.Partition, src.Offset, err))
		return
	}
	for _, d := range out.Dead {
		ctx.Emit(s.DeadLetter, s.Route.deadLetterKey(ctx.Key()), d)
	}
	for _, b := range out.Predictions {
		ctx.Emit(b.Output, ctx.Key(), b.Batch)
	}
	for _, m := range out.Snapshots {
		ctx.Emit(s.Metrics, m.Key, m)
	}
	if s.Stats != nil {
		n := 0
		for _, b := range out.Predictions {
			n += len(b.Batch.Predictions)
		}
		s.Stats.Count(src.Partition, n+len(out.Dead), n, len(out.Dead))
		for _, d := range out.Dead {
			s.Stats.DeadLetter(d.Reason)
		}
	}
}

// Partition returns the scratch space and rolling metrics of one input
// partition (goka calls Process for a partition from one goroutine at a
// time).
func (s *Score) Partition(p int32) *ScorePartition {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.parts[p]
	if sp == nil {
		sp = &ScorePartition{windows: map[windowKey]*scoreWindow{}}
		s.parts[p] = sp
	}
	return sp
}

// Step scores one input record for every deployment of its topic. It
// fails only when a table cannot be read; whatever a row lacks becomes a
// dead letter.
func (s *Score) Step(tables Tables, part *ScorePartition, src wire.Source, key, value []byte) (ScoreOutput, error) {
	var out ScoreOutput
	for _, d := range s.byTopic[src.Topic] {
		if err := s.deploy(&out, tables, part, d, src, key, value); err != nil {
			return out, err
		}
	}
	return out, nil
}

// record is one input record being scored for one deployment.
type record struct {
	src        wire.Source
	key, value []byte
	prefix     string // of its dead letters' reasons
	dead       int64  // rows dead-lettered
}

// deploy scores one record for deployment d.
func (s *Score) deploy(out *ScoreOutput, tables Tables, part *ScorePartition, d *Deployment, src wire.Source, key, value []byte) error {
	rec := &record{src: src, key: key, value: value, prefix: "serve " + d.Name + ": "}
	rows, dead, bad := s.Route.decodeRecord(part.rows[:0], out.Dead, src, key, value, rec.prefix)
	part.rows, out.Dead, rec.dead = rows[:0], dead, int64(bad)
	spec, state, reason, err := s.serving(tables, d)
	if err != nil {
		return err
	}
	win, err := part.window(d.Name, spec)
	if err != nil {
		return err
	}
	if reason != "" {
		for _, row := range rows {
			s.deadRow(out, rec, row.Index, reason)
		}
		win.invalid += rec.dead
		return nil
	}
	pb, err := s.predict(out, tables, win, rec, spec, state, rows)
	if err != nil {
		return err
	}
	win.invalid += rec.dead
	s.emit(out, d.Output, pb)
	if snap := win.due(spec, src); snap != nil {
		snap.Key = d.Name
		out.Snapshots = append(out.Snapshots, snap)
	}
	return nil
}

// serving returns the model and state deployment d serves now: the
// config's, or its override's; reason says why it serves nothing (an
// override that is not valid), and spec is then the config's model.
func (s *Score) serving(tables Tables, d *Deployment) (spec ModelSpec, state table.ServeState, reason string, err error) {
	base := s.Specs[d.Model]
	o, err := tables.Override(d.Name)
	if err != nil || o == nil {
		return base, d.State, "", err
	}
	switch spec, ok := s.Specs[o.Model]; {
	case o.Err != nil:
		return base, d.State, fmt.Sprintf("the serving override is not valid: %v", o.Err), nil
	case !ok:
		return base, d.State, fmt.Sprintf("promoted model %q is not in the pipeline config", o.Model), nil
	case spec.Model.Task != base.Model.Task || spec.Model.Classes != base.Model.Classes:
		return base, d.State, fmt.Sprintf("promoted model %q is a %s model with %d output(s), the deployment's %s one with %d",
			o.Model, spec.Model.Task, outputs(spec), base.Model.Task, outputs(base)), nil
	case o.State != "":
		return spec, o.State, "", nil
	default:
		return spec, d.State, "", nil
	}
}

func outputs(s ModelSpec) int {
	if s.Model.Task == model.TaskMulticlass {
		return s.Model.Classes
	}
	return 1
}

// predict predicts the rows of one record with model spec's state,
// dead-lettering those it cannot, and updates the rolling metrics.
func (s *Score) predict(out *ScoreOutput, tables Tables, win *scoreWindow, rec *record, spec ModelSpec, state table.ServeState,
	rows []input.Row) (*wire.PredictionBatch, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	k := outputs(spec)
	pb := &wire.PredictionBatch{Predictions: make([]wire.Prediction, 0, len(rows))}
	scores := make([]float64, len(rows)*k)
	labels := make([]float64, len(rows))
	byKey := map[string]served{} // the record's model keys, looked up once each
	for i, row := range rows {
		reason := ""
		mk, ok := servedKey(spec, row)
		switch {
		case !ok:
			s.deadRow(out, rec, row.Index, fmt.Sprintf("model %s: row %d has an empty %q", spec.Name, row.Index, spec.KeyColumn))
			continue
		case row.HasLabel:
			reason = LabelReason(spec.Model, row.Label)
		}
		sv, ok := byKey[mk]
		if !ok && reason == "" {
			var err error
			if sv, err = s.served(tables, spec, state, mk); err != nil {
				return nil, err
			}
			byKey[mk] = sv
		}
		ys := scores[i*k : (i+1)*k : (i+1)*k]
		if reason == "" {
			reason = sv.reason
		}
		if reason == "" {
			if err := sv.learner.Predict(row.Features, ys); err != nil {
				reason = err.Error()
			}
		}
		if reason != "" {
			s.deadRow(out, rec, row.Index, fmt.Sprintf("model %s: row %d: %s", spec.Name, row.Index, reason))
			continue
		}
		p := wire.Prediction{
			ID:    PredictionID(rec.src.Topic, rec.src.Partition, rec.src.Offset, row.Index),
			Topic: rec.src.Topic, Partition: rec.src.Partition, Offset: rec.src.Offset, Index: row.Index,
			Model: spec.Name, Key: mk, Version: sv.version, Scores: ys, Predicted: predicted(spec.Model.Task, ys),
		}
		if row.HasLabel {
			labels[i] = row.Label
			p.Label = &labels[i]
			win.update(row.Label, ys, sv.version)
		}
		pb.Predictions = append(pb.Predictions, p)
	}
	return pb, nil
}

// servedKey is the model key a row is served from: the model name for a
// global model (sharded or not), <model>/<entity> for a per-entity model;
// false when the row has no entity.
func servedKey(spec ModelSpec, row input.Row) (string, bool) {
	if spec.PerEntity() {
		return table.EntityKey(spec.Name, row.Entity), row.Entity != ""
	}
	return spec.Name, true
}

// served is what a model key serves: a learner and its version (rows
// learned), or the reason it serves nothing.
type served struct {
	learner *model.Model
	version int64
	id      int64 // the registry version's id; 0 for the latest state
	reason  string
}

// Unservable is the error of a Tables read whose value is there but
// cannot be served (it does not decode): the rows it would serve are
// dead-lettered with the reason, the group goes on.
type Unservable struct{ Reason string }

func (u Unservable) Error() string { return u.Reason }

// served looks up what model key serves in the given state. An
// Unservable read is a reason; any other error is returned.
func (s *Score) served(tables Tables, spec ModelSpec, state table.ServeState, key string) (served, error) {
	sv, err := s.lookupServed(tables, spec, state, key)
	if u, ok := errors.AsType[Unservable](err); ok {
		return served{reason: u.Reason}, nil
	}
	return sv, err
}

func (s *Score) lookupServed(tables Tables, spec ModelSpec, state table.ServeState, key string) (served, error) {
	if state == table.StateLatest {
		st, err := tables.State(key, spec.MergedKey(key))
		switch {
		case err != nil:
			return served{}, err
		case st == nil || st.Rows == 0:
			return served{reason: fmt.Sprintf("no model state for key %q yet", key)}, nil
		}
		return served{learner: st.Learner, version: st.Rows}, nil
	}
	reg, err := tables.Registry(key)
	if err != nil {
		return served{}, err
	}
	v, reason := PickVersion(reg, key, state)
	if v == nil {
		return served{reason: reason}, nil
	}
	m, err := s.learners.get(key, v)
	if err != nil {
		return served{reason: fmt.Sprintf("version %d of key %q: %v", v.ID, key, err)}, nil
	}
	return served{learner: m, version: v.Rows, id: v.ID}, nil
}

// PickVersion returns the version of reg (key's registry, nil if it has
// none) that state (pinned, or a version id) selects, or why there is
// none: the reason the score group dead-letters rows with.
func PickVersion(reg *table.Registry, key string, state table.ServeState) (*table.Version, string) {
	if reg == nil || len(reg.Versions) == 0 {
		return nil, fmt.Sprintf("no model version for key %q yet", key)
	}
	if state == table.StatePinned {
		if v := reg.Pinned(); v != nil {
			return v, ""
		}
		return nil, fmt.Sprintf("key %q has no pinned version (kept: %s)", key, reg.IDs())
	}
	id, _ := state.Version()
	if v := reg.Version(id); v != nil {
		return v, ""
	}
	if id > reg.LastID {
		return nil, fmt.Sprintf("key %q has no version %d yet (newest: %d)", key, id, reg.LastID)
	}
	return nil, fmt.Sprintf("key %q has no version %d (kept: %s)", key, id, reg.IDs())
}

// deadRow dead-letters one row of a record for its deployment.
func (s *Score) deadRow(out *ScoreOutput, rec *record, index int32, reason string) {
	out.Dead = append(out.Dead, s.Route.deadLetter(rec.src, index, rec.key, rec.value, rec.prefix+reason))
	rec.dead++
}

// emit appends the predictions of a record to out, split into batches
// that fit PredictionsMaxBytes.
func (s *Score) emit(out *ScoreOutput, output goka.Stream, pb *wire.PredictionBatch) {
	if pb == nil || len(pb.Predictions) == 0 {
		return
	}
	limit := s.PredictionsMaxBytes - wire.PredictionBatchHeaderBound("")
	start, size := 0, 0
	for i, p := range pb.Predictions {
		n := wire.PredictionRowBound(p.Topic, p.Model, p.Key, len(p.Scores))
		if i > start && size+n > limit {
			out.Predictions = append(out.Predictions, ScoredBatch{output, &wire.PredictionBatch{Predictions: pb.Predictions[start:i]}})
			start, size = i, 0
		}
		size += n
	}
	out.Predictions = append(out.Predictions, ScoredBatch{output, &wire.PredictionBatch{Predictions: pb.Predictions[start:]}})
}

// gokaTables reads the tables with goka lookups.
type gokaTables struct {
	ctx goka.Context
	s   *Score
}

func (t gokaTables) State(key string, merged bool) (*table.ModelState, error) {
	tbl := t.s.LearnTable
	if merged {
		tbl = t.s.MergeTable
	}
	return lookup[*table.ModelState](t.ctx, tbl, key)
}

func (t gokaTables) Registry(key string) (*table.Registry, error) {
	return lookup[*table.Registry](t.ctx, t.s.CheckpointTable, key)
}

func (t gokaTables) Override(deployment string) (*table.ServingOverride, error) {
	return lookup[*table.ServingOverride](t.ctx, t.s.Serving, deployment)
}

// lookup reads key from a lookup table (ctx.Lookup fails the callback
// when the view cannot be read) and asserts its type.
func lookup[T any](ctx goka.Context, tbl goka.Table, key string) (T, error) {
	var zero T
	switch v := ctx.Lookup(tbl, key).(type) {
	case nil:
		return zero, nil
	case T:
		return v, nil
	case *table.UndecodableState:
		return zero, Unservable{Reason: fmt.Sprintf("the value of key %q in %s does not decode: %v", key, tbl, v.Err)}
	default:
		return zero, fmt.Errorf("lookup %s key %q: unexpected %T", tbl, key, v)
	}
}

package filelearn

import (
	"fmt"
	"io"
	"sort"

	"github.com/streamsgd/streamsgd/batchscore"
	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/drift"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/processors"
)

// Options configure a Learner.
type Options struct {
	// Models to learn, in the order their predictions are written.
	Models []processors.ModelSpec
	// Output, if set, receives the predictions as CSV, one line per row
	// and model in file order (batchscore.Header's columns).
	Output io.Writer
	// Labeled says that the rows carry labels (a label column in Output).
	Labeled bool
	// OnReject is called with every row a model refuses. Default: counted
	// only.
	OnReject func(batchscore.Reject)
}

// Learner learns the models of a pipeline from decoded rows, in order.
// Not safe for concurrent use.
type Learner struct {
	o      Options
	models []*learned
	buf    []byte
}

// learned is one model's keys and whole-stream metrics.
type learned struct {
	spec   processors.ModelSpec
	states map[string]*table.ModelState // by model key
	global *table.ModelState            // the one state of a global model
	whole  []metrics.Metric             // prequential, over every learned row
	out    []float64
	rw     *batchscore.RowWriter
	rows   int64 // predicted
	bad    int64 // rejected
	events []Event
}

// Event is what a key's drift monitor found at a row of the file.
type Event struct {
	Key  string
	Line int64 // the row's line (record) in the file
	drift.Event
}

// New returns a learner of o.Models, every key empty.
func New(o Options) (*Learner, error) {
	if len(o.Models) == 0 {
		return nil, fmt.Errorf("filelearn: no model to learn")
	}
	if o.OnReject == nil {
		o.OnReject = func(batchscore.Reject) {}
	}
	l := &Learner{o: o}
	for _, spec := range o.Models {
		m := &learned{spec: spec, states: map[string]*table.ModelState{},
			whole: metrics.ForTask(string(spec.Model.Task)),
			out:   make([]float64, outputs(spec.Model)),
			rw:    batchscore.NewRowWriter(spec.Model.Task, o.Labeled)}
		if !spec.PerEntity() {
			st, err := processors.NewState(spec, spec.Name)
			if err != nil {
				return nil, fmt.Errorf("filelearn: model %s: %w", spec.Name, err)
			}
			m.global = st
			m.states[spec.Name] = st
		}
		l.models = append(l.models, m)
	}
	return l, nil
}

func outputs(c model.Config) int {
	if c.Task == model.TaskMulticlass {
		return c.Classes
	}
	return 1
}

// Learn predicts and learns the rows of d, in order; the predictions go to
// Options.Output. Decode rejects (d.Rejects) are the caller's: DecodeFile
// passed them on already.
func (l *Learner) Learn(d *batchscore.Decoded) error {
	b := l.buf[:0]
	for i := range d.Rows {
		r := &d.Rows[i]
		for _, m := range l.models {
			var err error
			if b, err = l.row(m, r, d.Lines[i], b); err != nil {
				return err
			}
		}
	}
	l.buf = b
	if l.o.Output == nil || len(b) == 0 {
		return nil
	}
	_, err := l.o.Output.Write(b)
	return err
}

// row predicts, then learns, one row with model m.
func (l *Learner) row(m *learned, r *input.Row, line int64, b []byte) ([]byte, error) {
	st, why, err := m.state(r)
	if err != nil {
		return b, err
	}
	if why != "" {
		m.bad++
		l.o.OnReject(batchscore.Reject{Line: line, Reason: "model " + m.spec.Name + ": " + why})
		return b, nil
	}
	if err := st.Learner.Predict(r.Features, m.out); err != nil {
		return b, fmt.Errorf("filelearn: line %d: model %s: %w", line, m.spec.Name, err)
	}
	m.rows++
	if l.o.Output != nil {
		b = m.rw.Append(b, line, st.Key, m.out, r.Label)
	}
	if !r.HasLabel {
		return b, nil
	}
	for _, w := range m.whole {
		w.Update(r.Label, m.out)
	}
	if err := processors.LearnRow(st, r.Features, r.Label, m.out); err != nil {
		return b, fmt.Errorf("filelearn: line %d: model %s key %s: %w", line, m.spec.Name, st.Key, err)
	}
	found, err := processors.StepDrift(st, r.Features, r.Label, m.out)
	if err != nil {
		return b, fmt.Errorf("filelearn: line %d: model %s key %s: drift: %w", line, m.spec.Name, st.Key, err)
	}
	for _, e := range found {
		m.events = append(m.events, Event{Key: st.Key, Line: line, Event: e})
	}
	return b, nil
}

// state is the state that learns r, or why m refuses r (the reasons route
// dead-letters such a row with).
func (m *learned) state(r *input.Row) (*table.ModelState, string, error) {
	if n := m.spec.Model.Features; len(r.Features) != n {
		return nil, fmt.Sprintf("%d features, want %d", len(r.Features), n), nil
	}
	if r.HasLabel {
		if why := processors.LabelReason(m.spec.Model, r.Label); why != "" {
			return nil, why, nil
		}
	}
	if m.global != nil {
		return m.global, "", nil
	}
	if r.Entity == "" {
		return nil, fmt.Sprintf("empty %q", m.spec.KeyColumn), nil
	}
	key := table.EntityKey(m.spec.Name, r.Entity)
	if st := m.states[key]; st != nil {
		return st, "", nil
	}
	st, err := processors.NewState(m.spec, key)
	if err != nil {
		return nil, "", fmt.Errorf("filelearn: model %s key %s: %w", m.spec.Name, key, err)
	}
	m.states[key] = st
	return st, "", nil
}

// Result is what was learned of one model.
type Result struct {
	Spec processors.ModelSpec
	// Predicted rows (every one learned when labeled), and Rejected ones.
	Predicted, Rejected int64
	// Learned rows (labeled), over every key.
	Learned int64
	// Prequential metrics over every learned row (each predicted before
	// its step), in metrics.ForTask's order.
	Prequential []metrics.Value
	// States by model key (one for a global model).
	States map[string]*table.ModelState
	// Events of the keys' drift monitors (config.Model.Drift), in file
	// order.
	Events []Event
}

// Keys are the model keys of r, sorted.
func (r Result) Keys() []string {
	keys := make([]string, 0, len(r.States))
	for k := range r.States {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Served are the learned models of r to score rows with (batch scoring):
// every key, its version the rows it learned.
func (r Result) Served() *batchscore.Models {
	if !r.Spec.PerEntity() {
		st := r.States[r.Spec.Name]
		return batchscore.Single(r.Spec.Name, st.Key, st.Rows, st.Learner)
	}
	ms := batchscore.NewModels(r.Spec.Name, true, r.Spec.Model, "the key has no row in the training file")
	for key, st := range r.States {
		ms.Add(key, st.Rows, func() (*model.Model, error) { return st.Learner, nil })
	}
	return ms
}

// Results are the models learned so far, in Options.Models order.
func (l *Learner) Results() []Result {
	out := make([]Result, len(l.models))
	for i, m := range l.models {
		r := Result{Spec: m.spec, Predicted: m.rows, Rejected: m.bad, States: m.states, Events: m.events}
		for _, st := range m.states {
			r.Learned += st.Rows
		}
		for _, w := range m.whole {
			r.Prequential = append(r.Prequential, metrics.Value{Name: w.Name(), Value: w.Value()})
		}
		out[i] = r
	}
	return out
}

// Evaluation is the held-out metrics of one model on a set of rows.
type Evaluation struct {
	// Scored rows: labeled, of the model's width and, per entity, of a
	// key the model learned.
	Scored int64
	// Metrics over the scored rows, in metrics.ForTask's order.
	Metrics []metrics.Value
}

// Evaluate scores rows with r's learned models, without learning: the
// held-out metrics of the labeled rows it can score.
func (r Result) Evaluate(rows []input.Row) Evaluation {
	ms := metrics.ForTask(string(r.Spec.Model.Task))
	out := make([]float64, outputs(r.Spec.Model))
	var e Evaluation
	for i := range rows {
		row := &rows[i]
		if !row.HasLabel || len(row.Features) != r.Spec.Model.Features ||
			processors.LabelReason(r.Spec.Model, row.Label) != "" {
			continue
		}
		key := r.Spec.Name
		if r.Spec.PerEntity() {
			key = table.EntityKey(r.Spec.Name, row.Entity)
		}
		st := r.States[key]
		if st == nil || st.Learner.Predict(row.Features, out) != nil {
			continue
		}
		for _, m := range ms {
			m.Update(row.Label, out)
		}
		e.Scored++
	}
	for _, m := range ms {
		e.Metrics = append(e.Metrics, metrics.Value{Name: m.Name(), Value: m.Value()})
	}
	return e
}

package processors

import (
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/drift"
)

// observeDrift feeds one learned row, whose prediction before learning was
// scores, to the key's drift monitor (none: nothing to do). A background
// learner that replaces the live one becomes st.Learner. It appends the
// row's events to events, each with the id of the row's prediction and
// its kind, and keeps them in the state (ModelState.KeepEvent): the
// state's watermarks make a redelivered row apply nothing, so the events
// of a redelivered row are emitted again from there (redeliveredEvents),
// with the same ids, as its prediction is.
func observeDrift(st *table.ModelState, b *wire.ExampleBatch, row *wire.Row, scores []float64, events []*wire.Event) ([]*wire.Event, error) {
	found, err := StepDrift(st, row.Features, row.Label, scores)
	if err != nil {
		return events, err
	}
	for _, e := range found {
		ev := newEvent(b, row, e)
		st.KeepEvent(*ev)
		events = append(events, ev)
	}
	return events, nil
}

// StepDrift feeds a row that LearnRow learned, with the scores it was
// predicted, to its key's drift monitor (none: nothing to do), which may
// replace st's learner with its background one, and returns what the
// monitor found. The learn group and `streamsgd learn` (package filelearn)
// both call it after LearnRow, so that a file learns as a topic does.
func StepDrift(st *table.ModelState, features []float64, label float64, scores []float64) ([]drift.Event, error) {
	if st.Drift == nil {
		return nil, nil
	}
	found, next, err := st.Drift.Step(st.Learner, features, label, scores, st.Rows)
	if err != nil {
		return nil, err
	}
	st.Learner = next
	return found, nil
}

// redeliveredEvents appends the kept events of a row that the state had
// applied already.
func redeliveredEvents(st *table.ModelState, b *wire.ExampleBatch, row *wire.Row, events []*wire.Event) []*wire.Event {
	for i := range st.Events {
		e := &st.Events[i]
		if e.Offset == row.Offset && e.Index == row.Index && e.Partition == b.Source.Partition && e.Topic == b.Source.Topic {
			c := *e
			events = append(events, &c)
		}
	}
	return events
}

func newEvent(b *wire.ExampleBatch, row *wire.Row, e drift.Event) *wire.Event {
	src := b.Source
	stats := make([]wire.Metric, len(e.Stats))
	for i, s := range e.Stats {
		stats[i] = wire.Metric{Name: s.Name, Value: s.Value}
	}
	return &wire.Event{
		ID:    PredictionID(src.Topic, src.Partition, row.Offset, row.Index) + "/" + e.Kind,
		Model: b.Model, Key: b.Key, Kind: e.Kind, Row: e.Row,
		Topic: src.Topic, Partition: src.Partition, Offset: row.Offset, Index: row.Index,
		Stats: stats,
	}
}

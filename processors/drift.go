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
	if st.Drift == nil {
		return events, nil
	}
	found, next, err := st.Drift.Step(st.Learner, row.Features, row.Label, scores, st.Rows)
	if err != nil {
		return events, err
	}
	st.Learner = next
	for _, e := range found {
		ev := newEvent(b, row, e)
		st.KeepEvent(*ev)
		events = append(events, ev)
	}
	return events, nil
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

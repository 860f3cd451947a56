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
// its kind: the state's watermarks make a redelivered row apply nothing,
// so an event is emitted again only with an unchanged id (a crash between
// the state write and the commit), as predictions are.
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
		events = append(events, newEvent(b, row, e))
	}
	return events, nil
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

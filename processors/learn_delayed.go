package processors

import (
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// learnScored learns the labeled rows of a batch of delayed labels (see
// Join) after the watermark applied, scoring the rolling metrics and the
// key's drift monitor with the predictions the rows were given when their
// features came (ExampleBatch.Scores), not with the model as it is now:
// the prequential metrics are those of the predictions the users got. It
// predicts nothing; it returns the drift events, those of redelivered
// rows again (as predictRows).
func learnScored(st *table.ModelState, b *wire.ExampleBatch, applied wire.Watermark, mix *mixer) ([]*wire.Event, error) {
	k := st.Learner.Outputs()
	if len(b.Scores) != len(b.Rows)*k {
		return nil, fmt.Errorf("processors: batch of %d rows has %d scores, want %d per row", len(b.Rows), len(b.Scores), k)
	}
	var events []*wire.Event
	for i := range b.Rows {
		row := &b.Rows[i]
		if !row.HasLabel {
			continue
		}
		if applied.Applied(row.Offset, row.Index) {
			events = redeliveredEvents(st, b, row, events)
			continue
		}
		scores := b.Scores[i*k : (i+1)*k : (i+1)*k]
		if err := LearnRow(st, row.Features, row.Label, scores); err != nil {
			return nil, fmt.Errorf("row %d/%d: %w", row.Offset, row.Index, err)
		}
		if err := mix.learned(st); err != nil {
			return nil, fmt.Errorf("row %d/%d: %w", row.Offset, row.Index, err)
		}
		var err error
		if events, err = observeDrift(st, b, row, scores, events); err != nil {
			return nil, fmt.Errorf("row %d/%d: %w", row.Offset, row.Index, err)
		}
	}
	return events, nil
}

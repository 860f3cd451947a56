package processors

import (
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// learnScored learns the labeled rows of a batch of delayed labels (see
// Join) after the watermark applied, scoring the rolling metrics with the
// predictions the rows were given when their features came
// (ExampleBatch.Scores), not with the model as it is now: the prequential
// metrics are those of the predictions the users got. It predicts nothing.
func learnScored(st *table.ModelState, b *wire.ExampleBatch, applied wire.Watermark, mix *mixer) error {
	m := st.Learner
	k := m.Outputs()
	if len(b.Scores) != len(b.Rows)*k {
		return fmt.Errorf("processors: batch of %d rows has %d scores, want %d per row", len(b.Rows), len(b.Scores), k)
	}
	for i := range b.Rows {
		row := &b.Rows[i]
		if !row.HasLabel || applied.Applied(row.Offset, row.Index) {
			continue
		}
		st.Window.Update(row.Label, b.Scores[i*k:(i+1)*k:(i+1)*k])
		if err := m.Learn(row.Features, row.Label); err != nil {
			return fmt.Errorf("row %d/%d: %w", row.Offset, row.Index, err)
		}
		st.Rows++
		if err := mix.learned(st); err != nil {
			return fmt.Errorf("row %d/%d: %w", row.Offset, row.Index, err)
		}
	}
	return nil
}

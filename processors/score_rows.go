package processors

import (
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
)

// RowScore is the answer for one row scored on request (ScoreRows): the
// served model key and version with the scores, or the reason the row was
// not scored. Version is what the score group's predictions carry: the
// rows the served state (or version) had learned.
type RowScore struct {
	Index   int32  `json:"index"`
	Model   string `json:"model"`
	Key     string `json:"key,omitempty"`
	Version int64  `json:"version,omitempty"`
	// VersionID is the registry version served (0: the latest state).
	VersionID int64     `json:"version_id,omitempty"`
	Scores    []float64 `json:"scores,omitempty"`
	// Predicted is the class (or the value) predicted; nil for a row not
	// scored, so that its answer does not read as a prediction of 0.
	Predicted *float64 `json:"predicted,omitempty"`
	Reason    string   `json:"reason,omitempty"`
}

// ScoreRows predicts rows with what deployment d serves now, exactly as
// the score group does for a record of its topics (its override, its
// state, the same lookups and reasons), without writing anything: the
// HTTP API's score endpoint. Rows that cannot be scored carry the reason;
// it fails only when a table cannot be read. Safe for concurrent use.
func (s *Score) ScoreRows(tables Tables, d Deployment, rows []input.Row) ([]RowScore, error) {
	spec, state, reason, err := s.serving(tables, &d)
	if err != nil {
		return nil, err
	}
	out := make([]RowScore, len(rows))
	byKey := map[string]served{}
	k := outputs(spec)
	for i, row := range rows {
		out[i] = RowScore{Index: row.Index, Model: spec.Name}
		if reason != "" {
			out[i].Reason = reason
			continue
		}
		if out[i].Reason = s.rowReason(spec, row); out[i].Reason != "" {
			continue
		}
		mk, _ := servedKey(spec, row)
		sv, ok := byKey[mk]
		if !ok {
			if sv, err = s.served(tables, spec, state, mk); err != nil {
				return nil, err
			}
			byKey[mk] = sv
		}
		out[i].Key = mk
		if sv.reason != "" {
			out[i].Reason = sv.reason
			continue
		}
		ys := make([]float64, k)
		if err := sv.learner.Predict(row.Features, ys); err != nil {
			out[i].Reason = err.Error()
			continue
		}
		pred := predicted(spec.Model.Task, ys)
		out[i].Version, out[i].VersionID, out[i].Scores, out[i].Predicted = sv.version, sv.id, ys, &pred
	}
	return out, nil
}

// rowReason says why a row cannot be scored with spec before any lookup:
// a wrong width, no entity for a per-entity model.
func (s *Score) rowReason(spec ModelSpec, row input.Row) string {
	if len(row.Features) != s.Route.Features {
		return fmt.Sprintf("row %d: %d features, want %d", row.Index, len(row.Features), s.Route.Features)
	}
	if _, ok := servedKey(spec, row); !ok {
		return fmt.Sprintf("model %s: row %d has an empty %q", spec.Name, row.Index, spec.KeyColumn)
	}
	return ""
}

// Served says which model and state deployment d serves now (its
// override, else its config).
func (s *Score) Served(tables Tables, d Deployment) (model string, state table.ServeState, reason string, err error) {
	spec, state, reason, err := s.serving(tables, &d)
	return spec.Name, state, reason, err
}

// DecodeRows decodes one record as the score group does (the pipeline's
// input decoder; rows of the wrong width are left for ScoreRows to
// refuse): its rows, and a reason per row (or for the whole record) that
// could not be decoded.
func (s *Score) DecodeRows(key, value []byte) ([]input.Row, []input.RowError, error) {
	if len(value) == 0 {
		return nil, nil, fmt.Errorf("processors: %s", input.ReasonEmptyMessage)
	}
	rows, bad, err := s.Route.Decoder.Decode(key, value, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("processors: decode: %w", err)
	}
	return rows, bad, nil
}

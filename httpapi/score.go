package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/processors"
)

// ScoreRequest is the JSON body of a score request: one row (Features,
// Entity) or many (Rows), not both. A null feature reads as nil, and its
// row is refused as a missing value rather than scored as 0.
type ScoreRequest struct {
	ScoreRow
	Rows []ScoreRow `json:"rows,omitempty"`
}

// ScoreRow is one row of a ScoreRequest; Entity selects the key of a
// per-entity model.
type ScoreRow struct {
	Features []*float64 `json:"features,omitempty"`
	Entity   string     `json:"entity,omitempty"`
}

// ScoreResponse answers a score request: what served it and a result per
// row, in order (scores and version, or the reason it was not scored).
type ScoreResponse struct {
	Deployment  string                `json:"deployment,omitempty"`
	Model       string                `json:"model"`
	State       string                `json:"state"`
	Scored      int                   `json:"scored"`
	Refused     int                   `json:"refused"`
	Predictions []processors.RowScore `json:"predictions"`
}

func (s *Server) scoreDeployment(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("deployment")
	d, ok := s.o.Pipeline.Deployment(name)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("no deployment %q in pipeline %s (have: %s)", name, s.o.Pipeline.Config.Name, s.o.Pipeline.DeploymentNames()))
		return
	}
	s.scoreWith(w, r, d)
}

func (s *Server) scoreModel(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	model, state := q.Get("model"), table.ServeState(q.Get("state"))
	if state == "" {
		state = table.StateLatest
	}
	if _, ok := s.o.Pipeline.Specs[model]; !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("model: no model %q in pipeline %s (have: %v)", model, s.o.Pipeline.Config.Name, s.o.Pipeline.Config.ModelNames()))
		return
	}
	if !state.Valid() {
		writeError(w, http.StatusBadRequest, fmt.Errorf("state: must be %q, %q or a version id (1, 2, ...), got %q", table.StateLatest, table.StatePinned, state))
		return
	}
	s.scoreWith(w, r, processors.Deployment{Model: model, State: state})
}

// scoreWith scores the request's rows as deployment d serves now.
func (s *Server) scoreWith(w http.ResponseWriter, r *http.Request, d processors.Deployment) {
	tables, ok := s.tables(w)
	if !ok {
		return
	}
	rows, refused, status, err := s.readRows(w, r)
	if err != nil {
		writeError(w, status, err)
		return
	}
	scores, err := s.score.ScoreRows(tables, d, rows)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	model, state, _, _ := s.score.Served(tables, d)
	for i := range refused {
		refused[i].Model = model
	}
	out := ScoreResponse{Deployment: d.Name, Model: model, State: string(state), Predictions: append(scores, refused...)}
	sort.SliceStable(out.Predictions, func(i, j int) bool { return out.Predictions[i].Index < out.Predictions[j].Index })
	for _, p := range out.Predictions {
		if p.Reason == "" {
			out.Scored++
		} else {
			out.Refused++
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// recordKey is the record key a CSV body is decoded with: ?key=, as the
// key of a record on the topic (with labels in the key, the rows' label;
// without one they are unlabeled: scoring needs no label).
func recordKey(r *http.Request) []byte {
	if k := r.URL.Query().Get("key"); k != "" {
		return []byte(k)
	}
	return nil
}

// readScoreBody decodes a JSON score request: one object, of ScoreRequest's
// fields only, with "features" (one row) or "rows", not both.
func readScoreBody(body []byte) (ScoreRequest, error) {
	var req ScoreRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("the body is not a score request: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, errors.New("the body is not a score request: more than one JSON value")
	}
	if req.Features != nil && req.Rows != nil {
		return req, errors.New(`the body is not a score request: give "features" (one row) or "rows", not both`)
	}
	return req, nil
}

// jsonRow is row i of a JSON request, or the reason it cannot be scored:
// no features (a null row, or one without "features"), a null feature
// or a number the decoders refuse in a record.
func jsonRow(i int, features []*float64, entity string) (input.Row, string) {
	row := input.Row{Index: int32(i), Features: make([]float64, len(features)), Entity: entity}
	if features == nil {
		return row, fmt.Sprintf(`row %d has no "features" (a null row, or one without them)`, i)
	}
	for k, v := range features {
		if v == nil {
			return row, fmt.Sprintf("row %d: feature %d is null: a missing value cannot be scored", i, k)
		}
		// As the decoders refuse them in CSV rows: a number past
		// input.MaxMagnitude scores as nonsense.
		if reason := input.ValueReason(*v); reason != "" {
			return row, fmt.Sprintf("row %d: feature %d: %s", i, k, reason)
		}
		row.Features[k] = *v
	}
	return row, ""
}

// readRows reads the rows of a score request: JSON (ScoreRequest) or, as
// text/csv, records in the pipeline's input format, decoded by its
// decoder; rows that do not decode come back with their reason.
func (s *Server) readRows(w http.ResponseWriter, r *http.Request) ([]input.Row, []processors.RowScore, int, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.o.MaxBodyBytes))
	if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
		return nil, nil, http.StatusRequestEntityTooLarge, fmt.Errorf("the body is larger than api.max_body_kb: %d KiB", s.o.MaxBodyBytes>>10)
	}
	if err != nil {
		return nil, nil, http.StatusBadRequest, fmt.Errorf("read the body: %w", err)
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var rows []input.Row
	var refused []processors.RowScore
	switch ct {
	case "text/csv", "text/plain":
		var bad []input.RowError
		rows, bad, err = s.score.DecodeRows(recordKey(r), body)
		if err != nil {
			return nil, nil, http.StatusBadRequest, err
		}
		for _, b := range bad {
			refused = append(refused, processors.RowScore{Index: b.Index, Reason: b.Reason})
		}
	case "application/json", "":
		req, err := readScoreBody(body)
		if err != nil {
			return nil, nil, http.StatusBadRequest, err
		}
		if req.Features != nil {
			req.Rows = []ScoreRow{req.ScoreRow}
		}
		for i, in := range req.Rows {
			row, reason := jsonRow(i, in.Features, in.Entity)
			if reason != "" {
				refused = append(refused, processors.RowScore{Index: int32(i), Reason: reason})
				continue
			}
			rows = append(rows, row)
		}
	default:
		return nil, nil, http.StatusUnsupportedMediaType, fmt.Errorf("Content-Type %q: send application/json or text/csv", ct)
	}
	switch n := len(rows) + len(refused); {
	case n == 0:
		return nil, nil, http.StatusBadRequest, errors.New("the request has no rows")
	case n > s.o.MaxRows:
		return nil, nil, http.StatusRequestEntityTooLarge, fmt.Errorf("%d rows: at most api.max_rows (%d) per request", n, s.o.MaxRows)
	}
	return rows, refused, 0, nil
}

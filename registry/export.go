package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/linkedin/goavro/v2"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/schemas"
)

// Export formats.
const (
	FormatJSON = "json"
	// FormatAvro is an Avro Object Container File holding one ModelVersion
	// record (schemas.ModelVersion): the schema travels with the data.
	FormatAvro = "avro"
)

// Export is one version as exported: the fields of schemas.ModelVersion.
type Export struct {
	Model      string    `json:"model"`
	Key        string    `json:"key"`
	Version    int64     `json:"version"`
	Time       time.Time `json:"time"`
	Rows       int64     `json:"rows"`
	Invalid    int64     `json:"invalid"`
	Window     int64     `json:"window"`
	Metrics    []Metric  `json:"metrics"`
	ConfigHash string    `json:"config_hash"`
	Pinned     bool      `json:"pinned"`
	Params     Params    `json:"params"`
}

// Metric is a named metric value; NaN (undefined) is null in JSON.
type Metric struct {
	Name  string
	Value float64
}

// Params is the model of a version: enough to predict without streamsgd
// (weights, biases, standardisation) and to restore the learner exactly
// (Config and State, see table.Version.Restore).
type Params struct {
	Task        string          `json:"task"`
	Learner     string          `json:"learner"`
	Loss        string          `json:"loss"`
	Optimizer   string          `json:"optimizer"`
	Features    int             `json:"features"`
	Outputs     int             `json:"outputs"`
	Weights     []float64       `json:"weights"`
	Biases      []float64       `json:"biases"`
	Standardize bool            `json:"standardize"`
	Mean        []float64       `json:"mean"`
	InvSD       []float64       `json:"inv_sd"`
	Config      json.RawMessage `json:"config"`
	State       []byte          `json:"state"`
}

// NewExport builds the export of version v of reg; it restores the learner
// to read its parameters.
func NewExport(reg *table.Registry, v *table.Version) (*Export, error) {
	m, err := v.Restore()
	if err != nil {
		return nil, fmt.Errorf("registry: key %q: %w", reg.Key, err)
	}
	cfg := m.Config()
	params := m.Weights()
	nw := m.Outputs() * cfg.Features
	mean, inv := m.Standardization()
	e := &Export{
		Model: reg.Model, Key: reg.Key, Version: v.ID, Time: v.Time, Rows: v.Rows, Invalid: v.Invalid,
		Window: v.Window, ConfigHash: v.ConfigHash, Pinned: v.Pinned,
		Params: Params{
			Task: string(cfg.Task), Learner: cfg.Learner, Loss: cfg.Loss, Optimizer: cfg.Optimizer.Name,
			Features: cfg.Features, Outputs: m.Outputs(), Weights: params[:nw:nw], Biases: params[nw:],
			Standardize: cfg.Standardize, Mean: nonNil(mean), InvSD: nonNil(inv),
			Config: json.RawMessage(v.Config), State: v.State,
		},
	}
	for _, mv := range v.Metrics {
		e.Metrics = append(e.Metrics, Metric{Name: mv.Name, Value: mv.Value})
	}
	return e, nil
}

func nonNil(s []float64) []float64 {
	if s == nil {
		return []float64{}
	}
	return s
}

// MarshalJSON writes {"name":..., "value":...}, NaN and ±Inf as null.
func (m Metric) MarshalJSON() ([]byte, error) {
	var v *float64
	if !math.IsNaN(m.Value) && !math.IsInf(m.Value, 0) {
		v = &m.Value
	}
	return json.Marshal(struct {
		Name  string   `json:"name"`
		Value *float64 `json:"value"`
	}{m.Name, v})
}

// UnmarshalJSON reads what MarshalJSON writes (null as NaN).
func (m *Metric) UnmarshalJSON(data []byte) error {
	var s struct {
		Name  string   `json:"name"`
		Value *float64 `json:"value"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	m.Name, m.Value = s.Name, math.NaN()
	if s.Value != nil {
		m.Value = *s.Value
	}
	return nil
}

// Write writes e in format (FormatJSON: one indented JSON object;
// FormatAvro: an Avro Object Container File of one record).
func Write(w io.Writer, e *Export, format string) error {
	switch format {
	case FormatJSON:
		b, err := json.MarshalIndent(e, "", "  ")
		if err != nil {
			return fmt.Errorf("registry: export json: %w", err)
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case FormatAvro:
		b, err := AvroFile(e)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	return fmt.Errorf("registry: unknown export format %q (want %s or %s)", format, FormatJSON, FormatAvro)
}

// AvroCodec is the goavro codec of schemas.ModelVersion.
func AvroCodec() (*goavro.Codec, error) {
	text, err := schemas.Schema(schemas.ModelVersion)
	if err != nil {
		return nil, err
	}
	c, err := goavro.NewCodec(text)
	if err != nil {
		return nil, fmt.Errorf("registry: schema %s: %w", schemas.ModelVersion, err)
	}
	return c, nil
}

// AvroFile returns an Avro Object Container File (deflate) holding e.
func AvroFile(e *Export) ([]byte, error) {
	codec, err := AvroCodec()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w, err := goavro.NewOCFWriter(goavro.OCFConfig{W: &buf, Codec: codec, CompressionName: goavro.CompressionDeflateLabel})
	if err != nil {
		return nil, fmt.Errorf("registry: avro file: %w", err)
	}
	if err := w.Append([]any{e.AvroNative()}); err != nil {
		return nil, fmt.Errorf("registry: avro file: %w", err)
	}
	return buf.Bytes(), nil
}

// AvroNative is e as goavro's native form of a ModelVersion.
func (e *Export) AvroNative() map[string]any {
	ms := make([]any, len(e.Metrics))
	for i, m := range e.Metrics {
		ms[i] = map[string]any{"name": m.Name, "value": m.Value}
	}
	p := e.Params
	return map[string]any{
		"model": e.Model, "key": e.Key, "version": e.Version, "time": e.Time.UTC(),
		"rows": e.Rows, "invalid": e.Invalid, "window": e.Window, "metrics": ms,
		"config_hash": e.ConfigHash, "pinned": e.Pinned,
		"params": map[string]any{
			"task": p.Task, "learner": p.Learner, "loss": p.Loss, "optimizer": p.Optimizer,
			"features": int32(p.Features), "outputs": int32(p.Outputs),
			"weights": floats(p.Weights), "biases": floats(p.Biases), "standardize": p.Standardize,
			"mean": floats(p.Mean), "inv_sd": floats(p.InvSD),
			"config": string(p.Config), "state": p.State,
		},
	}
}

func floats(s []float64) []any {
	out := make([]any, len(s))
	for i, f := range s {
		out[i] = f
	}
	return out
}

package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/linkedin/goavro/v2"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/model"
)

// ocfMagic starts every Avro Object Container File.
var ocfMagic = []byte("Obj\x01")

// ReadExport reads what Write wrote, in either format: an Avro Object
// Container File of one schemas.ModelVersion record (told by its magic
// bytes), else one JSON object.
func ReadExport(data []byte) (*Export, error) {
	if bytes.HasPrefix(data, ocfMagic) {
		return readAvroExport(data)
	}
	var e Export
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("registry: read export (json): %w", err)
	}
	return &e, nil
}

func readAvroExport(data []byte) (*Export, error) {
	r, err := goavro.NewOCFReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("registry: read export (avro): %w", err)
	}
	if !r.Scan() {
		return nil, fmt.Errorf("registry: read export (avro): no record: %w", r.Err())
	}
	v, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("registry: read export (avro): %w", err)
	}
	e, err := exportFromNative(v)
	if err != nil {
		return nil, fmt.Errorf("registry: read export (avro): %w", err)
	}
	return e, nil
}

// exportFromNative is AvroNative's inverse, checking every field's type.
func exportFromNative(v any) (e *Export, err error) {
	n := fields{v: v}
	p := fields{v: n.get("params")}
	e = &Export{
		Model: n.str("model"), Key: n.str("key"), Version: n.long("version"), Time: n.time("time"),
		Rows: n.long("rows"), Invalid: n.long("invalid"), Window: n.long("window"),
		ConfigHash: n.str("config_hash"), Pinned: n.bool("pinned"),
		Params: Params{
			Task: p.str("task"), Learner: p.str("learner"), Loss: p.str("loss"), Optimizer: p.str("optimizer"),
			Features: int(p.int("features")), Outputs: int(p.int("outputs")),
			Weights: p.floats("weights"), Biases: p.floats("biases"), Standardize: p.bool("standardize"),
			Mean: p.floats("mean"), InvSD: p.floats("inv_sd"),
			Config: json.RawMessage(p.str("config")), State: p.bytes("state"),
		},
	}
	ms, _ := n.get("metrics").([]any)
	for _, m := range ms {
		mf := fields{v: m}
		e.Metrics = append(e.Metrics, Metric{Name: mf.str("name"), Value: mf.float("value")})
		n.err = firstErr(n.err, mf.err)
	}
	if err := firstErr(n.err, p.err); err != nil {
		return nil, err
	}
	return e, nil
}

// fields reads the fields of a goavro record, keeping the first type error.
type fields struct {
	v   any
	err error
}

func (f *fields) get(name string) any {
	m, ok := f.v.(map[string]any)
	if !ok {
		f.fail(name, "a record")
		return nil
	}
	return m[name]
}

func (f *fields) fail(name, want string) {
	if f.err == nil {
		f.err = fmt.Errorf("field %s is not %s", name, want)
	}
}

func field[T any](f *fields, name, want string) T {
	v, ok := f.get(name).(T)
	if !ok {
		f.fail(name, want)
	}
	return v
}

func (f *fields) str(name string) string     { return field[string](f, name, "a string") }
func (f *fields) long(name string) int64     { return field[int64](f, name, "a long") }
func (f *fields) int(name string) int32      { return field[int32](f, name, "an int") }
func (f *fields) bool(name string) bool      { return field[bool](f, name, "a boolean") }
func (f *fields) float(name string) float64  { return field[float64](f, name, "a double") }
func (f *fields) bytes(name string) []byte   { return field[[]byte](f, name, "bytes") }
func (f *fields) time(name string) time.Time { return field[time.Time](f, name, "a timestamp") }
func (f *fields) floats(name string) []float64 {
	vs := field[[]any](f, name, "an array")
	out := make([]float64, 0, len(vs))
	for _, v := range vs {
		x, ok := v.(float64)
		if !ok {
			f.fail(name, "an array of doubles")
		}
		out = append(out, x)
	}
	return out
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Restore rebuilds the exported learner from its config and state, as
// table.Version.Restore does for a version in the registry.
func (e *Export) Restore() (*model.Model, error) {
	v := table.Version{ID: e.Version, Config: e.Params.Config, State: e.Params.State}
	m, err := v.Restore()
	if err != nil {
		return nil, fmt.Errorf("registry: export of key %q: %w", e.Key, err)
	}
	return m, nil
}

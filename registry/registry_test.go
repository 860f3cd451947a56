package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/linkedin/goavro/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/broker"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/topology"
)

// version makes a version of a small trained model.
func version(t *testing.T, id int64, cfg model.Config) table.Version {
	t.Helper()
	m, err := model.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		x := []float64{math.Sin(float64(i)), math.Cos(float64(i)), float64(i % 3)}
		if err := m.Learn(x[:cfg.Features], float64(i%2)); err != nil {
			t.Fatal(err)
		}
	}
	state, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(m.Config())
	if err != nil {
		t.Fatal(err)
	}
	return table.Version{
		ID: id, Time: time.UnixMilli(1_700_000_000_123).UTC(), Rows: 50 * id, Invalid: 1, Window: 20,
		Metrics:    []metrics.Value{{Name: "accuracy", Value: 0.75}, {Name: "auc", Value: math.NaN()}},
		ConfigHash: "abc", Config: c, State: state,
	}
}

func TestExportJSONAndAvro(t *testing.T) {
	for _, cfg := range []model.Config{
		{Task: model.TaskBinary, Features: 3, Standardize: true, Optimizer: model.Optimizer{Name: "adam"}},
		{Task: model.TaskMulticlass, Classes: 3, Features: 2, Optimizer: model.Optimizer{Name: "ftrl"}},
	} {
		t.Run(string(cfg.Task), func(t *testing.T) {
			reg := &table.Registry{Model: "m", Key: "m/e1", LastID: 2}
			reg.Versions = []table.Version{version(t, 2, cfg)}
			reg.Versions[0].Pinned = true
			e, err := NewExport(reg, &reg.Versions[0])
			if err != nil {
				t.Fatal(err)
			}
			m, _ := reg.Versions[0].Restore()
			if all := append(slices.Clone(e.Params.Weights), e.Params.Biases...); !slices.Equal(all, m.Weights()) {
				t.Fatalf("weights+biases %v, want %v", all, m.Weights())
			}
			if len(e.Params.Biases) != m.Outputs() || (len(e.Params.Mean) == cfg.Features) != cfg.Standardize {
				t.Fatalf("params %+v", e.Params)
			}

			var js bytes.Buffer
			if err := Write(&js, e, FormatJSON); err != nil {
				t.Fatal(err)
			}
			var back Export
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatalf("%v\n%s", err, js.Bytes())
			}
			if !same(&back, e) {
				t.Errorf("JSON round trip:\n%+v\n%+v", back, *e)
			}
			if !strings.Contains(js.String(), `"value": null`) {
				t.Errorf("NaN metric not null in JSON:\n%s", js.String())
			}

			var av bytes.Buffer
			if err := Write(&av, e, FormatAvro); err != nil {
				t.Fatal(err)
			}
			got := readAvro(t, av.Bytes())
			if !same(got, e) {
				t.Errorf("Avro round trip:\n%+v\n%+v", *got, *e)
			}
		})
	}
	if err := Write(new(bytes.Buffer), &Export{}, "xml"); err == nil {
		t.Error("wrote xml")
	}
}

// readAvro decodes an exported OCF with goavro and the schema of
// schemas/, as a consumer outside streamsgd would.
func readAvro(t *testing.T, data []byte) *Export {
	t.Helper()
	r, err := goavro.NewOCFReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want, err := AvroCodec()
	if err != nil {
		t.Fatal(err)
	}
	if r.Codec().CanonicalSchema() != want.CanonicalSchema() {
		t.Fatalf("the file's schema is not schemas.ModelVersion:\n%s", r.Codec().CanonicalSchema())
	}
	var natives []any
	for r.Scan() {
		v, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		natives = append(natives, v)
	}
	if len(natives) != 1 {
		t.Fatalf("%d records, want 1", len(natives))
	}
	n := natives[0].(map[string]any)
	p := n["params"].(map[string]any)
	e := &Export{
		Model: n["model"].(string), Key: n["key"].(string), Version: n["version"].(int64), Time: n["time"].(time.Time),
		Rows: n["rows"].(int64), Invalid: n["invalid"].(int64), Window: n["window"].(int64),
		ConfigHash: n["config_hash"].(string), Pinned: n["pinned"].(bool),
		Params: Params{
			Task: p["task"].(string), Learner: p["learner"].(string), Loss: p["loss"].(string), Optimizer: p["optimizer"].(string),
			Features: int(p["features"].(int32)), Outputs: int(p["outputs"].(int32)),
			Weights: nativeFloats(p["weights"]), Biases: nativeFloats(p["biases"]), Standardize: p["standardize"].(bool),
			Mean: nativeFloats(p["mean"]), InvSD: nativeFloats(p["inv_sd"]),
			Config: json.RawMessage(p["config"].(string)), State: p["state"].([]byte),
		},
	}
	for _, m := range n["metrics"].([]any) {
		mm := m.(map[string]any)
		e.Metrics = append(e.Metrics, Metric{Name: mm["name"].(string), Value: mm["value"].(float64)})
	}
	return e
}

func nativeFloats(v any) []float64 {
	out := []float64{}
	for _, f := range v.([]any) {
		out = append(out, f.(float64))
	}
	return out
}

// same compares exports bit for bit (NaN equals NaN).
func same(a, b *Export) bool {
	fa, fb := a.Params, b.Params
	eqf := func(x, y []float64) bool {
		return slices.EqualFunc(x, y, func(p, q float64) bool { return math.Float64bits(p) == math.Float64bits(q) })
	}
	ma := slices.EqualFunc(a.Metrics, b.Metrics, func(p, q Metric) bool {
		return p.Name == q.Name && math.Float64bits(p.Value) == math.Float64bits(q.Value) || (math.IsNaN(p.Value) && math.IsNaN(q.Value))
	})
	return a.Model == b.Model && a.Key == b.Key && a.Version == b.Version && a.Time.Equal(b.Time) && a.Rows == b.Rows &&
		a.Invalid == b.Invalid && a.Window == b.Window && ma && a.ConfigHash == b.ConfigHash && a.Pinned == b.Pinned &&
		fa.Task == fb.Task && fa.Learner == fb.Learner && fa.Loss == fb.Loss && fa.Optimizer == fb.Optimizer &&
		fa.Features == fb.Features && fa.Outputs == fb.Outputs && eqf(fa.Weights, fb.Weights) && eqf(fa.Biases, fb.Biases) &&
		fa.Standardize == fb.Standardize && eqf(fa.Mean, fb.Mean) && eqf(fa.InvSD, fb.InvSD) &&
		compact(fa.Config) == compact(fb.Config) && bytes.Equal(fa.State, fb.State)
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return "invalid: " + err.Error()
	}
	return buf.String()
}

const clientYAML = `
name: r
partitions: 3
input:
  topics: [in]
  columns: [f0, f1, f2]
models:
  - name: m
`

// TestClientWithoutGroup reads registries written straight into the table
// topic, and checks the errors of pin without a running checkpoint group.
func TestClientWithoutGroup(t *testing.T) {
	b, err := broker.Start(broker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	cfg, err := config.Parse([]byte(clientYAML), "r.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := New(p, b.Addrs())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Registries(ctx); !errors.Is(err, ErrNoTable) {
		t.Fatalf("no table: %v", err)
	}
	c.Close() // its metadata says the table does not exist, for a while
	if c, err = New(p, b.Addrs()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	adm := kadm.NewClient(c.cl)
	for _, topic := range []string{c.Table(), string(p.Topics.Pins)} {
		if _, err := adm.CreateTopic(ctx, 3, 1, nil, topic); err != nil {
			t.Fatal(err)
		}
	}
	regs, err := c.Registries(ctx)
	for deadline := time.Now().Add(10 * time.Second); errors.Is(err, ErrNoTable) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond) // until the new topic is in the metadata
		regs, err = c.Registries(ctx)
	}
	if err != nil || len(regs) != 0 {
		t.Fatalf("empty table: %v %v", regs, err)
	}
	cfgM := model.Config{Task: model.TaskBinary, Features: 3, Optimizer: model.Optimizer{Name: model.OptimizerSGD}}
	write := func(key string, ids ...int64) {
		reg := &table.Registry{Model: "m", Key: key}
		for _, id := range ids {
			reg.Versions = append(reg.Versions, version(t, id, cfgM))
			reg.LastID = id
		}
		v, err := table.RegistryCodec{}.Encode(reg)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.cl.ProduceSync(ctx, &kgo.Record{Topic: c.Table(), Key: []byte(key), Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	write("m/a", 1)
	write("m/b", 1, 2)
	write("m/a", 1, 2, 3)
	regs, err = c.Registries(ctx)
	if err != nil || len(regs) != 2 || regs["m/a"].LastID != 3 || regs["m/b"].LastID != 2 {
		t.Fatalf("registries %v %v", regs, err)
	}
	sums, err := c.Summaries(ctx, "m")
	if err != nil || len(sums) != 2 || sums["m/a"].Versions[2].State != nil || sums["m/a"].Versions[2].Rows != 150 {
		t.Fatalf("summaries %v %v", sums, err)
	}
	if sums, err := c.Summaries(ctx, "other"); err != nil || len(sums) != 0 {
		t.Fatalf("summaries of another model %v %v", sums, err)
	}
	reg, err := c.Registry(ctx, "m/a")
	if err != nil || reg == nil || len(reg.Versions) != 3 {
		t.Fatalf("registry of m/a: %+v %v", reg, err)
	}
	if reg, err := c.Registry(ctx, "m/zz"); err != nil || reg != nil {
		t.Fatalf("registry of an unknown key: %+v %v", reg, err)
	}

	if _, err := c.Pin(ctx, "m/a", 7, table.OpPin, time.Second); !errors.Is(err, ErrNoVersion) || !strings.Contains(err.Error(), "kept: 1-3") {
		t.Errorf("pin of a missing version: %v", err)
	}
	if _, err := c.Pin(ctx, "m/zz", 1, table.OpPin, time.Second); !errors.Is(err, ErrNoVersion) {
		t.Errorf("pin of an unknown key: %v", err)
	}
	if _, err := c.Pin(ctx, "m/a", 2, table.OpPin, 500*time.Millisecond); !errors.Is(err, ErrNotApplied) || !strings.Contains(err.Error(), "r-checkpoint") {
		t.Errorf("pin without a checkpoint group: %v", err)
	}
}

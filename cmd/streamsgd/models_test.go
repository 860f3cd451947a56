package main

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

const modelsYAML = `
name: t
input:
  topics: [in]
  columns: [f0, f1]
models:
  - name: m
`

func TestWriteList(t *testing.T) {
	cfg, err := config.Parse([]byte(modelsYAML), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ms := []metrics.Value{{Name: "accuracy", Value: 0.75}, {Name: "auc", Value: math.NaN()}}
	regs := map[string]*table.Registry{
		"m": {Model: "m", Key: "m", LastID: 3, Versions: []table.Version{
			{ID: 2, Time: at, Rows: 100, Metrics: ms, ConfigHash: "old", Pinned: true, Replacements: 1},
			{ID: 3, Time: at, Rows: 200, Metrics: ms, ConfigHash: p.Specs["m"].ConfigHash, Replacements: 1},
		}},
		"gone/a": {Model: "gone", Key: "gone/a", Skipped: 2, SkipReason: "model \"gone\" is not in the pipeline config"},
	}
	var b bytes.Buffer
	if err := writeList(&b, p, regs, "", false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"KEY  VERSION  TIME (UTC)",
		"m    2        2026-01-02 03:04:05  100   accuracy=0.7500 auc=-  old*",
		"pinned",
		"* made under another config",
		`gone/a: 2 state(s) not versioned; last reason: model "gone" is not in the pipeline config`,
		"m: version 2: a background learner replaced the model after a drift (replacement 1; see <p>.events)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := writeList(&b, p, regs, "m", true); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); strings.Count(out, "\n") != 2 || !strings.Contains(out, "m    3") {
		t.Errorf("--model m --latest:\n%s", out)
	}
}

// TestLiveExport: a learn-table state exports as version 0 with the
// learner's weights, rows, time and config hash.
func TestLiveExport(t *testing.T) {
	cfg, err := config.Parse([]byte(modelsYAML), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	spec := p.Specs["m"]
	st, err := table.NewModelState("m", "m", spec.Shape())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		x := []float64{float64(i % 7), float64(i % 3)}
		if err := st.Learner.Learn(x, float64(i%2)); err != nil {
			t.Fatal(err)
		}
		st.Rows++
	}
	value, err := (&table.StateCodec{Shapes: processors.Shapes(p.Specs)}).Encode(st)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e, err := liveExport(p, spec, "m", value, at)
	if err != nil {
		t.Fatal(err)
	}
	if e.Version != 0 || e.Rows != 50 || !e.Time.Equal(at) || e.ConfigHash != spec.ConfigHash || e.Model != "m" {
		t.Errorf("export %+v", e)
	}
	w := st.Learner.Weights()
	if got := append(append([]float64{}, e.Params.Weights...), e.Params.Biases...); !slices.Equal(got, w) {
		t.Errorf("weights+biases %v, want %v", got, w)
	}
	if !strings.Contains(string(e.Params.Config), `"learning_rate"`) {
		t.Errorf("config %s: not in the yaml names", e.Params.Config)
	}
}

// TestLiveTable: a sharded model's live state is read from the merge
// table, every other model's from the learn table.
func TestLiveTable(t *testing.T) {
	cfg, err := config.Parse([]byte(modelsYAML+"  - name: s\n    shards: 2\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"m": string(p.Topics.LearnTable), "s": string(p.Topics.MergeTable)} {
		if _, topic, err := liveTable(p, key); err != nil || topic != want {
			t.Errorf("key %s: %s, %v; want %s", key, topic, err, want)
		}
	}
	if _, _, err := liveTable(p, "gone/x"); err == nil || !strings.Contains(err.Error(), "not in the pipeline config") {
		t.Errorf("unknown model: %v", err)
	}
}

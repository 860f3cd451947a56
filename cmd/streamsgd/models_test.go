package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/metrics"
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
			{ID: 2, Time: at, Rows: 100, Metrics: ms, ConfigHash: "old", Pinned: true},
			{ID: 3, Time: at, Rows: 200, Metrics: ms, ConfigHash: p.Specs["m"].ConfigHash},
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

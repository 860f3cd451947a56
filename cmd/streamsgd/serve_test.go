package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/topology"
)

func servePipeline(t *testing.T) *topology.Pipeline {
	t.Helper()
	cfg, err := config.Parse([]byte(modelsYAML+`  - name: m2
serve:
  - {name: a, topics: [t1], model: m}
  - {name: b, topics: [t2, t3], model: m, state: pinned, output: out}
`), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWriteStatus(t *testing.T) {
	p := servePipeline(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var b bytes.Buffer
	err := writeStatus(&b, p, map[string]*table.ServingOverride{"b": {Model: "m2", Time: at}},
		map[string]string{"a": "latest state, 10 rows learned", "b": "version 2, 8 rows learned"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"DEPLOYMENT  TOPICS  OUTPUT    CONFIGURED  PROMOTED",
		"a           t1      t.scores  m (latest)  -                                   latest state, 10 rows learned",
		"b           t2,t3   out       m (pinned)  m2 (pinned) at 2026-01-02 03:04:05  version 2, 8 rows learned",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("status lacks %q:\n%s", want, b.String())
		}
	}
}

func TestWriteEvaluation(t *testing.T) {
	p := servePipeline(t)
	d, _ := p.Deployment("b")
	var b bytes.Buffer
	writeEvaluation(&b, &operations.Evaluation{
		Deployment: d, Topics: d.Topics, Scored: 90, Labeled: 80, Dead: 10, Repeats: 3, Lag: 5,
		Models:   map[string]int64{"m": 60, "m2": 30},
		Versions: map[string][2]int64{"m": {100, 200}, "m2": {50, 50}},
		Metrics:  []metrics.Value{{Name: "accuracy", Value: 0.75}, {Name: "auc", Value: 0.5}},
	})
	want := `deployment b: t2, t3 scored into out
rows: 90 scored (80 labeled), 10 dead-lettered, 3 repeated predictions dropped
note: the score group had 5 record(s) of the topics left to score
model m: 60 rows, served versions (rows learned) 100..200
model m2: 30 rows, served versions (rows learned) 50..50
accuracy  0.7500
auc       0.5000
`
	if b.String() != want {
		t.Errorf("evaluation:\n%s\nwant\n%s", b.String(), want)
	}
}

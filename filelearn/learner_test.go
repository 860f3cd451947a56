package filelearn

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/batchscore"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/datasets/susy"
	"github.com/streamsgd/streamsgd/topology"
)

// pipelineYAML is a pipeline of a binary global model, a multiclass one
// (the label's class mod 3, as a column) and a per-entity one keyed by
// the entity column.
func pipelineYAML(model string) string {
	return `
name: fl
partitions: 1
input:
  topics: [fl.in]
  columns: [label, entity, ` + strings.Join(susy.FeatureNames(), ", ") + `]
  features: [` + strings.Join(susy.FeatureNames(), ", ") + `]
  label: {from: column, column: label}
models:
` + model
}

const globalModel = `
  - name: logreg
    optimizer: {name: adam, learning_rate: 0.01}
    metrics: {window: 100, buckets: 5, emit_every: 100}
`

const perEntityModel = `
  - name: each
    key: entity
    optimizer: {name: sgd, learning_rate: 0.05}
    standardize: false
`

// driftModel replaces itself by its background learner after a drift.
const driftModel = `
  - name: logreg
    optimizer: {name: adam, learning_rate: 0.01}
    drift: {detector: adwin, background: {enabled: true}}
`

const multiclassModel = `
  - name: soft
    task: multiclass
    classes: 3
    optimizer: {name: adagrad, learning_rate: 0.1}
`

// susyLines are n CSV lines of the SUSY-shaped stream: label, entity (one
// of 5, or empty every 97th row), features; every 50th label is 7 (a class
// the binary model refuses), every 89th is empty, every 211th line does
// not decode.
func susyLines(n int, labelMod int) []string { return susyLinesFlip(n, labelMod, n) }

// susyLinesFlip is susyLines whose binary labels flip from line flip on.
func susyLinesFlip(n, labelMod, flip int) []string {
	g := susy.New(3)
	lines := make([]string, n)
	for i := range lines {
		x, y := g.AppendCSV(nil)
		if i >= flip {
			y = 1 - y
		}
		label := strconv.Itoa(y)
		if labelMod > 0 {
			label = strconv.Itoa((i*7 + y) % labelMod)
		}
		if i%50 == 49 {
			label = "7"
		}
		if i%89 == 88 {
			label = "" // no label: learning needs one
		}
		ent := fmt.Sprintf("e%d", i%5)
		if i%97 == 96 {
			ent = ""
		}
		lines[i] = label + "," + ent + "," + string(x)
		if i%211 == 210 {
			lines[i] = label + "," + ent + ",abc"
		}
	}
	return lines
}

// viaRun learns the lines as the pipeline's route and learn groups do,
// one message per line of one partition, and returns each prediction's
// scores by "key/line" and the final states.
func viaRun(t *testing.T, p *topology.Pipeline, lines []string) (map[string][]float64, map[string]*table.ModelState, int) {
	t.Helper()
	preds := map[string][]float64{}
	states := map[string]*table.ModelState{}
	dead := 0
	for i, line := range lines {
		out := p.Route.Step(wire.Source{Topic: "fl.in", Partition: 0, Offset: int64(i)}, nil, []byte(line))
		dead += len(out.Dead)
		for _, b := range out.Batches {
			res, err := p.Learn.Step(states[b.Key], b)
			if err != nil {
				t.Fatal(err)
			}
			if res.State != nil {
				states[b.Key] = res.State
			}
			if res.Predictions == nil {
				continue
			}
			for _, pr := range res.Predictions.Predictions {
				preds[fmt.Sprintf("%s/%d", pr.Key, pr.Offset+1)] = pr.Scores
			}
		}
	}
	return preds, states, dead
}

// viaFile learns the lines as `streamsgd learn` does, in small chunks
// decoded by several workers, and returns each prediction's scores by
// "key/line" (from the output CSV), the results and the rejects.
func viaFile(t *testing.T, p *topology.Pipeline, lines []string) (map[string][]float64, Result, []batchscore.Reject) {
	t.Helper()
	spec, err := batchscore.FileSpec(p.Config.InputSpec(), batchscore.FileInput{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var rejects []batchscore.Reject
	on := func(r batchscore.Reject) { rejects = append(rejects, r) }
	l, err := New(Options{Models: p.Models, Output: &out, Labeled: true, OnReject: on})
	if err != nil {
		t.Fatal(err)
	}
	st, err := batchscore.DecodeFile(context.Background(), strings.NewReader(strings.Join(lines, "\n")+"\n"),
		batchscore.Options{Spec: spec, Workers: 3, ChunkBytes: 4096, OnReject: on}, l.Learn)
	if err != nil {
		t.Fatal(err)
	}
	if st.Rows != int64(len(lines)) {
		t.Errorf("decoded %d rows, want %d", st.Rows, len(lines))
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	preds := map[string][]float64{}
	for _, rec := range recs {
		var ps []float64
		for _, f := range rec[3 : len(rec)-1] {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, v)
		}
		preds[rec[1]+"/"+rec[0]] = ps
	}
	return preds, l.Results()[0], rejects
}

// TestSameAsRun: a file learned by filelearn gives, row for row, the
// predictions that the route and learn groups give for the same rows in
// the same order, the same final learners bit for bit, and rejects
// exactly the rows route dead-letters.
func TestSameAsRun(t *testing.T) {
	for _, tc := range []struct {
		name, model string
		labelMod    int
		flip        int  // line the labels flip at (0: none)
		events      bool // the drift monitor finds and replaces
	}{
		{"global binary", globalModel, 0, 0, false},
		{"per-entity", perEntityModel, 0, 0, false},
		{"multiclass", multiclassModel, 3, 0, false},
		{"background learner", driftModel, 0, 1500, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Parse([]byte(pipelineYAML(tc.model)), "fl.yaml")
			if err != nil {
				t.Fatal(err)
			}
			p, err := topology.Build(cfg)
			if err != nil {
				t.Fatal(err)
			}
			lines := susyLines(3000, tc.labelMod)
			if tc.flip > 0 {
				lines = susyLinesFlip(3000, tc.labelMod, tc.flip)
			}
			want, states, dead := viaRun(t, p, lines)
			got, res, rejects := viaFile(t, p, lines)
			if len(got) != len(want) || len(want) == 0 {
				t.Fatalf("%d predictions from the file, %d from run", len(got), len(want))
			}
			for k, w := range want {
				if g := got[k]; fmt.Sprint(g) != fmt.Sprint(w) {
					t.Fatalf("prediction %s: file %v, run %v", k, g, w)
				}
			}
			t.Logf("%d predictions, %d keys, %d rejects", len(want), len(states), len(rejects))
			if len(rejects) != dead {
				t.Errorf("%d rejects, run dead-lettered %d", len(rejects), dead)
			}
			var kinds []string
			for _, e := range res.Events {
				kinds = append(kinds, e.Kind)
			}
			if replaced := slices.Contains(kinds, "replaced"); replaced != tc.events {
				t.Errorf("drift events %v", kinds)
			}
			if int(res.Predicted)+len(rejects) != len(lines) {
				t.Errorf("predicted %d + rejected %d != %d rows", res.Predicted, len(rejects), len(lines))
			}
			if len(res.States) != len(states) {
				t.Fatalf("%d keys, run %d", len(res.States), len(states))
			}
			for k, st := range states {
				a, _ := st.Learner.MarshalBinary()
				b, _ := res.States[k].Learner.MarshalBinary()
				if !bytes.Equal(a, b) || st.Rows != res.States[k].Rows {
					t.Errorf("key %s: learner differs from run's", k)
				}
				if fmt.Sprint(st.Window.Values()) != fmt.Sprint(res.States[k].Window.Values()) {
					t.Errorf("key %s: window %v, run %v", k, res.States[k].Window.Values(), st.Window.Values())
				}
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/linkedin/goavro/v2"

	"github.com/streamsgd/streamsgd/batchscore"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/datasets/susy"
	"github.com/streamsgd/streamsgd/filelearn"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

// TestLearnCommand learns breast_cancer.csv from the file, writes the
// predictions, scores the file as held out, and saves the model as an
// export that score --model-file serves.
func TestLearnCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "pred.csv")
	c := &LearnCmd{Config: breastCancerYAML, Input: breastCancer, Header: true, Test: breastCancer,
		Output: out, Save: filepath.Join(dir, "models"), Format: "json", Workers: 2}
	var b strings.Builder
	c.stdout = &b
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	stdout := b.String()
	for _, want := range []string{"569 rows, 0 rejected", "prequential accuracy", "held-out accuracy", "saved 1 model keys"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	pred, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(pred)), "\n")
	if len(lines) != 570 || lines[0] != "line,key,predicted,p1,label" || !strings.HasPrefix(lines[1], "2,logreg,") {
		t.Errorf("predictions: %d lines, starting %q %q", len(lines), lines[0], lines[1])
	}
	cfg, err := config.Load(breastCancerYAML)
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ms, what, err := modelFile(p, filepath.Join(dir, "models", "logreg.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(what, "569 rows learned") || ms.Config().Features != 30 {
		t.Errorf("saved model: %s", what)
	}
}

// TestLearnCommandRejects: every row the pass refuses is in --rejects,
// those the decoder refuses (a short row, a word for a number) as well as
// those a model refuses (a label outside its classes). The decoder's went
// nowhere before: counted, neither on standard error nor in the file.
func TestLearnCommandRejects(t *testing.T) {
	data, err := os.ReadFile(breastCancer)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	good := lines[1]
	fields := strings.Split(good, ",")
	bad := []string{
		strings.Join(fields[:5], ","),                    // line 4: too few fields
		"cat," + strings.Join(fields[1:], ","),           // line 5: not a number
		strings.Join(fields[:len(fields)-1], ",") + ",2", // line 6: label 2 of a binary model
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	body := strings.Join(append([]string{lines[0], good, good}, bad...), "\n") + "\n"
	if err := os.WriteFile(in, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	rejects := filepath.Join(dir, "rejects.csv")
	c := &LearnCmd{Config: breastCancerYAML, Input: in, Header: true, Rejects: rejects, Workers: 2}
	var b strings.Builder
	c.stdout = &b
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "5 rows, 2 rejected by the decoder") {
		t.Errorf("report:\n%s", b.String())
	}
	got, err := os.ReadFile(rejects)
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(got)), "\n")
	if len(rows) != 4 {
		t.Fatalf("rejects file has %d lines, want a header and 3 rows:\n%s", len(rows), got)
	}
	for i, line := range []string{"4,", "5,", "6,"} {
		if !strings.HasPrefix(rows[i+1], line) {
			t.Errorf("reject %d: %q, want line %s", i, rows[i+1], strings.TrimSuffix(line, ","))
		}
	}
}

func TestLearnCommandRefusals(t *testing.T) {
	for _, c := range []*LearnCmd{
		{Config: breastCancerYAML, Input: breastCancer, Model: []string{"nope"}},
		{Config: breastCancerYAML, Input: breastCancer, Output: breastCancer, Header: true},
		{Config: breastCancerYAML, Input: breastCancer, Test: breastCancer, Rejects: breastCancer, Header: true},
	} {
		if err := c.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "nope") && !strings.Contains(err.Error(), "is an input file") {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

// TestLearnAvroContainer: an Avro pipeline learns from an Object Container
// File the model that the same rows give from a CSV file, and its held-out
// metrics come from a container too.
func TestLearnAvroContainer(t *testing.T) {
	dir := t.TempDir()
	names := susy.FeatureNames()
	fields := []string{`{"name": "label", "type": "int"}`}
	for _, n := range names {
		fields = append(fields, `{"name": "`+n+`", "type": "double"}`)
	}
	w, err := goavro.NewOCFWriter(goavro.OCFConfig{W: new(bytes.Buffer),
		Schema: `{"type": "record", "name": "Row", "fields": [` + strings.Join(fields, ", ") + `]}`})
	if err != nil {
		t.Fatal(err)
	}
	var ocf bytes.Buffer
	w, err = goavro.NewOCFWriter(goavro.OCFConfig{W: &ocf, Schema: w.Codec().Schema(), CompressionName: "deflate"})
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	g := susy.New(5)
	x := make([]float64, susy.Features)
	for range 3000 {
		y, _ := g.Next(x)
		rec := map[string]any{"label": int32(y)}
		fmt.Fprintf(&csv, "%d", y)
		for i, n := range names {
			rec[n] = x[i]
			fmt.Fprintf(&csv, ",%s", strconv.FormatFloat(x[i], 'g', -1, 64))
		}
		csv.WriteString("\n")
		if err := w.Append([]any{rec}); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{"rows.csv": csv.String(), "rows.avro": ocf.String(),
		"csv.yaml":  "name: l\ninput:\n  topics: [x]\n  columns: [label, " + strings.Join(names, ", ") + "]\n  label: {from: column, column: label}\nmodels:\n  - name: m\n",
		"avro.yaml": "name: l\ninput:\n  topics: [x]\n  format: avro\n  avro: {mode: ocf}\n  features: [" + strings.Join(names, ", ") + "]\n  label: {from: column, column: label}\nmodels:\n  - name: m\n"}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var outs []string
	for _, kind := range []string{"csv", "avro"} {
		in := filepath.Join(dir, "rows."+kind)
		var b strings.Builder
		c := &LearnCmd{Config: filepath.Join(dir, kind+".yaml"), Input: in, Test: in, Save: filepath.Join(dir, kind), Format: "json", stdout: &b}
		if err := c.Run(context.Background()); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		saved, err := os.ReadFile(filepath.Join(dir, kind, "m.json"))
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Params struct{ Weights, Biases []float64 }
		}
		if err := json.Unmarshal(saved, &e); err != nil {
			t.Fatal(err)
		}
		report := b.String()
		if !strings.Contains(report, "3000 rows, 0 rejected") || !strings.Contains(report, "held-out accuracy") {
			t.Errorf("%s report:\n%s", kind, report)
		}
		got := fmt.Sprint(e.Params)
		for _, line := range strings.Split(report, "\n") {
			if strings.HasPrefix(line, "  ") { // the metrics
				got += "\n" + line
			}
		}
		outs = append(outs, got)
	}
	if outs[0] != outs[1] {
		t.Errorf("CSV and Avro container learned differently:\n%s\n%s", outs[0], outs[1])
	}
}

// TestNothingLearned: learn fails when a model took none of the file's
// rows, and only then.
func TestNothingLearned(t *testing.T) {
	spec := processors.ModelSpec{Name: "m"}
	for _, c := range []struct {
		rows, predicted int64
		fail            bool
	}{{2, 0, true}, {2, 1, false}, {0, 0, false}} {
		err := nothingLearned(batchscore.Stats{Rows: c.rows, Rejected: c.rows}, []filelearn.Result{{Spec: spec, Predicted: c.predicted}})
		if (err != nil) != c.fail {
			t.Errorf("%d rows, %d predicted: %v", c.rows, c.predicted, err)
		}
	}
}

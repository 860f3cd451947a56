package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/config"
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

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/streamsgd/streamsgd/datasets/quality"
)

// TestRun: the figures of every data set, equal to the suite's own run,
// and SUSY rows that read back exactly as generated (the peers must learn
// from the very same numbers).
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	dir := t.TempDir()
	data := filepath.Join("..", "..", "..", "..", "examples", "data")
	out := filepath.Join(dir, "figures.json")
	if err := run(data, dir, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var figs []Figures
	if err := json.Unmarshal(b, &figs); err != nil {
		t.Fatal(err)
	}
	suite := quality.Suite()
	if len(figs) != len(suite) {
		t.Fatalf("%d data sets, suite %d", len(figs), len(suite))
	}
	for i, d := range suite {
		f := figs[i]
		if f.Name != d.Name || f.File != d.File || f.Task != string(d.Task) || f.Classes != d.Classes ||
			f.Metric != d.Metric() || f.Seeds != d.Seeds || !(f.Score.HeldOut > 0) {
			t.Errorf("%s: figures %+v", d.Name, f)
		}
		if d.File != "" {
			continue
		}
		train, test, err := d.Load(data)
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]*quality.Table{"susy_train.csv": train, "susy_test.csv": test} {
			got, err := quality.ReadCSVFile(filepath.Join(dir, name), "target")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Features, want.Features) || !slices.Equal(got.Y, want.Y) ||
				!slices.EqualFunc(got.X, want.X, slices.Equal) {
				t.Errorf("%s does not read back as the generated rows", name)
			}
		}
	}
}

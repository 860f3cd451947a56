package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

const validYAML = `
name: susy
input:
  topics: [susy.train]
  columns: [f0, f1, f2]
models:
  - name: logreg
`

func TestParseDefaults(t *testing.T) {
	c, err := Parse([]byte(validYAML), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := c.Models[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"partitions", c.Partitions, DefaultPartitions},
		{"format", c.Input.Format, "csv"},
		{"label", c.Input.Label.From, "key"},
		{"encoding", c.Output.Predictions, "json"},
		{"task", m.Config.Task, model.TaskBinary},
		{"learner", m.Config.Learner, "logistic"},
		{"optimizer", m.Config.Optimizer.Name, "ftrl"},
		{"standardize_target", m.Config.StandardizeTarget, false}, // binary
		{"standardize", m.Config.Standardize, true},
		{"key", m.Key, KeyGlobal},
		{"window", m.Metrics.Window.Size, metrics.DefaultWindowSize},
		{"features", c.FeatureCount(), 3},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestParseErrorsNameFieldAndFile(t *testing.T) {
	tests := []struct {
		name  string
		patch func(string) string
		field string
	}{
		{"unknown field", func(s string) string { return s + "bogus: 1\n" }, "bogus"},
		{"bad name", func(s string) string { return strings.Replace(s, "name: susy", "name: 'a b'", 1) }, "name"},
		{"no topics", func(s string) string { return strings.Replace(s, "topics: [susy.train]", "topics: []", 1) }, "input.topics"},
		{"bad format", func(s string) string { return strings.Replace(s, "topics:", "format: parquet\n  topics:", 1) }, "input"},
		{"no models", func(s string) string { return strings.Split(s, "models:")[0] }, "models"},
		{"bad task", func(s string) string { return s + "    task: ranking\n" }, "models[0].task"},
		{"bad optimizer", func(s string) string { return s + "    optimizer: {name: rmsprop}\n" }, "models[0]"},
		{"negative lr", func(s string) string { return s + "    optimizer: {learning_rate: -1}\n" }, "models[0]"},
		{"sharded entity", func(s string) string { return s + "    key: f0\n    shards: 2\n" }, "models[0].shards"},
		{"zero shards", func(s string) string { return s + "    shards: -1\n" }, "models[0].shards"},
		{"mix every", func(s string) string { return s + "    shards: 4\n    mix_every: -5\n" }, "models[0].mix_every"},
		{"buckets", func(s string) string { return s + "    metrics: {window: 10, buckets: 3}\n" }, "models[0].metrics.buckets"},
		{"duplicate", func(s string) string { return s + "  - name: logreg\n" }, "models[1].name"},
		{"encoding", func(s string) string { return s + "output: {encoding: xml}\n" }, "output.encoding"},
		{"partitions", func(s string) string { return s + "partitions: -1\n" }, "partitions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.patch(validYAML)), "conf/p.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not a FieldError", err)
			}
			if fe.File != "conf/p.yaml" || !strings.Contains(fe.Field, tt.field) {
				t.Errorf("error %q: file %q field %q, want field containing %q", err, fe.File, fe.Field, tt.field)
			}
		})
	}
}

func TestLoadSchemaFileRelative(t *testing.T) {
	dir := t.TempDir()
	schema := `{"type":"record","name":"R","fields":[{"name":"a","type":"double"},{"name":"b","type":"double"},{"name":"y","type":"int"}]}`
	if err := os.WriteFile(filepath.Join(dir, "r.avsc"), []byte(schema), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := `
name: av
input:
  topics: [in]
  format: avro
  avro: {schema_file: r.avsc}
  label: {from: column, column: y}
models: [{name: m}]
`
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.FeatureCount() != 2 {
		t.Errorf("features: %d, want 2", c.FeatureCount())
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing file: no error")
	}
}

package config

import (
	"errors"
	"strings"
	"testing"
)

// TestErrorStrings pins the whole message of representative bad configs:
// one line, the file and the field named once, no doubled prefixes.
func TestErrorStrings(t *testing.T) {
	const base = `name: susy
input:
  topics: [susy.train]
  columns: [f0, f1, f2]
models:
  - name: logreg
`
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"yaml syntax", "name: susy\n  partitions: [4\n",
			"examples/p.yaml: line 2: mapping values are not allowed in this context"},
		{"unknown field", base + "    learning_rate: 0.1\n",
			"examples/p.yaml: learning_rate: unknown field in models[0] (line 7)"},
		{"wrong type", base + "    shards: many\n",
			"examples/p.yaml: models[0].shards: cannot unmarshal !!str `many` into int (line 7)"},
		{"duplicate key", base + "    shards: 2\n    shards: 3\n",
			"examples/p.yaml: models[0].shards: defined twice (line 8)"},
		{"bad task", base + "    task: ranking\n",
			`examples/p.yaml: models[0].task: must be one of binary, multiclass, regression, got "ranking"`},
		{"bad optimizer name", base + "    optimizer: {name: rmsprop}\n",
			`examples/p.yaml: models[0].optimizer.name: must be one of sgd, adagrad, adam, ftrl, got "rmsprop"`},
		{"bad learning rate", base + "    optimizer:\n      learning_rate: -1\n",
			"examples/p.yaml: models[0].optimizer.learning_rate: must be > 0, got -1"},
		{"adam field", base + "    optimizer: {name: adam, beta1: 1}\n",
			"examples/p.yaml: models[0].optimizer.beta1: must be in (0, 1), got 1"},
		// A 0 written out was replaced by the default, silently.
		{"learning rate 0", base + "    optimizer:\n      learning_rate: 0\n",
			"examples/p.yaml: models[0].optimizer.learning_rate: must be > 0, got 0 (line 8): 0 would mean the default here; leave the key out for it"},
		{"beta1 0", base + "    optimizer: {name: adam, beta1: 0.0}\n",
			"examples/p.yaml: models[0].optimizer.beta1: must be in (0, 1), got 0.0 (line 7): 0 would mean the default here; leave the key out for it"},
		{"partitions 0", "partitions: 0\n" + base,
			"examples/p.yaml: partitions: must be >= 1, got 0 (line 1): 0 would mean the default here; leave the key out for it"},
		{"every_rows 0", base + "    checkpoints: {every_rows: 0}\n",
			"examples/p.yaml: models[0].checkpoints.every_rows: must be >= 1, got 0 (line 7): 0 would mean the default here; leave the key out for it"},
		{"expire_after 0", strings.Replace(base, "columns:", "labels: {topic: l, expire_after: {seconds: 0}}\n  columns:", 1),
			"examples/p.yaml: input.labels.expire_after.seconds: must be > 0, got 0 (line 4): 0 would mean the default here; leave the key out for it"},
		{"bad window", base + "    metrics: {window: 10, buckets: 3}\n",
			"examples/p.yaml: models[0].metrics.buckets: must divide metrics.window"},
		{"negative window", base + "    metrics: {window: -10}\n",
			"examples/p.yaml: models[0].metrics.window: must be in [1, 1073741824] (got -10)"},
		{"bad checkpoints", base + "    checkpoints: {keep: -1}\n",
			"examples/p.yaml: models[0].checkpoints.keep: must be >= 1, got -1"},
		{"bad drift detector", base + "    drift: {detector: ddm}\n",
			`examples/p.yaml: models[0].drift.detector: must be one of adwin, page_hinkley, none (got "ddm")`},
		{"bad adwin delta", base + "    drift: {adwin: {delta: 2}}\n",
			"examples/p.yaml: models[0].drift.adwin.delta: must be in (0, 1) (got 2)"},
		{"background of a sharded model", base + "    shards: 2\n    drift: {background: {enabled: true}}\n",
			"examples/p.yaml: models[0].drift.background.enabled: a sharded model cannot be replaced by a background learner (shards is 2)"},
		{"bad input column", strings.Replace(base, "columns: [f0, f1, f2]", "columns: [f0, f1, f2]\n  features: [f0, f9]", 1),
			`examples/p.yaml: input.features: "f9" is not one of the columns`},
		{"bad input format", strings.Replace(base, "columns:", "format: parquet\n  columns:", 1),
			`examples/p.yaml: input.format: must be "csv" or "avro", got "parquet"`},
		{"bad delimiter", strings.Replace(base, "columns:", "delimiter: ';;'\n  columns:", 1),
			`examples/p.yaml: input.delimiter: must be one character, got ";;"`},
		{"bad state memory", base + "state: {memory_mb: -8}\n",
			"examples/p.yaml: state.memory_mb: must be >= 1, got -8"},
		{"bad memtable", base + "state: {memtable_mb: 4096}\n",
			"examples/p.yaml: state.memtable_mb: must be in [0, 4096), got 4096"},
		{"bad cache", base + "state: {cache_mb: -1}\n",
			"examples/p.yaml: state.cache_mb: must be >= 0, got -1"},
		{"bad security field", base + "security: {sasl: {mechanism: PLAIN, username: alice}}\n",
			"examples/p.yaml: security.sasl.password: required with sasl.mechanism PLAIN"},
		{"unknown security field", base + "security: {tls: {verify: false}}\n",
			"examples/p.yaml: verify: unknown field in security.tls (line 7)"},
		{"too few classes", strings.Replace(base, "topics:", "label: {classes: [a]}\n  topics:", 1) + "    task: multiclass\n",
			"examples/p.yaml: models[0].classes: must be in [2, 65536] for a multiclass task, got 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "examples/p.yaml")
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want a *FieldError", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

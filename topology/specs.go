package topology

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/processors"
)

// InputSpec is the decoder spec of the pipeline's input, validated.
func (c *Config) InputSpec() (input.Spec, error) {
	in := c.Input
	s := c.inputSpec()
	if in.Format == "csv" && len([]rune(in.Delimiter)) != 1 {
		return s, fmt.Errorf("delimiter must be one character, got %q", in.Delimiter)
	}
	if err := c.checkKeyColumns(); err != nil {
		return s, err
	}
	s.EnsureDefaults()
	if err := s.Validate(); err != nil {
		return s, err
	}
	if c.FeatureCount() < 1 {
		return s, fmt.Errorf("cannot tell the number of features: list input.features (or input.columns without a header)")
	}
	return s, nil
}

func (c *Config) inputSpec() input.Spec {
	in := c.Input
	var delim rune
	for _, r := range in.Delimiter {
		delim = r
		break
	}
	return input.Spec{
		Format: in.Format, Header: in.Header, Delimiter: delim, Columns: in.Columns,
		AvroSchema: in.Avro.Schema, AvroMode: in.Avro.Mode, SchemaIDs: in.Avro.SchemaIDs,
		Features: in.Features, Label: input.LabelFrom(in.Label.From), LabelColumn: in.Label.Column,
		Classes: in.Label.Classes, KeyColumn: c.keyColumn(),
	}
}

// keyColumn is the entity column of the per-entity models (at most one).
func (c *Config) keyColumn() string {
	for _, m := range c.Models {
		if m.Key != "" && m.Key != KeyGlobal {
			return m.Key
		}
	}
	return ""
}

func (c *Config) checkKeyColumns() error {
	k := c.keyColumn()
	for _, m := range c.Models {
		if m.Key != KeyGlobal && m.Key != k {
			return fmt.Errorf("per-entity models must share one key column: %q and %q", k, m.Key)
		}
	}
	return nil
}

// FeatureCount is the number of features per row: the listed features,
// or the columns (CSV) or numeric fields (Avro) that are neither label nor
// key. 0 when the messages alone can tell (a CSV header without features).
func (c *Config) FeatureCount() int {
	names, err := c.inputSpec().FeatureNames()
	if err != nil {
		return 0
	}
	return len(names)
}

// ModelSpec converts one model's config into what the processors use.
func (c *Config) ModelSpec(m ModelConfig) (processors.ModelSpec, error) {
	if !slices.Contains([]string{"binary", "multiclass", "regression"}, m.Task) {
		return processors.ModelSpec{}, fmt.Errorf("unknown task %q", m.Task)
	}
	spec := processors.ModelSpec{
		Name: m.Name, Shards: m.Shards, EmitEvery: m.Metrics.EmitEvery, MixEvery: m.MixEvery,
		Checkpoint: processors.CheckpointSpec{
			EveryRows: m.Checkpoints.EveryRows, Keep: m.Checkpoints.Keep,
			Every: time.Duration(m.Checkpoints.EverySeconds * float64(time.Second)),
		},
		Model: model.Config{
			Task: model.Task(m.Task), Learner: m.Learner, Loss: m.Loss, HuberDelta: m.HuberDelta,
			Classes: m.Classes, Features: c.FeatureCount(), L1: m.L1, L2: m.L2,
			Standardize: m.Standardize == nil || *m.Standardize,
			Optimizer: model.Optimizer{
				Name: m.Optimizer.Name, LearningRate: m.Optimizer.LearningRate, Schedule: m.Optimizer.Schedule,
				Decay: m.Optimizer.Decay, Beta1: m.Optimizer.Beta1, Beta2: m.Optimizer.Beta2,
				Epsilon: m.Optimizer.Epsilon, FTRLBeta: m.Optimizer.FTRLBeta,
			},
		},
		Window: metrics.WindowConfig{Task: m.Task, Size: m.Metrics.Window, Buckets: m.Metrics.Buckets, Bins: m.Metrics.Bins},
	}
	if m.Key != KeyGlobal {
		spec.KeyColumn = m.Key
	}
	hash, err := c.modelHash(m)
	if err != nil {
		return processors.ModelSpec{}, err
	}
	spec.ConfigHash = hash
	spec.Model.EnsureDefaults()
	spec.Window.EnsureDefaults()
	return spec, nil
}

// modelHash is the hex SHA-256 (first 16 digits) of a model's config after
// defaults, its checkpoint settings aside, and of the pipeline's feature names: two versions with the same
// hash were trained under the same settings on the same features.
func (c *Config) modelHash(m ModelConfig) (string, error) {
	names, _ := c.inputSpec().FeatureNames() // nil when the header decides
	// When versions are made does not change what a version holds.
	m.Checkpoints = CheckpointConfig{}
	data, err := json.Marshal(struct {
		Model    ModelConfig
		Features []string
	}{m, names})
	if err != nil {
		return "", fmt.Errorf("config hash: %w", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8]), nil
}

// ModelSpecs converts every model, by name.
func (c *Config) ModelSpecs() (map[string]processors.ModelSpec, []processors.ModelSpec, error) {
	byName := make(map[string]processors.ModelSpec, len(c.Models))
	var ordered []processors.ModelSpec
	for _, m := range c.Models {
		s, err := c.ModelSpec(m)
		if err != nil {
			return nil, nil, fmt.Errorf("topology: model %s: %w", m.Name, err)
		}
		byName[m.Name] = s
		ordered = append(ordered, s)
	}
	return byName, ordered, nil
}

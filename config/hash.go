package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/streamsgd/streamsgd/drift"
	"github.com/streamsgd/streamsgd/model"
)

// ModelHash is the hex SHA-256 (first 16 digits) of a model's config after
// defaults, its checkpoint settings aside (Model.Checkpoints is not
// marshalled), and of the pipeline's feature
// names: two versions with the same hash were trained under the same
// settings on the same features.
func (c *Pipeline) ModelHash(m Model) (string, error) {
	names, _ := c.inputSpec().FeatureNames() // nil when the header decides
	data, err := json.Marshal(struct {
		Model    hashModel
		Features []string
	}{newHashModel(m), names})
	if err != nil {
		return "", fmt.Errorf("config: hash of model %s: %w", m.Name, err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8]), nil
}

// hashModel is Model as it was marshalled for the hash before model.Config
// had json tags: the Go field names, so that the hashes versions record
// stay the same (TestModelHashStable).
type hashModel struct {
	Name     string
	Config   hashConfig
	Key      string
	Shards   int
	MixEvery int64
	Metrics  Metrics
	// Drift is set only when a background learner may replace the model,
	// so that the hashes of models that do not are those they had before
	// drift detection.
	Drift *drift.Config `json:",omitempty"`
}

type hashConfig struct {
	Task        model.Task
	Learner     string
	Loss        string
	HuberDelta  float64
	Classes     int
	Features    int
	Optimizer   hashOptimizer
	L1          float64
	L2          float64
	Standardize bool
	// omitted when false, so that the hashes of the configs made before
	// it stay the same
	StandardizeTarget bool `json:",omitempty"`
}

// hashOptimizer has model.Optimizer's fields without their tags, so one
// converts to the other.
type hashOptimizer struct {
	Name         string
	LearningRate float64
	Schedule     string
	Decay        float64
	Beta1        float64
	Beta2        float64
	Epsilon      float64
	FTRLBeta     float64
}

func newHashModel(m Model) hashModel {
	c := m.Config
	var d *drift.Config
	if m.Drift.Background.Enabled {
		d = &m.Drift
	}
	return hashModel{Drift: d,
		Name: m.Name, Key: m.Key, Shards: m.Shards, MixEvery: m.MixEvery, Metrics: m.Metrics,
		Config: hashConfig{
			Task: c.Task, Learner: c.Learner, Loss: c.Loss, HuberDelta: c.HuberDelta, Classes: c.Classes,
			Features: c.Features, Optimizer: hashOptimizer(c.Optimizer), L1: c.L1, L2: c.L2,
			Standardize: c.Standardize, StandardizeTarget: c.StandardizeTarget,
		},
	}
}

package config

import (
	"time"

	"github.com/streamsgd/streamsgd/drift"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// KeyGlobal is the model key of a single (possibly sharded) global model.
const KeyGlobal = "global"

// Model declares one model of a pipeline.
type Model struct {
	// Name of the model, unique in the pipeline ([A-Za-z0-9_-]). Required.
	Name string `yaml:"name"`
	// Config is the learner: the keys task, learner, loss, huber_delta,
	// classes, optimizer, l1, l2 and standardize sit beside name in the
	// YAML; each is documented, with its default, on model.Config and
	// model.Optimizer. A pipeline defaults task to "binary", standardize
	// and (for a regression) standardize_target to true and classes to
	// len(input.label.classes), and derives Features from the input.
	Config model.Config `yaml:",inline"`
	// Key is "global" (one model) or the name of an input column whose
	// value selects a per-entity model. Default "global".
	Key string `yaml:"key"`
	// Shards of a global model (data-parallel). Default 1.
	Shards int `yaml:"shards"`
	// MixEvery: with shards > 1, each shard publishes its state to the
	// merge processor and mixes the merged model back in every MixEvery
	// rows it learns (iterative parameter mixing). Default 1000.
	MixEvery int64 `yaml:"mix_every"`
	// Checkpoints says when versions of the model are written to the
	// registry and how many are kept. Not part of the config hash (when
	// versions are made does not change what a version holds).
	Checkpoints Checkpoints `yaml:"checkpoints" json:"-"`
	// Metrics sizes the rolling window and the snapshot interval.
	Metrics Metrics `yaml:"metrics"`
	// Drift configures drift detection on the model's loss: the keys
	// detector, adwin, page_hinkley and background, each documented, with
	// its default, on drift.Config. Default: ADWIN, no background learner.
	// In the config hash only when a background learner may replace the
	// model (detection alone does not change what a version holds).
	Drift drift.Config `yaml:"drift" json:"-"`
}

// UnmarshalYAML starts a model from the pipeline defaults that YAML's zero
// value cannot express (standardize: true, standardize_target: true, which
// model.Config.EnsureDefaults clears unless the learner is linear), then
// decodes over it.
func (m *Model) UnmarshalYAML(unmarshal func(any) error) error {
	type plain Model // without this method
	p := plain{Config: model.Config{Standardize: true, StandardizeTarget: true}}
	if err := unmarshal(&p); err != nil {
		return err
	}
	*m = Model(p)
	return nil
}

// PerEntity reports whether the model has one instance per value of its
// key column.
func (m Model) PerEntity() bool { return m.Key != KeyGlobal }

// Metrics sizes the rolling metrics window and the snapshot interval.
type Metrics struct {
	// Window is the rolling window: the keys window, buckets and bins,
	// each documented, with its default, on metrics.WindowConfig. Its Task
	// is the model's.
	Window metrics.WindowConfig `yaml:",inline"`
	// EmitEvery: a MetricSnapshot every this many learned rows per model
	// key. Default 1000.
	EmitEvery int64 `yaml:"emit_every"`
}

// Checkpoints says when a model key gets a new version in the checkpoint
// registry: after EveryRows more learned rows or EverySeconds since its
// last version, whichever comes first, or once it stopped learning for
// IdleSeconds.
type Checkpoints struct {
	// EveryRows: a version every this many learned rows. Default 100000.
	EveryRows int64 `yaml:"every_rows"`
	// EverySeconds: a version at least this often while the model learns.
	// Default 60; use a large value to checkpoint by rows only.
	EverySeconds float64 `yaml:"every_seconds"`
	// IdleSeconds: a model key whose newest state is not a version yet
	// gets one when no newer state has come for this long (the stream
	// ended or paused), so that a model that stopped learning is versioned
	// promptly. Default 5; use a large value to turn it off.
	IdleSeconds float64 `yaml:"idle_seconds"`
	// Keep the last Keep versions of each model key, plus every pinned one.
	// Default 10.
	Keep int `yaml:"keep"`
}

// Every is EverySeconds as a duration.
func (c Checkpoints) Every() time.Duration {
	return time.Duration(c.EverySeconds * float64(time.Second))
}

// Idle is IdleSeconds as a duration.
func (c Checkpoints) Idle() time.Duration {
	return time.Duration(c.IdleSeconds * float64(time.Second))
}

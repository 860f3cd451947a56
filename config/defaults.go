package config

import "github.com/streamsgd/streamsgd/model"

// Defaults of the fields this package owns; the model and metrics packages
// own the defaults of model.Config and metrics.WindowConfig.
const (
	DefaultPartitions  = 4
	DefaultReplication = 1
	DefaultEncoding    = "json"
	DefaultLabelFrom   = "key"
	DefaultTask        = model.TaskBinary
	DefaultShards      = 1
	DefaultMixEvery    = 1000
	DefaultEmitEvery   = 1000
	// Checkpoint registry: a version every 100,000 rows or 60 s, the last
	// 10 kept.
	DefaultCheckpointRows    = 100_000
	DefaultCheckpointSeconds = 60
	// DefaultCheckpointIdleSeconds: see Checkpoints.IdleSeconds.
	DefaultCheckpointIdleSeconds = 5
	DefaultCheckpointKeep        = 10
	// DefaultStateMemoryMB: see State.MemoryMB.
	DefaultStateMemoryMB = 64
)

// EnsureDefaults fills zero fields with the defaults documented beside
// them, and derives what the models take from the input: their number of
// features, the classes of a multiclass task, the task of their metrics.
func (c *Pipeline) EnsureDefaults() {
	setZero(&c.Partitions, DefaultPartitions)
	setZero(&c.Replication, DefaultReplication)
	c.Input.ensureDefaults()
	c.Output.ensureDefaults()
	setZero(&c.State.MemoryMB, DefaultStateMemoryMB)
	c.API.ensureDefaults()
	for i := range c.Models {
		c.Models[i].ensureDefaults(&c.Input)
	}
	features := c.FeatureCount() // after the models' keys, which it excludes
	for i := range c.Models {
		c.Models[i].Config.Features = features
	}
	for i := range c.Serve {
		c.Serve[i].ensureDefaults(c.Name)
	}
}

func (in *Input) ensureDefaults() {
	if in.Delayed() {
		setZero(&in.Label.From, "none")
	}
	setZero(&in.Label.From, DefaultLabelFrom)
	in.Labels.ensureDefaults()
	s := in.spec("")
	s.EnsureDefaults() // package input owns the decoding defaults
	in.Format, in.Avro.Mode = s.Format, s.AvroMode
	if in.Delimiter == "" && s.Delimiter != 0 {
		in.Delimiter = string(s.Delimiter)
	}
}

func (o *Output) ensureDefaults() {
	setZero(&o.Encoding, DefaultEncoding)
	for _, p := range []*string{&o.Predictions, &o.Metrics, &o.DeadLetter, &o.Events} {
		setZero(p, o.Encoding)
	}
}

func (m *Model) ensureDefaults(in *Input) {
	setZero(&m.Config.Task, DefaultTask)
	if m.Config.Task == model.TaskMulticlass {
		setZero(&m.Config.Classes, len(in.Label.Classes))
	}
	m.Config.EnsureDefaults()
	setZero(&m.Key, KeyGlobal)
	setZero(&m.Shards, DefaultShards)
	setZero(&m.MixEvery, DefaultMixEvery)
	m.Checkpoints.ensureDefaults()
	m.Metrics.Window.Task = string(m.Config.Task)
	m.Metrics.Window.EnsureDefaults()
	setZero(&m.Metrics.EmitEvery, DefaultEmitEvery)
	m.Drift.EnsureDefaults() // package drift owns its defaults
}

func (cc *Checkpoints) ensureDefaults() {
	setZero(&cc.EveryRows, DefaultCheckpointRows)
	setZero(&cc.EverySeconds, DefaultCheckpointSeconds)
	setZero(&cc.IdleSeconds, DefaultCheckpointIdleSeconds)
	setZero(&cc.Keep, DefaultCheckpointKeep)
}

// setZero sets *f to v if it is the zero value.
func setZero[T comparable](f *T, v T) {
	var zero T
	if *f == zero {
		*f = v
	}
}

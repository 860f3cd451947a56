package topology

import (
	"errors"
	"fmt"
	"slices"

	"github.com/streamsgd/streamsgd/kafkaclient"
)

// Defaults of a pipeline config.
const (
	DefaultPartitions  = 4
	DefaultReplication = 1
	DefaultWindow      = 1000
	DefaultBuckets     = 5
	DefaultBins        = 32
	DefaultEmitEvery   = 1000
	DefaultEncoding    = "json"
	DefaultMixEvery    = 1000
	// Checkpoint registry: a version every 100,000 rows or 60 s, the last
	// 10 kept.
	DefaultCheckpointRows    = 100_000
	DefaultCheckpointSeconds = 60
	DefaultCheckpointKeep    = 10
)

// EnsureDefaults fills zero fields with their documented defaults.
func (c *Config) EnsureDefaults() {
	if c.Partitions == 0 {
		c.Partitions = DefaultPartitions
	}
	if c.Replication == 0 {
		c.Replication = DefaultReplication
	}
	c.Input.ensureDefaults()
	c.Output.ensureDefaults()
	for i := range c.Models {
		c.Models[i].ensureDefaults(&c.Input)
	}
}

func (in *InputConfig) ensureDefaults() {
	if in.Format == "" {
		in.Format = "csv"
	}
	if in.Delimiter == "" && in.Format == "csv" {
		in.Delimiter = ","
	}
	if in.Label.From == "" {
		in.Label.From = "key"
	}
	if in.Format == "avro" && in.Avro.Mode == "" {
		in.Avro.Mode = "binary"
	}
}

func (o *OutputConfig) ensureDefaults() {
	if o.Encoding == "" {
		o.Encoding = DefaultEncoding
	}
	for _, p := range []*string{&o.Predictions, &o.Metrics, &o.DeadLetter} {
		if *p == "" {
			*p = o.Encoding
		}
	}
}

func (m *ModelConfig) ensureDefaults(in *InputConfig) {
	if m.Task == "" {
		m.Task = "binary"
	}
	if m.Learner == "" {
		m.Learner = map[string]string{"binary": "logistic", "multiclass": "softmax", "regression": "linear"}[m.Task]
	}
	if m.Learner == "linear" && m.Loss == "" {
		m.Loss = "squared"
	}
	if m.Task == "multiclass" && m.Classes == 0 {
		m.Classes = len(in.Label.Classes)
	}
	if m.Optimizer.Name == "" {
		m.Optimizer.Name = "adam"
	}
	if m.Standardize == nil {
		t := true
		m.Standardize = &t
	}
	if m.Key == "" {
		m.Key = KeyGlobal
	}
	if m.Shards == 0 {
		m.Shards = 1
	}
	if m.MixEvery == 0 {
		m.MixEvery = DefaultMixEvery
	}
	m.Checkpoints.ensureDefaults()
	m.Metrics.ensureDefaults()
}

func (mc *MetricsConfig) ensureDefaults() {
	if mc.Window == 0 {
		mc.Window = DefaultWindow
	}
	if mc.Buckets == 0 {
		mc.Buckets = DefaultBuckets
	}
	if mc.Bins == 0 {
		mc.Bins = DefaultBins
	}
	if mc.EmitEvery == 0 {
		mc.EmitEvery = DefaultEmitEvery
	}
}

func (cc *CheckpointConfig) ensureDefaults() {
	if cc.EveryRows == 0 {
		cc.EveryRows = DefaultCheckpointRows
	}
	if cc.EverySeconds == 0 {
		cc.EverySeconds = DefaultCheckpointSeconds
	}
	if cc.Keep == 0 {
		cc.Keep = DefaultCheckpointKeep
	}
}

// KeyGlobal is the model key of a single (possibly sharded) global model.
const KeyGlobal = "global"

// Validate checks the config after EnsureDefaults and names the first bad
// field and the file.
func (c *Config) Validate() error {
	fe := func(field, format string, args ...any) error {
		return &FieldError{File: c.File, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case !nameRE.MatchString(c.Name):
		return fe("name", "must be non-empty and use only letters, digits, '_' and '-', got %q", c.Name)
	case c.Partitions < 1:
		return fe("partitions", "must be >= 1, got %d", c.Partitions)
	case c.Replication < 1:
		return fe("replication", "must be >= 1, got %d", c.Replication)
	case len(c.Models) == 0:
		return fe("models", "at least one model is required")
	}
	if err := c.validateInput(fe); err != nil {
		return err
	}
	if err := c.validateOutput(fe); err != nil {
		return err
	}
	if err := c.validateSecurity(fe); err != nil {
		return err
	}
	return c.validateModels(fe)
}

type fieldErrorFunc func(field, format string, args ...any) error

func (c *Config) validateInput(fe fieldErrorFunc) error {
	in := c.Input
	if len(in.Topics) == 0 {
		return fe("input.topics", "at least one input topic is required")
	}
	for i, t := range in.Topics {
		if t == "" {
			return fe(fmt.Sprintf("input.topics[%d]", i), "must not be empty")
		}
	}
	if _, err := c.InputSpec(); err != nil {
		return fe("input", "%v", err)
	}
	return nil
}

func (c *Config) validateOutput(fe fieldErrorFunc) error {
	for _, f := range []struct{ field, enc string }{
		{"output.encoding", c.Output.Encoding}, {"output.predictions", c.Output.Predictions},
		{"output.metrics", c.Output.Metrics}, {"output.deadletter", c.Output.DeadLetter},
	} {
		if f.enc != "json" && f.enc != "avro" {
			return fe(f.field, "must be \"json\" or \"avro\", got %q", f.enc)
		}
	}
	return nil
}

func (c *Config) validateModels(fe fieldErrorFunc) error {
	seen := map[string]bool{}
	for i, m := range c.Models {
		field := fmt.Sprintf("models[%d]", i)
		if !nameRE.MatchString(m.Name) {
			return fe(field+".name", "must be non-empty and use only letters, digits, '_' and '-', got %q", m.Name)
		}
		if seen[m.Name] {
			return fe(field+".name", "duplicate model name %q", m.Name)
		}
		seen[m.Name] = true
		if err := c.validateModel(fe, field, m); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) validateModel(fe fieldErrorFunc, field string, m ModelConfig) error {
	if !slices.Contains([]string{"binary", "multiclass", "regression"}, m.Task) {
		return fe(field+".task", "must be binary, multiclass or regression, got %q", m.Task)
	}
	if m.Shards < 1 {
		return fe(field+".shards", "must be >= 1, got %d", m.Shards)
	}
	if m.Key != KeyGlobal && m.Shards != 1 {
		return fe(field+".shards", "only a global model can be sharded (key is %q)", m.Key)
	}
	if m.MixEvery < 1 {
		return fe(field+".mix_every", "must be >= 1, got %d", m.MixEvery)
	}
	if c := m.Checkpoints; c.EveryRows < 1 || c.EverySeconds <= 0 || c.Keep < 1 {
		return fe(field+".checkpoints", "every_rows and keep must be >= 1 and every_seconds > 0, got %d, %d and %g", c.EveryRows, c.Keep, c.EverySeconds)
	}
	if m.Key != KeyGlobal && c.Input.Label.From == "column" && m.Key == c.Input.Label.Column {
		return fe(field+".key", "the label column %q cannot be the model key", m.Key)
	}
	if m.Metrics.Window < 1 || m.Metrics.Buckets < 1 || m.Metrics.Bins < 2 || m.Metrics.EmitEvery < 1 {
		return fe(field+".metrics", "window, buckets and emit_every must be >= 1 and bins >= 2")
	}
	if m.Metrics.Window%m.Metrics.Buckets != 0 {
		return fe(field+".metrics.buckets", "must divide window (%d), got %d", m.Metrics.Window, m.Metrics.Buckets)
	}
	spec, err := c.ModelSpec(m)
	if err != nil {
		return fe(field, "%v", err)
	}
	if err := spec.Model.Validate(); err != nil {
		return fe(field, "%v", err)
	}
	if err := spec.Window.Validate(); err != nil {
		return fe(field+".metrics", "%v", err)
	}
	return nil
}

func (c *Config) validateSecurity(fe fieldErrorFunc) error {
	err := c.Security.Validate()
	var se *kafkaclient.FieldError
	if errors.As(err, &se) {
		return fe("security."+se.Field, "%s", se.Msg)
	}
	return err
}

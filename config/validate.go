package config

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/drift"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// ValidName reports whether s can name a pipeline or a model (it becomes
// part of topic and group names): non-empty, letters, digits, '_' and '-'.
func ValidName(s string) bool { return nameRE.MatchString(s) }

// Validate checks the config after EnsureDefaults and returns a
// *FieldError naming the file and the first bad field. Each section is
// checked once, by the package that owns it: the learner by model.Config,
// the window by metrics.WindowConfig, the decoder by input.Spec, the
// security by kafkaclient.Security; Validate checks the rest and names
// their fields as the YAML does.
func (c *Pipeline) Validate() error {
	fe := c.fieldError
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
	for _, check := range []func() error{c.validateInput, c.validateOutput, c.validateState, c.validateAPI, c.validateSecurity, c.validateModels, c.validateServe} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Pipeline) fieldError(field, format string, args ...any) error {
	return &FieldError{File: c.File, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (c *Pipeline) validateInput() error {
	in := c.Input
	if len(in.Topics) == 0 {
		return c.fieldError("input.topics", "at least one input topic is required")
	}
	for i, t := range in.Topics {
		if t == "" {
			return c.fieldError(fmt.Sprintf("input.topics[%d]", i), "must not be empty")
		}
	}
	if in.Format == "csv" && len([]rune(in.Delimiter)) != 1 {
		return c.fieldError("input.delimiter", "must be one character, got %q", in.Delimiter)
	}
	k := c.KeyColumn()
	for i, m := range c.Models {
		if m.Key != KeyGlobal && m.Key != k {
			return c.fieldError(fmt.Sprintf("models[%d].key", i), "per-entity models must share one key column: %q and %q", k, m.Key)
		}
	}
	if err := c.validateLabels(); err != nil {
		return err
	}
	if err := c.inputSpec().Validate(); err != nil {
		field, msg := c.inputField(err)
		return c.fieldError(field, "%s", msg)
	}
	if c.FeatureCount() < 1 {
		return c.fieldError("input.features", "cannot tell the number of features: list input.features (or input.columns without a header)")
	}
	return nil
}

func (c *Pipeline) validateOutput() error {
	for _, f := range []struct{ field, enc string }{
		{"output.encoding", c.Output.Encoding}, {"output.predictions", c.Output.Predictions},
		{"output.metrics", c.Output.Metrics}, {"output.deadletter", c.Output.DeadLetter},
		{"output.events", c.Output.Events},
	} {
		if f.enc != "json" && f.enc != "avro" {
			return c.fieldError(f.field, "must be \"json\" or \"avro\", got %q", f.enc)
		}
	}
	return nil
}

func (c *Pipeline) validateState() error {
	switch s := c.State; {
	case s.MemoryMB < 1:
		return c.fieldError("state.memory_mb", "must be >= 1, got %d", s.MemoryMB)
	case s.CacheMB < 0:
		return c.fieldError("state.cache_mb", "must be >= 0, got %d", s.CacheMB)
	case s.MemtableMB < 0 || s.MemtableMB >= 4096:
		return c.fieldError("state.memtable_mb", "must be in [0, 4096), got %d", s.MemtableMB)
	}
	return nil
}

func (c *Pipeline) validateSecurity() error {
	err := c.Security.Validate()
	var se *kafkaclient.FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return c.fieldError("security."+se.Field, "%s", se.Msg)
	}
	return c.fieldError("security", "%s", err.Error())
}

func (c *Pipeline) validateModels() error {
	seen := map[string]bool{}
	for i, m := range c.Models {
		field := fmt.Sprintf("models[%d]", i)
		if !nameRE.MatchString(m.Name) {
			return c.fieldError(field+".name", "must be non-empty and use only letters, digits, '_' and '-', got %q", m.Name)
		}
		if seen[m.Name] {
			return c.fieldError(field+".name", "duplicate model name %q", m.Name)
		}
		seen[m.Name] = true
		if err := c.validateModel(field, m); err != nil {
			return err
		}
	}
	return nil
}

func (c *Pipeline) validateModel(field string, m Model) error {
	var me *model.FieldError
	if err := m.Config.Validate(); errors.As(err, &me) {
		if me.Field == "features" { // the input decides the number of features
			return c.fieldError("input.features", "%s", me.Reason)
		}
		return c.fieldError(field+"."+me.Field, "%s", me.Reason)
	} else if err != nil {
		return c.fieldError(field, "%s", err.Error())
	}
	fe := func(key, format string, args ...any) error { return c.fieldError(field+"."+key, format, args...) }
	switch cp := m.Checkpoints; {
	case m.Shards < 1:
		return fe("shards", "must be >= 1, got %d", m.Shards)
	case m.PerEntity() && m.Shards != 1:
		return fe("shards", "only a global model can be sharded (key is %q)", m.Key)
	case m.MixEvery < 1:
		return fe("mix_every", "must be >= 1, got %d", m.MixEvery)
	case m.PerEntity() && c.Input.Label.From == "column" && m.Key == c.Input.Label.Column:
		return fe("key", "the label column %q cannot be the model key", m.Key)
	case cp.EveryRows < 1:
		return fe("checkpoints.every_rows", "must be >= 1, got %d", cp.EveryRows)
	case !(cp.EverySeconds > 0):
		return fe("checkpoints.every_seconds", "must be > 0, got %g", cp.EverySeconds)
	case !(cp.IdleSeconds > 0):
		return fe("checkpoints.idle_seconds", "must be > 0, got %g", cp.IdleSeconds)
	case cp.Keep < 1:
		return fe("checkpoints.keep", "must be >= 1, got %d", cp.Keep)
	case m.Metrics.EmitEvery < 1:
		return fe("metrics.emit_every", "must be >= 1, got %d", m.Metrics.EmitEvery)
	}
	var we *metrics.ConfigError
	if err := m.Metrics.Window.Validate(); errors.As(err, &we) {
		return fe(windowKeys[we.Field], "%s", strings.ReplaceAll(we.Reason, "window.size", windowKeys["window.size"]))
	} else if err != nil {
		return fe("metrics", "%s", err.Error())
	}
	return validateDrift(m, fe)
}

func validateDrift(m Model, fe func(key, format string, args ...any) error) error {
	var de *drift.ConfigError
	if err := m.Drift.Validate(); errors.As(err, &de) {
		return fe("drift."+de.Field, "%s", de.Reason)
	} else if err != nil {
		return fe("drift", "%s", err.Error())
	}
	if m.Drift.Background.Enabled && m.Shards > 1 {
		return fe("drift.background.enabled", "a sharded model cannot be replaced by a background learner (shards is %d)", m.Shards)
	}
	return nil
}

// windowKeys are the keys in a model's section of metrics.ConfigError's
// fields.
var windowKeys = map[string]string{
	"window.task": "task", "window.size": "metrics.window",
	"window.buckets": "metrics.buckets", "window.bins": "metrics.bins",
}

// specErrorRE splits an input.Spec error, "input: <field>[i][:] <reason>",
// into the Spec field and the rest.
var specErrorRE = regexp.MustCompile(`^input: ([a-z_]+)(\[\d+\])?:? (.*)$`)

// specKeys are the keys of the input section of the input.Spec fields.
var specKeys = map[string]string{
	"format": "input.format", "header": "input.header", "delimiter": "input.delimiter",
	"columns": "input.columns", "features": "input.features",
	"avro_schema": "input.avro.schema", "avro_mode": "input.avro.mode", "schema_ids": "input.avro.schema_ids",
	"label": "input.label.from", "label_column": "input.label.column", "classes": "input.label.classes",
	"id_column": "input.id_column",
}

// inputField names the key of an input.Spec error as the YAML does.
func (c *Pipeline) inputField(err error) (field, msg string) {
	m := specErrorRE.FindStringSubmatch(err.Error())
	if m == nil {
		return "input", strings.TrimPrefix(err.Error(), "input: ")
	}
	if m[1] == "key_column" {
		for i, model := range c.Models {
			if model.PerEntity() {
				return fmt.Sprintf("models[%d].key%s", i, m[2]), m[3]
			}
		}
	}
	if key, ok := specKeys[m[1]]; ok {
		return key + m[2], m[3]
	}
	return "input", strings.TrimPrefix(err.Error(), "input: ")
}

// validateServe checks the scoring deployments: names, topics, the model
// served, the state, and outputs that can neither feed a deployment back
// nor give two rows of one output topic the same prediction id.
func (c *Pipeline) validateServe() error {
	names := map[string]bool{}
	served := map[string]bool{} // every topic some deployment scores
	for _, s := range c.Serve {
		for _, t := range s.Topics {
			served[t] = true
		}
	}
	writes := map[[2]string]string{} // output, topic -> deployment
	for i, s := range c.Serve {
		field := fmt.Sprintf("serve[%d]", i)
		fe := func(key, format string, args ...any) error { return c.fieldError(field+"."+key, format, args...) }
		switch {
		case !nameRE.MatchString(s.Name):
			return fe("name", "must be non-empty and use only letters, digits, '_' and '-', got %q", s.Name)
		case names[s.Name]:
			return fe("name", "duplicate deployment name %q", s.Name)
		case len(s.Topics) == 0:
			return fe("topics", "at least one topic to score is required")
		case !c.hasModel(s.Model):
			return fe("model", "no model %q in models (have: %s)", s.Model, strings.Join(c.ModelNames(), ", "))
		case !s.State.Valid():
			return fe("state", "must be %q, %q or a version id (1, 2, ...), got %q", table.StateLatest, table.StatePinned, s.State)
		case !ValidTopic(s.Output):
			return fe("output", "must be a topic name (letters, digits, '.', '_' and '-'), got %q", s.Output)
		case served[s.Output] || slices.Contains(c.Input.Topics, s.Output):
			return fe("output", "%q is a topic the pipeline reads: a deployment must not write what it (or route) reads", s.Output)
		}
		names[s.Name] = true
		for j, t := range s.Topics {
			if !ValidTopic(t) {
				return fe(fmt.Sprintf("topics[%d]", j), "must be a topic name (letters, digits, '.', '_' and '-'), got %q", t)
			}
			if slices.Index(s.Topics, t) < j {
				return fe(fmt.Sprintf("topics[%d]", j), "topic %q is listed twice", t)
			}
			if other, ok := writes[[2]string{s.Output, t}]; ok {
				return fe("output", "deployment %q scores %s into %s too: the predictions of one row would share their id; give one of them another output", other, t, s.Output)
			}
			writes[[2]string{s.Output, t}] = s.Name
		}
	}
	return nil
}

func (c *Pipeline) hasModel(name string) bool {
	return slices.Contains(c.ModelNames(), name)
}

// ModelNames are the names of the pipeline's models, in config order.
func (c *Pipeline) ModelNames() []string {
	out := make([]string, len(c.Models))
	for i, m := range c.Models {
		out[i] = m.Name
	}
	return out
}

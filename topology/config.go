package topology

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"gopkg.in/yaml.v3"

	"github.com/streamsgd/streamsgd/kafkaclient"
)

// Config is a pipeline: one input stream, several models learning from it,
// and the topics they write. It is read from YAML; zero fields take the
// defaults documented beside them (EnsureDefaults), then Validate names the
// first wrong field.
type Config struct {
	// Name is the pipeline name <p>: it prefixes every topic and group.
	Name string `yaml:"name"`
	// Partitions of the topics streamsgd creates (examples, predictions,
	// metrics, dead letters, table). Default 4.
	Partitions int `yaml:"partitions"`
	// Replication of the topics streamsgd creates. Default 1.
	Replication int `yaml:"replication"`
	// Input describes the input topics and how to decode their records.
	Input InputConfig `yaml:"input"`
	// Output chooses the encoding of the output topics.
	Output OutputConfig `yaml:"output"`
	// Models learn from the same input stream, each in its own key space.
	Models []ModelConfig `yaml:"models"`
	// Security of the connections to the brokers (TLS, SASL); the CLI's
	// flags override it. Relative file paths are relative to the config
	// file.
	Security kafkaclient.Security `yaml:"security"`

	// File is the path the config was read from (for error messages).
	File string `yaml:"-"`
}

// InputConfig describes the input topics.
type InputConfig struct {
	// Topics to read; they must exist before the pipeline starts.
	Topics []string `yaml:"topics"`
	// Format is "csv" (default) or "avro".
	Format string `yaml:"format"`
	// Header: the first line of every CSV message is a header.
	Header bool `yaml:"header"`
	// Delimiter of CSV fields. Default ",".
	Delimiter string `yaml:"delimiter"`
	// Columns names all CSV columns in order when there is no header.
	Columns []string `yaml:"columns"`
	// Avro settings, with format: avro.
	Avro AvroConfig `yaml:"avro"`
	// Features are the feature columns in order; empty: every column except
	// the label and key columns.
	Features []string `yaml:"features"`
	// Label says where the label is.
	Label LabelConfig `yaml:"label"`
}

// AvroConfig configures Avro inputs.
type AvroConfig struct {
	// Schema is an inline schema (JSON).
	Schema string `yaml:"schema"`
	// SchemaFile is a path to an .avsc file, relative to the config file.
	SchemaFile string `yaml:"schema_file"`
	// Mode is "binary" (default), "ocf" (Object Container Files) or
	// "confluent" (magic byte + 4-byte schema id).
	Mode string `yaml:"mode"`
	// SchemaIDs accepted in confluent mode (empty: any).
	SchemaIDs []int32 `yaml:"schema_ids"`
}

// LabelConfig says where a record's label is.
type LabelConfig struct {
	// From is "key" (default: the record key, as in the SUSY-on-Kafka
	// tutorial), "column" or "none" (predict only).
	From string `yaml:"from"`
	// Column holds the label with from: column.
	Column string `yaml:"column"`
	// Classes maps label strings to class indexes 0..K-1 in this order.
	Classes []string `yaml:"classes"`
}

// OutputConfig chooses the encoding of each output topic: "json" (default)
// or "avro".
type OutputConfig struct {
	Encoding    string `yaml:"encoding"`
	Predictions string `yaml:"predictions"`
	Metrics     string `yaml:"metrics"`
	DeadLetter  string `yaml:"deadletter"`
}

// ModelConfig declares one model.
type ModelConfig struct {
	// Name of the model, unique in the pipeline ([A-Za-z0-9_-]).
	Name string `yaml:"name"`
	// Task is "binary" (default), "multiclass" or "regression".
	Task string `yaml:"task"`
	// Learner is "logistic", "softmax" or "linear"; default from the task.
	Learner string `yaml:"learner"`
	// Loss of the linear learner: "squared" (default) or "huber".
	Loss string `yaml:"loss"`
	// HuberDelta of the Huber loss. Default 1.
	HuberDelta float64 `yaml:"huber_delta"`
	// Classes of a multiclass task; default len(input.label.classes).
	Classes int `yaml:"classes"`
	// Optimizer and its settings.
	Optimizer OptimizerConfig `yaml:"optimizer"`
	// L1 and L2 regularisation strengths.
	L1 float64 `yaml:"l1"`
	L2 float64 `yaml:"l2"`
	// Standardize turns online standardisation of features on. Default true.
	Standardize *bool `yaml:"standardize"`
	// Key is "global" (default: one model) or the name of an input column
	// whose value selects a per-entity model.
	Key string `yaml:"key"`
	// Shards of a global model (data-parallel). Default 1.
	Shards int `yaml:"shards"`
	// MixEvery: with shards > 1, each shard publishes its state to the merge
	// processor and mixes the merged model back in every MixEvery rows it
	// learns (iterative parameter mixing). Default 1000.
	MixEvery int64 `yaml:"mix_every"`
	// Checkpoints says when versions of the model are written to the
	// registry and how many are kept.
	Checkpoints CheckpointConfig `yaml:"checkpoints"`
	// Metrics window and emit interval.
	Metrics MetricsConfig `yaml:"metrics"`
}

// OptimizerConfig is the update rule.
type OptimizerConfig struct {
	// Name is "sgd", "adagrad", "adam" (default) or "ftrl".
	Name         string  `yaml:"name"`
	LearningRate float64 `yaml:"learning_rate"`
	// Schedule of sgd: "constant", "inverse_sqrt" or "inverse".
	Schedule string  `yaml:"schedule"`
	Decay    float64 `yaml:"decay"`
	Beta1    float64 `yaml:"beta1"`
	Beta2    float64 `yaml:"beta2"`
	Epsilon  float64 `yaml:"epsilon"`
	// FTRLBeta is FTRL-Proximal's beta (its alpha is learning_rate).
	FTRLBeta float64 `yaml:"ftrl_beta"`
}

// MetricsConfig sizes the rolling window and the snapshot interval.
type MetricsConfig struct {
	// Window is the number of rows the rolling metrics cover. Default 1000.
	Window int `yaml:"window"`
	// Buckets the window slides by (window/buckets rows at a time). Default 5.
	Buckets int `yaml:"buckets"`
	// Bins of the score histogram used for AUC. Default 32.
	Bins int `yaml:"bins"`
	// EmitEvery: a MetricSnapshot every this many learned rows per model
	// key. Default 1000.
	EmitEvery int64 `yaml:"emit_every"`
}

// CheckpointConfig says when a model key gets a new version in the
// checkpoint registry: after EveryRows more learned rows or EverySeconds
// since its last version, whichever comes first.
type CheckpointConfig struct {
	// EveryRows: a version every this many learned rows. Default 100000.
	EveryRows int64 `yaml:"every_rows"`
	// EverySeconds: a version at least this often while the model learns.
	// Default 60; 0 after defaults is impossible, use a large value to
	// checkpoint by rows only.
	EverySeconds float64 `yaml:"every_seconds"`
	// Keep the last Keep versions of each model key, plus every pinned one.
	// Default 10.
	Keep int `yaml:"keep"`
}

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("topology: invalid config")

// FieldError names the file and the field of a configuration error.
type FieldError struct {
	File  string
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	file := e.File
	if file == "" {
		file = "config"
	}
	return fmt.Sprintf("%s: %s: %s", file, e.Field, e.Msg)
}

// Unwrap lets errors.Is(err, ErrConfig) match.
func (e *FieldError) Unwrap() error { return ErrConfig }

// Load reads, defaults and validates a pipeline config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("topology: read config: %w", err)
	}
	return Parse(data, path)
}

// Parse decodes YAML (unknown fields are errors), applies defaults and
// validates. file is used in error messages and to resolve relative paths.
func Parse(data []byte, file string) (*Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, yamlError(file, err)
	}
	c.File = file
	c.resolveTLSFiles()
	if err := c.loadSchemaFile(); err != nil {
		return nil, err
	}
	c.EnsureDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// resolveTLSFiles makes the security section's relative paths relative to
// the config file, as schema_file is.
func (c *Config) resolveTLSFiles() {
	if c.File == "" {
		return
	}
	for _, f := range []*string{&c.Security.TLS.CAFile, &c.Security.TLS.CertFile, &c.Security.TLS.KeyFile} {
		if *f != "" && !filepath.IsAbs(*f) {
			*f = filepath.Join(filepath.Dir(c.File), *f)
		}
	}
}

func (c *Config) loadSchemaFile() error {
	f := c.Input.Avro.SchemaFile
	if f == "" || c.Input.Avro.Schema != "" {
		return nil
	}
	if !filepath.IsAbs(f) && c.File != "" {
		f = filepath.Join(filepath.Dir(c.File), f)
	}
	data, err := os.ReadFile(f)
	if err != nil {
		return &FieldError{File: c.File, Field: "input.avro.schema_file", Msg: err.Error()}
	}
	c.Input.Avro.Schema = string(data)
	return nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

var unknownFieldRE = regexp.MustCompile(`line (\d+): field (\S+) not found in type`)

// yamlError names the offending field of a YAML error when it can.
func yamlError(file string, err error) error {
	if m := unknownFieldRE.FindStringSubmatch(err.Error()); m != nil {
		return &FieldError{File: file, Field: m[2], Msg: "unknown field (line " + m[1] + ")"}
	}
	return &FieldError{File: file, Field: "yaml", Msg: err.Error()}
}

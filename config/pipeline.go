package config

import "github.com/streamsgd/streamsgd/kafkaclient"

// Pipeline is a pipeline config: one input stream, several models learning
// from it, and the topics they write. Zero fields take the defaults
// documented beside them (EnsureDefaults); Validate then names the first
// wrong field. Load and Parse do both.
type Pipeline struct {
	// Name is the pipeline name <p>: it prefixes every topic and group.
	// Required ([A-Za-z0-9_-]).
	Name string `yaml:"name"`
	// Partitions of the topics streamsgd creates (examples, predictions,
	// metrics, dead letters, table). Default 4.
	Partitions int `yaml:"partitions"`
	// Replication of the topics streamsgd creates. Default 1.
	Replication int `yaml:"replication"`
	// Input describes the input topics and how to decode their records.
	Input Input `yaml:"input"`
	// Output chooses the encoding of the output topics.
	Output Output `yaml:"output"`
	// Models learn from the same input stream, each in its own key space.
	// At least one.
	Models []Model `yaml:"models"`
	// Serve declares the scoring deployments: topics scored with a model
	// by the score group, which never learns from them. Default: none (no
	// score group).
	Serve []Serve `yaml:"serve"`
	// State sizes the local stores of the tables.
	State State `yaml:"state"`
	// API configures the HTTP API of `streamsgd run --http`.
	API API `yaml:"api"`
	// Security of the connections to the brokers (TLS, SASL); default
	// plaintext without authentication. The CLI's flags override it.
	// Relative file paths are relative to the config file.
	Security kafkaclient.Security `yaml:"security"`

	// File is the path the config was read from, for error messages and
	// relative paths.
	File string `yaml:"-"`
}

// Input describes the input topics. The decoder spec built from it
// (InputSpec) is validated by package input.
type Input struct {
	// Topics to read; they must exist before the pipeline starts. At least
	// one.
	Topics []string `yaml:"topics"`
	// Format is "csv" or "avro". Default "csv" (input.Spec's default).
	Format string `yaml:"format"`
	// Header: the first line of every CSV message is a header. Default
	// false.
	Header bool `yaml:"header"`
	// Delimiter of CSV fields, one character. Default "," (input.Spec's
	// default).
	Delimiter string `yaml:"delimiter"`
	// Columns names all CSV columns in order when there is no header.
	Columns []string `yaml:"columns"`
	// Avro settings, with format: avro.
	Avro Avro `yaml:"avro"`
	// Features are the feature columns in order. Default: every column
	// except the label and key columns.
	Features []string `yaml:"features"`
	// Label says where the label is.
	Label Label `yaml:"label"`
	// IDColumn names the column (field) that holds each row's example id,
	// with delayed labels (input.labels). Default: none, the id is the
	// record's key.
	IDColumn string `yaml:"id_column"`
	// Labels, with a topic, makes the labels arrive apart from the
	// features (delayed labels); input.label.from must then be "none" (its
	// default then) and input.label.classes names the classes of the
	// labels on that topic.
	Labels Labels `yaml:"labels"`
}

// Avro configures Avro inputs.
type Avro struct {
	// Schema is an inline writer schema (JSON).
	Schema string `yaml:"schema"`
	// SchemaFile is a path to an .avsc file, relative to the config file;
	// Load reads it into Schema unless Schema is given.
	SchemaFile string `yaml:"schema_file"`
	// Mode is "binary", "ocf" (Object Container Files) or "confluent"
	// (magic byte + 4-byte schema id). Default "binary" (input.Spec's
	// default).
	Mode string `yaml:"mode"`
	// SchemaIDs accepted in confluent mode. Default: any.
	SchemaIDs []int32 `yaml:"schema_ids"`
}

// Label says where a record's label is.
type Label struct {
	// From is "key", "column" or "none" (predict only). Default "key": the
	// record key, as in the SUSY-on-Kafka tutorial.
	From string `yaml:"from"`
	// Column holds the label with from: column.
	Column string `yaml:"column"`
	// Classes maps label strings to class indexes 0..K-1 in this order.
	// Default: none, the label is a number.
	Classes []string `yaml:"classes"`
}

// Output chooses the encoding of each output topic: "json" or "avro".
type Output struct {
	// Encoding of every output topic. Default "json".
	Encoding string `yaml:"encoding"`
	// Predictions, Metrics, DeadLetter and Events override Encoding for
	// one topic. Default: Encoding.
	Predictions string `yaml:"predictions"`
	Metrics     string `yaml:"metrics"`
	DeadLetter  string `yaml:"deadletter"`
	Events      string `yaml:"events"`
}

// Package config reads a pipeline config (YAML): one input stream, the
// models that learn from it, the topics they write, the scoring
// deployments that serve them (Serve) and the security of the connections
// to the brokers.
//
// # One definition per field
//
// Each field is defined once, in the package that owns it, and its yaml tag
// is its key: a model's learner and optimizer are a model.Config, its
// rolling window a metrics.WindowConfig, the security section a
// kafkaclient.Security. This package defines only what belongs to the
// pipeline (input, output, model names and keys, sharding, metric
// snapshots, checkpoints, the sizes of the local stores) and composes the
// rest. The README's reference
// block is tested against these definitions (reference_test.go).
//
// # Defaults, validation, errors
//
// Parse decodes (unknown keys are errors), applies the defaults documented
// beside each field (each set once, by the EnsureDefaults of the package
// that owns the field; this package adds the pipeline's own and the values
// it derives from the input), then validates once. Every error is a
// *FieldError that names the file and the field once, e.g.
//
//	examples/susy.yaml: models[0].optimizer.learning_rate: must be > 0, got -1
//
// config imports model, metrics, drift, kafkaclient, codecs/input and
// codecs/table (a deployment's state is a table.ServeState); it must not
// import topology, processors or anything that talks to Kafka.
package config

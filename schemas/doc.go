// Package schemas owns the Avro schemas of streamsgd's data contracts, as
// .avsc files embedded in the binary (namespace "streamsgd").
//
// # Schemas
//
//   - Example: an ExampleBatch, the rows of one input message for one model
//     key (the value on the <p>.examples topic).
//   - Prediction: a PredictionBatch, the predictions of one example batch.
//   - MetricSnapshot: rolling quality metrics of one model key.
//   - DeadLetter: an input record, or one row of it, that could not be used.
//   - ModelState: the envelope of an exported model version (Go type
//     wire.ExportedModel; not the learn table's value, table.ModelState).
//   - ModelVersion: one version of a model key from the checkpoint registry
//     (metrics, pin, weights and the learner's state), as exported.
//   - Event: a drift warning, drift or model replacement of one model key
//     (the value on the <p>.events topic).
//
// The Go types and codecs that read and write these schemas live in
// codecs/wire.
//
// # Imports
//
// schemas imports only the standard library: every other package may import
// it, and it must not import any streamsgd package.
package schemas

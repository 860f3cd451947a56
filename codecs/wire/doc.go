// Package wire owns the messages that flow between streamsgd's processors
// and to its output topics, and their goka codecs.
//
// # Messages
//
//   - ExampleBatch: rows for one model key, gathered by route from one or
//     more consecutive input messages, on <p>.examples. ExampleBatchCodec writes the Avro binary of the Example
//     schema by hand (no reflection, no goavro on the hot path), byte for
//     byte what goavro writes for the same record.
//   - Features: one input row of a pipeline with delayed labels, keyed by
//     its example id, on <p>.features from route to the join group.
//     FeaturesCodec (binary).
//   - PredictionBatch: the predictions of one example batch, on
//     <p>.predictions, and those of one served record, on a scoring
//     deployment's output (<p>.scores by default).
//   - MetricSnapshot: rolling metrics of one model key, on <p>.metrics
//     (of one deployment's served model, on <p>.score-metrics).
//   - Event: a drift warning, drift or model replacement of one model key,
//     on <p>.events.
//   - DeadLetter: a record, or one row of it, that could not be used, on
//     <p>.deadletter, with the sizes and SHA-256 hashes of its raw key and
//     value; Fit cuts the raw bytes so that it fits its topic.
//   - ExportedModel: the envelope of an exported model version (Avro
//     schema ModelState).
//   - Source and Watermark: source coordinates, and the highest offset a
//     model state has applied per source partition (also kept in the learn
//     table's values, codecs/table).
//
// # Sizes
//
// ExampleRowBound, ExampleBatchHeaderBound, PredictionRowBound and
// PredictionBatchHeaderBound bound the encoded sizes of the messages
// between stages, so that route can split batches by bytes before
// encoding them (bounds.go).
//
// # Output encodings
//
// Output topics are written as "json" (the default: JSON Lines for a
// PredictionBatch, one object per prediction, NaN and ±Inf as null) or
// "avro" (the binary of the matching schema in package schemas). Decode
// accepts what Encode wrote and returns a pointer (*PredictionBatch,
// *MetricSnapshot, *DeadLetter, *Event, *ExportedModel, *ExampleBatch); Encode accepts
// the value or a pointer to it.
//
// Every Avro encoding is written and read by hand (append-style encoders,
// and codecs/binio's bounds-checked reader, which never panics and never
// allocates more than its input can fill); the tests prove each one byte-identical to goavro on
// random messages, and the JSON of a Prediction identical to encoding/json.
//
// # Imports
//
// wire imports the standard library, codecs/binio and goka (for the Codec
// interface); its tests also use goavro and streamsgd/schemas. It must not
// import processors, topology, model, metrics, state or codecs/table: they
// import wire.
package wire

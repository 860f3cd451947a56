// Package filelearn learns a pipeline's models from the rows of a file,
// without Kafka: `streamsgd learn`. Each row is predicted, then learned
// (prequential), by the same step as the learn group's
// (processors.LearnRow), so that a file learned in the order a topic's
// partition holds the same rows gives the same predictions and models as
// `streamsgd run`. Rows a model cannot take (a label it refuses, another
// width, an empty entity) are rejected with the reason, never lost:
// predicted + rejected = rows, per model.
//
// A sharded global model (model.shards) is learned as one model: shards
// split a topic's partitions among instances, and a file has one reader.
package filelearn

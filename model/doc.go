// Package model owns the online learners of streamsgd: the learners
// (binary logistic regression, multiclass softmax regression, linear
// regression with squared or Huber loss), their losses and gradients, the
// optimizers (SGD with a learning-rate schedule, AdaGrad, Adam,
// FTRL-Proximal) with L1/L2 regularisation, the online feature scaler
// (Welford running mean and variance) and the binary encoding of the whole
// state.
//
// # Learning API
//
// After River: [Model.Learn] takes one optimizer step on one example and
// [Model.Predict] scores one example. Both are allocation-free; they are the
// hot path of the learn processor. A [Model] is not safe for concurrent use,
// except that concurrent Predict, Loss, Weights and AppendBinary calls are
// safe while no Learn, Mix, Average or UnmarshalBinary runs.
//
// # Determinism
//
// The same Config and the same sequence of Learn calls give bit-for-bit the
// same Weights and the same MarshalBinary bytes: nothing on the learning path
// reads the clock, a map or a random source. The kernels also keep the same
// bits across machines: products are explicitly rounded (no fused
// multiply-add, see the Go spec on floating-point conversions) and the
// exponential is computed in pure Go, because math.Exp on amd64 picks an FMA
// or a non-FMA code path at run time from the CPU features.
//
// # Data-parallel training
//
// [Average] merges shards of one model (weighted average of parameters,
// optimizer state and scaler statistics) and [Model.Mix] blends a merged
// model back into a shard.
//
// # Kernels
//
// The optimizer and scaler loops have amd64 assembly versions
// (kernels_amd64.s: SSE2, or AVX when the CPU has it) beside their Go
// references (adamGo, adagradGo, ftrlGo, welfordGo). Each lane performs the
// reference's IEEE operations in the same order, so the assembly changes the
// speed, never the bits; kernels_test.go checks that. Parameter and
// optimizer-state slices are padded to a multiple of four lanes (see lanes).
// Build with -tags purego for the Go loops only.
//
// # Imports
//
// The standard library and codecs/binio (the binary reader every decoder
// shares) only, no cgo. This package must not import Kafka clients (goka,
// franz-go, sarama), the other codecs, processors or topology; it knows
// nothing about streams, keys or offsets.
package model

// Package score scores blocks of rows with one learned model, without
// learning: the core of batch scoring (`streamsgd score`), and of any
// scorer that serves a model (a streaming score group, an HTTP endpoint).
//
// # What it owns
//
// A [Scorer] is built from a *model.Model and is immutable: it copies the
// weights, biases and standardisation (the model's running means and
// inverse standard deviations) at that moment. It scores a block of rows
// (a flat row-major slice, a [][]float64, or a [Block] filled row by row)
// into one output row per input row: P(y=1) for binary models, the class
// probabilities for multiclass models, ŷ for regressions, as
// model.Model.Predict does.
//
// # How
//
// Rows are standardised ((x − mean)·inv_sd, the model's own rounding) into
// a block, then the block's raw outputs are one matrix-vector product (one
// output) or one matrix-matrix product (softmax: rows × features times
// features × classes) with gonum's BLAS, and model.Model.Link applies the
// link functions. Outputs equal Predict's within a few ulps: only the order
// of the sums in the dot products differs. [NewLoop] is the plain loop of
// Predict calls, the reference for tests and benchmarks.
//
// # Concurrency
//
// A Scorer is safe for concurrent use. A Block belongs to one goroutine.
//
// # Imports
//
// model and gonum only (and the standard library). It knows nothing about
// inputs, keys, topics or files.
package score

// Package metrics owns the quality metrics of online learning, in the style
// of River: every metric is updated one row at a time (Update), can forget a
// row it has seen (Revert), and reports its current value (Value).
//
// # Rows
//
// A row is a label y and a prediction slice pred:
//
//   - binary: pred[0] = P(y=1); the label is positive when y >= 0.5, so both
//     0/1 and -1/+1 labels work; the predicted class is 1 when pred[0] >= 0.5.
//   - multiclass: pred[k] = P(y=k); the predicted class is the first argmax;
//     y must be an integer in [0, len(pred)) to count as predicted correctly.
//   - regression: pred[0] is the prediction yhat.
//
// The exact metrics tell a binary row from a multiclass one by len(pred): one
// score is binary, two or more are multiclass. A [Window] is told its task.
//
// Rows a metric cannot use are ignored by Update and Revert alike, so that a
// NaN never poisons a running sum: an empty pred, a label that is NaN or
// infinite, or a prediction that is NaN or infinite.
//
// # Three kinds of metric
//
//   - Exact streaming metrics ([NewAccuracy], [NewLogLoss], [NewAUC],
//     [NewRMSE], [NewMAE], [NewR2]) over every row updated and not reverted.
//     Sums are compensated (Neumaier) so that long Update/Revert sequences do
//     not drift; AUC keeps the scores and is exact, ties counting 1/2.
//   - [Rolling]: exact metrics over the last N rows, with a ring buffer of rows
//     that reverts the evicted row on each Update. For evaluation tools and
//     tests; its memory grows with N.
//   - [Window]: the compact, fixed-size, serializable window kept inside each
//     model's state in the learn table. It covers the last N rows at a
//     granularity of N/B rows, as B buckets of sufficient statistics, plus a
//     score histogram per bucket for a binned AUC on binary tasks. Its Update
//     is O(1) and allocation-free; its encoding is deterministic (the same row
//     sequence gives the same bytes) and a few hundred bytes with defaults.
//
// Log loss clips probabilities to [1e-15, 1-1e-15]. R² is 1 - SSres/SStot and
// NaN when SStot is 0. Every Value is NaN when it is undefined: no rows, or an
// AUC over one class only.
//
// # Imports
//
// Pure Go: the standard library and codecs/binio (the binary reader every
// decoder shares) only. This package must not import Kafka clients (goka,
// franz-go), the model package or any other package of streamsgd: the model
// state embeds a Window, not the other way round.
package metrics

// Package drift owns concept-drift detection of online learners: detectors
// that watch a stream of per-row losses and say when its mean went up, and
// the per-model-key Monitor the learn step feeds.
//
// # Detectors
//
//   - ADWIN (Bifet & Gavaldà 2007, as River's drift.ADWIN: clock 32,
//     max buckets 5, grace period 10, minimum sub-window 5): an
//     adaptive window of exponential-histogram buckets, cut where the means
//     of an older and a newer part differ by more than a bound that holds
//     with confidence delta. A second, looser confidence (warning delta)
//     is tested in the same scan, without cutting: a warning.
//   - Page-Hinkley (Page 1954, as River's drift.PageHinkley, one-sided
//     "up"): the cumulative deviation of the loss above its running mean,
//     minus a tolerance delta, and a drift when it rises more than a
//     threshold above its minimum; a warning at a lower threshold.
//
// Only a rise of the loss is signalled: a loss that falls (a model that
// learns) lets ADWIN shrink its window silently and keeps Page-Hinkley's
// statistic at its minimum.
//
// Both are deterministic (no randomness, no clock) and serialize to bytes
// (AppendBinary, UnmarshalBinary), so that the learn table can keep them in
// its value, exactly once as the model.
//
// # Monitor
//
// A Monitor is the drift state of one model key: its detector, and with
// Config.Background a background learner started at a warning, trained on
// the same rows as the live one, that replaces it when its loss, averaged
// over Background.Window rows, is lower.
//
// Package drift imports model (the background learner) and codecs/binio;
// it must not import the processors, tables or wire formats.
package drift

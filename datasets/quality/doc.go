// Package quality checks that streamsgd's online learners reach known
// yardsticks: the Bayes accuracy of the synthetic SUSY-shaped stream
// (datasets/susy), the held-out scores of batch scikit-learn models on
// the small real data sets in examples/data (sklearn_reference.json, written
// by scripts/sklearn_reference.py), and the peer suite: one online pass of
// streamsgd with its defaults against Vowpal Wabbit and River with theirs
// (peers_reference.json, written by scripts/peers/quality.py through `make
// quality`; TestPeers holds the defaults to it without Python).
//
// The checks are its tests. The package itself holds what they and the
// suite's command (cmd/quality-figures) share: reading a numeric CSV with
// a header, the fixed train/test split that the reference scripts use, the
// reference file's schema, and the peer suite's data sets and protocol
// (suite.go).
//
// # Imports
//
// The standard library, model, config (a pipeline model's defaults),
// datasets/susy and yaml. It must not import Kafka clients, codecs,
// processors or topology.
package quality

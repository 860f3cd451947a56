// Package quality checks that streamsgd's online learners reach known
// yardsticks: the Bayes accuracy of the synthetic SUSY-shaped stream
// (datasets/susy) and the held-out scores of batch scikit-learn models on
// the small real data sets in examples/data (sklearn_reference.json, written
// by scripts/sklearn_reference.py).
//
// The checks are its tests. The package itself holds only what they share:
// reading a numeric CSV with a header, the fixed train/test split that the
// reference script uses, and the reference file's schema.
//
// # Imports
//
// The standard library only; the tests add model and datasets/susy. It must
// not import Kafka clients, codecs, processors or topology.
package quality

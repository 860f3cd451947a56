// Package susy generates a synthetic, SUSY-shaped binary classification
// stream: the stand-in for the UCI SUSY data set of the classic
// SUSY-on-Kafka tutorial, where each record's value is a CSV line of 18
// float features and its key the label "0" or "1".
//
// # The data
//
// Each row draws 18 standard normals z and mixes them into correlated
// latents u = L z with a fixed lower-triangular L. Feature i is then
// mean_i + scale_i·t_i(u_i), with t_i the identity (symmetric, like an angle
// or a pseudorapidity), e**u (positive and right-skewed, like a transverse
// momentum) or |u| (half-normal, like a missing energy). The first eight
// features play the "low-level" kinematics, the last ten "high-level"
// functions of them, hence correlated with them. Features are rounded to
// multiples of 1e-6.
//
// The label is drawn from a fixed logistic model of the produced features,
// P(y=1|x) = 1/(1+e**−(b + w·x)), with b and w constants in truth.go: a
// logistic learner is well specified, and the best achievable accuracy, the
// Bayes accuracy, is about 0.80 (see BayesAccuracy). About 46% of the rows
// are positive, as in SUSY.
//
// # Determinism
//
// The output depends only on the seed (math/rand/v2's PCG), bit for bit on
// every platform: the normal sampler (a ziggurat), exp and log are
// implemented here in plain IEEE arithmetic, because math.Exp and math.Log
// use assembly on some architectures, and every product that feeds a sum is
// rounded by an explicit float64 conversion so that no compiler fuses it
// into an FMA (TestNoFusedMultiplyAdd checks the amd64 and arm64 builds).
// testdata holds golden rows; go test -update rewrites them.
//
// # Imports
//
// The standard library only. This package must not import Kafka clients,
// codecs, processors, topology or model.
package susy

package susy

// BayesAccuracy generates n rows with the given seed and returns the accuracy
// of the Bayes classifier on them: predict 1 when the true P(y=1|x) > 0.5,
// scored against the sampled labels. It is the best accuracy any classifier
// can expect, and, computed on the same seed and n as a held-out set, the
// yardstick for a model scored on exactly those rows. It returns 0 for n <= 0.
func BayesAccuracy(seed uint64, n int) float64 {
	if n <= 0 {
		return 0
	}
	g := New(seed)
	var x [Features]float64
	correct := 0
	for range n {
		label, p := g.Next(x[:])
		if (p > 0.5) == (label == 1) {
			correct++
		}
	}
	return float64(correct) / float64(n)
}

package quality

import (
	"math"
	"sort"
)

// Held-out scores, defined as scikit-learn defines them so that the figures
// compare with sklearn_reference.json.

// accuracy is the fraction of rows where p > 0.5 agrees with y == 1.
func accuracy(p, y []float64) float64 {
	correct := 0
	for i := range p {
		if (p[i] > 0.5) == (y[i] == 1) {
			correct++
		}
	}
	return float64(correct) / float64(len(p))
}

// logLoss is the mean negative log-likelihood, p clipped to [1e-15, 1-1e-15].
func logLoss(p, y []float64) float64 {
	const eps = 1e-15
	var sum float64
	for i := range p {
		q := min(max(p[i], eps), 1-eps)
		if y[i] == 1 {
			sum -= math.Log(q)
		} else {
			sum -= math.Log(1 - q)
		}
	}
	return sum / float64(len(p))
}

// auc is the area under the ROC curve: the Mann-Whitney statistic, ties
// counted as half.
func auc(p, y []float64) float64 {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	var rankSum, pos float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && p[idx[j]] == p[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // average 1-based rank of the tie group
		for _, k := range idx[i:j] {
			if y[k] == 1 {
				rankSum += mid
				pos++
			}
		}
		i = j
	}
	neg := float64(len(p)) - pos
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// rmse is the root mean squared error.
func rmse(pred, y []float64) float64 {
	var se float64
	for i := range pred {
		se += (pred[i] - y[i]) * (pred[i] - y[i])
	}
	return math.Sqrt(se / float64(len(pred)))
}

// r2 is the coefficient of determination, 1 - SSE/SST.
func r2(pred, y []float64) float64 {
	var mean float64
	for _, v := range y {
		mean += v
	}
	mean /= float64(len(y))
	var sse, sst float64
	for i := range pred {
		sse += (pred[i] - y[i]) * (pred[i] - y[i])
		sst += (y[i] - mean) * (y[i] - mean)
	}
	return 1 - sse/sst
}

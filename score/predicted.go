package score

import "github.com/streamsgd/streamsgd/model"

// Predicted is the prediction of one row's outputs as the pipeline's
// prediction records give it: the class (1 when P(y=1) >= 0.5; the first
// most probable class) or ŷ.
func Predicted(task model.Task, outputs []float64) float64 {
	switch task {
	case model.TaskBinary:
		if outputs[0] >= 0.5 {
			return 1
		}
		return 0
	case model.TaskMulticlass:
		best := 0
		for i, p := range outputs {
			if p > outputs[best] {
				best = i
			}
		}
		return float64(best)
	}
	return outputs[0]
}

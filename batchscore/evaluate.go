package batchscore

import (
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// evaluation holds the exact whole-set metrics of a task.
type evaluation struct {
	ms []metrics.Metric
	n  int64
}

// newEvaluation returns the metrics of task: those of the pipeline's
// rolling windows, computed exactly over every row.
func newEvaluation(task model.Task) *evaluation {
	return &evaluation{ms: metrics.ForTask(string(task))}
}

// update adds one labeled row: its label and outputs.
func (e *evaluation) update(y float64, pred []float64) {
	e.n++
	for _, m := range e.ms {
		m.Update(y, pred)
	}
}

func (e *evaluation) values() []metrics.Value {
	out := make([]metrics.Value, len(e.ms))
	for i, m := range e.ms {
		out[i] = metrics.Value{Name: m.Name(), Value: m.Value()}
	}
	return out
}

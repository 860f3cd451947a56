package metrics

// ForTask returns fresh metrics over a whole set of rows (no window) for a
// task: binary: accuracy, logloss and the exact AUC; multiclass: accuracy
// and logloss; regression: rmse, mae and r2 — the metrics a Window of the
// task reports, in the same order. nil for an unknown task.
func ForTask(task string) []Metric {
	switch task {
	case TaskBinary:
		return []Metric{NewAccuracy(), NewLogLoss(), NewAUC()}
	case TaskMulticlass:
		return []Metric{NewAccuracy(), NewLogLoss()}
	case TaskRegression:
		return []Metric{NewRMSE(), NewMAE(), NewR2()}
	}
	return nil
}

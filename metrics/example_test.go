package metrics_test

import (
	"fmt"

	"github.com/streamsgd/streamsgd/metrics"
)

func ExampleWindow() {
	w, err := metrics.NewWindow(metrics.WindowConfig{Task: metrics.TaskBinary, Size: 4, Buckets: 2, Bins: 10})
	if err != nil {
		panic(err)
	}
	rows := []struct{ y, p float64 }{{1, 0.9}, {0, 0.2}, {1, 0.4}, {0, 0.6}, {1, 0.8}}
	for _, r := range rows {
		w.Update(r.y, []float64{r.p})
	}
	state, _ := w.AppendBinary(nil) // kept in the model state
	restored, _ := metrics.NewWindow(w.Config())
	if err := restored.UnmarshalBinary(state); err != nil {
		panic(err)
	}
	fmt.Println("rows:", restored.Rows())
	for _, v := range restored.Values() {
		fmt.Printf("%s %.3f\n", v.Name, v.Value)
	}
	// Output:
	// rows: 3
	// accuracy 0.333
	// logloss 0.685
	// auc 0.500
}

func ExampleRolling() {
	r := metrics.NewRolling(2, metrics.NewRMSE(), metrics.NewMAE())
	r.Update(1, []float64{2})
	r.Update(2, []float64{2})
	r.Update(3, []float64{1}) // the first row leaves the window
	for _, v := range r.Values() {
		fmt.Printf("%s %.3f\n", v.Name, v.Value)
	}
	// Output:
	// rmse 1.414
	// mae 1.000
}

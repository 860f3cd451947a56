package drift_test

import (
	"fmt"

	"github.com/streamsgd/streamsgd/drift"
)

// A classifier whose error rate jumps from 1 in 5 to 4 in 5 at row 10,000:
// ADWIN warns, then finds the drift, within a few dozen rows.
func ExampleADWINDetector() {
	c := drift.Config{Detector: drift.ADWIN}
	c.EnsureDefaults()
	d := drift.NewDetector(c)
	for i := range 12_000 {
		wrong := i%5 == 0 // an error rate of 0.2
		if i >= 10_000 {
			wrong = i%5 != 0 // 0.8
		}
		loss := 0.0
		if wrong {
			loss = 1
		}
		if s := d.Update(loss); s != drift.Stable {
			fmt.Printf("row %d: %s\n", i, s)
			break
		}
	}
	// Output:
	// row 10047: drift
}

func ExampleLoss() {
	fmt.Println(drift.Loss("binary", []float64{0.7}, 1), drift.Loss("binary", []float64{0.7}, 0))
	fmt.Println(drift.Loss("multiclass", []float64{0.1, 0.6, 0.3}, 2))
	fmt.Println(drift.Loss("regression", []float64{2.5}, 1))
	// Output:
	// 0 1
	// 1
	// 2.25
}

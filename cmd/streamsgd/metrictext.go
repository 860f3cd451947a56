package main

import (
	"math"
	"strconv"
)

// metricText spells a metric in the CLI's reports: four decimals, or four
// significant digits where the decimals would show a small value as
// 0.0000 (the RMSE of a target in the millionths).
func metricText(v float64) string {
	if v != 0 && math.Abs(v) < 0.0005 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

package quality

import (
	"math"
	"testing"
)

func TestScores(t *testing.T) {
	p := []float64{0.1, 0.4, 0.35, 0.8}
	y := []float64{0, 0, 1, 1}
	tests := []struct {
		name      string
		got, want float64
	}{
		{"accuracy", accuracy(p, y), 0.75},
		{"auc", auc(p, y), 0.75}, // sklearn roc_auc_score docs example
		{"auc_ties", auc([]float64{0.5, 0.5, 0.5}, []float64{0, 1, 1}), 0.5},
		{"log_loss", logLoss([]float64{0.9, 0.2}, []float64{1, 0}), (-math.Log(0.9) - math.Log(0.8)) / 2},
		{"log_loss_clipped", logLoss([]float64{0}, []float64{1}), -math.Log(1e-15)},
		{"rmse", rmse([]float64{2.5, 0, 2, 8}, []float64{3, -0.5, 2, 7}), math.Sqrt(0.375)},
		{"r2", r2([]float64{2.5, 0, 2, 8}, []float64{3, -0.5, 2, 7}), 0.9486081370449679}, // sklearn r2_score docs example
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if math.Abs(tc.got-tc.want) > 1e-12 {
				t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
			}
		})
	}
}

package score

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/streamsgd/streamsgd/model"
)

// BenchmarkScore scores blocks of 1024 rows (18-feature logistic) and of
// 64 rows (784-feature, 10-class softmax), standardised, with the block
// products and with the plain loop of Predict calls.
func BenchmarkScore(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  model.Config
		rows int
	}{
		{"logistic-18", model.Config{Task: model.TaskBinary, Features: 18, Standardize: true}, 1024},
		{"softmax-784x10", model.Config{Task: model.TaskMulticlass, Classes: 10, Features: 784, Standardize: true}, 64},
	} {
		m := trainedModel(b, c.cfg, 1)
		r := rand.New(rand.NewPCG(1, 1))
		x := make([]float64, 0, c.rows*c.cfg.Features)
		for range c.rows {
			x = append(x, randomRow(r, c.cfg.Features)...)
		}
		out := make([]float64, c.rows*m.Outputs())
		for _, v := range []struct {
			name string
			s    *Scorer
		}{{"blas", New(m)}, {"loop", NewLoop(m)}} {
			b.Run(fmt.Sprintf("%s/%s", c.name, v.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := v.s.Score(x, out); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*c.rows)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}

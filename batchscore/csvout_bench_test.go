package batchscore

import (
	"math/rand/v2"
	"testing"

	"github.com/streamsgd/streamsgd/model"
)

// BenchmarkAppendRow formats output rows: a binary model's (class, P(1),
// label) and a 10-class model's.
func BenchmarkAppendRow(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	ps := make([]float64, 1024)
	for i := range ps {
		ps[i] = r.Float64()
	}
	for _, c := range []struct {
		name string
		task model.Task
		k    int
	}{{"binary", model.TaskBinary, 1}, {"softmax-10", model.TaskMulticlass, 10}} {
		b.Run(c.name, func(b *testing.B) {
			var buf []byte
			w := rowWriter{task: c.task, labeled: true}
			i := 0
			for b.Loop() {
				buf = w.appendRow(buf[:0], int64(i), "logreg", ps[i%1000:i%1000+c.k], 1)
				i++
			}
		})
	}
}

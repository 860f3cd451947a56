package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
)

func BenchmarkWindowUpdate(b *testing.B) {
	for _, task := range []string{TaskBinary, TaskMulticlass, TaskRegression} {
		b.Run(task, func(b *testing.B) {
			w := mustWindow(b, WindowConfig{Task: task})
			s := newStream(1, task)
			rows := make([]row, 1024)
			for i := range rows {
				rows[i] = s.next()
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r := &rows[i&1023]
				w.Update(r.y, r.pred)
				i++
			}
		})
	}
}

// fullBinaryWindow fills a default binary window (Size 1000, Buckets 5,
// Bins 32) with 1000 rows of a model of the given quality: scores are
// sigmoid(sep*(2y-1) + noise), so sep 0 is uniform noise spread over every
// bin and a large sep piles scores near 0 and 1.
func fullBinaryWindow(tb testing.TB, sep float64) *Window {
	w := mustWindow(tb, WindowConfig{Task: TaskBinary})
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		y := float64(rng.IntN(2))
		z := sep*(2*y-1) + 1.5*rng.NormFloat64()
		w.Update(y, []float64{1 / (1 + math.Exp(-z))})
	}
	return w
}

func BenchmarkWindowEncodedSize(b *testing.B) {
	for _, c := range []struct {
		name string
		sep  float64
	}{{"uninformative", 0}, {"good", 2}, {"sharp", 8}} {
		b.Run(c.name, func(b *testing.B) {
			w := fullBinaryWindow(b, c.sep)
			buf := make([]byte, 0, 2048)
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = w.AppendBinary(buf[:0])
			}
			b.ReportMetric(float64(len(buf)), "bytes")
		})
	}
}

func BenchmarkWindowUnmarshalBinary(b *testing.B) {
	data := encode(b, fullBinaryWindow(b, 2))
	w := mustWindow(b, WindowConfig{Task: TaskBinary})
	b.ReportAllocs()
	for b.Loop() {
		if err := w.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRollingUpdate(b *testing.B) {
	r := NewRolling(1000, NewAccuracy(), NewLogLoss(), NewAUC())
	s := newStream(1, TaskBinary)
	rows := make([]row, 1024)
	for i := range rows {
		rows[i] = s.next()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		x := &rows[i&1023]
		r.Update(x.y, x.pred)
		i++
	}
}

// TestWindowEncodedSize keeps a full default binary window well under 1 KB.
func TestWindowEncodedSize(t *testing.T) {
	for _, sep := range []float64{0, 0.5, 2, 8} {
		w := fullBinaryWindow(t, sep)
		n := len(encode(t, w))
		t.Logf("sep %v: %d rows, %d bytes, auc %.3f", sep, w.Rows(), n, w.Values()[2].Value)
		if n > 700 {
			t.Errorf("sep %v: full binary window encodes to %d bytes, want at most 700", sep, n)
		}
	}
	empty := len(encode(t, mustWindow(t, WindowConfig{Task: TaskBinary})))
	if empty > 16 {
		t.Errorf("empty binary window encodes to %d bytes", empty)
	}
}

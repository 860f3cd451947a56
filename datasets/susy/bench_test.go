package susy

import "testing"

func BenchmarkGenerator(b *testing.B) {
	b.Run("Next", func(b *testing.B) {
		g := New(1)
		var x [Features]float64
		b.ReportAllocs()
		for b.Loop() {
			g.Next(x[:])
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("AppendCSV", func(b *testing.B) {
		g := New(1)
		buf := make([]byte, 0, 512)
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = g.AppendCSV(buf[:0])
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

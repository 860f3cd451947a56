package runstats

import (
	"testing"

	"github.com/streamsgd/streamsgd/codecs/wire"
)

// BenchmarkCount is what the processors pay per message for the counters:
// find the partition's counters and add rows in, out and dead, from
// several goroutines (partitions) at once.
func BenchmarkCount(b *testing.B) {
	g := NewGroup("g")
	for p := range int32(8) {
		g.Partition(p)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var p int32
		for pb.Next() {
			g.Count(p%8, 1, 1, 0)
			p++
		}
	})
}

// BenchmarkCountNil is the same call on a run without counters.
func BenchmarkCountNil(b *testing.B) {
	var g *Group
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		g.Count(int32(i%8), 1, 1, 0)
	}
}

// BenchmarkObserve is the cost of one metric snapshot (one per
// emit_every rows of a key).
func BenchmarkObserve(b *testing.B) {
	ms := NewModels("m")
	s := &wire.MetricSnapshot{Model: "m", Window: 1000, Metrics: []wire.Metric{{Name: "accuracy", Value: 0.8}, {Name: "logloss", Value: 0.4}, {Name: "auc", Value: 0.9}}}
	b.ReportAllocs()
	for b.Loop() {
		ms.Observe(s)
	}
}

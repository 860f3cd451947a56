package processors

import (
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/datasets/susy"
)

func BenchmarkRouteStep(b *testing.B) {
	dec, err := input.NewDecoder(input.Spec{Columns: susy.FeatureNames(), Label: input.LabelFromKey})
	if err != nil {
		b.Fatal(err)
	}
	r := &Route{Decoder: dec, Models: []ModelSpec{binarySpec("m", susy.Features)}, Features: susy.Features, Partitions: 4}
	r.Init()
	line, _ := susy.New(1).AppendCSV(nil)
	key := []byte("1")
	var out RouteOutput
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.StepInto(&out, wire.Source{Topic: "in", Offset: int64(i)}, key, line)
	}
}

func BenchmarkLearnStep(b *testing.B) {
	for _, rows := range []int{1, 256} {
		b.Run(map[int]string{1: "1row", 256: "256rows"}[rows], func(b *testing.B) {
			l := &Learn{Specs: map[string]ModelSpec{"m": binarySpec("m", susy.Features)}}
			g := susy.New(1)
			eb := &wire.ExampleBatch{Source: wire.Source{Topic: "in"}, Model: "m", Key: "m"}
			for i := 0; i < rows; i++ {
				x := make([]float64, susy.Features)
				y, _ := g.Next(x)
				eb.Rows = append(eb.Rows, wire.Row{Features: x, Label: float64(y), HasLabel: true})
			}
			var st *table.ModelState
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				eb.Source.Offset = int64(i)
				for j := range eb.Rows {
					eb.Rows[j].Offset = int64(i)
				}
				out, err := l.Step(st, eb)
				if err != nil {
					b.Fatal(err)
				}
				st = out.State
			}
			b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

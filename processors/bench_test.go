package processors

import (
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/datasets/susy"
	"github.com/streamsgd/streamsgd/drift"
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

// BenchmarkLearnDrift is the learn step of 256-row batches of SUSY rows and
// the encoding of the state it writes, per drift detector: the cost per
// row of drift detection, and the bytes it adds to every table write.
func BenchmarkLearnDrift(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  drift.Config
	}{
		{"none", drift.Config{Detector: drift.None}},
		{"adwin", drift.Config{Detector: drift.ADWIN}},
		{"page_hinkley", drift.Config{Detector: drift.PageHinkley}},
		{"adwin+background", drift.Config{Detector: drift.ADWIN, Background: drift.BackgroundConfig{Enabled: true}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			spec := binarySpec("m", susy.Features)
			spec.Drift = tc.cfg
			spec.Drift.EnsureDefaults()
			specs := map[string]ModelSpec{"m": spec}
			l := &Learn{Specs: specs}
			codec := &table.StateCodec{Shapes: Shapes(specs)}
			g := susy.New(1)
			eb := &wire.ExampleBatch{Source: wire.Source{Topic: "in"}, Model: "m", Key: "m"}
			for range 256 {
				x := make([]float64, susy.Features)
				y, _ := g.Next(x)
				eb.Rows = append(eb.Rows, wire.Row{Features: x, Label: float64(y), HasLabel: true})
			}
			var st *table.ModelState
			var size int
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
				data, err := codec.Encode(st)
				if err != nil {
					b.Fatal(err)
				}
				size = len(data)
			}
			b.ReportMetric(float64(b.N*256)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(size), "state-bytes")
		})
	}
}

package processors

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/datasets/susy"
	"github.com/streamsgd/streamsgd/drift"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
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

// doneSink acknowledges every batch at once.
type doneSink struct{ rows int }

func (s *doneSink) Emit(_ string, b *wire.ExampleBatch, done func(error)) {
	s.rows += len(b.Rows)
	done(nil)
}

// BenchmarkRouteBatching is route's gathering of 1-row messages of one
// partition into batches of up to maxRows rows (Route.Sink): per op, one
// message routed, added to its partition's batcher and its commit
// deferred, with a flush whenever the batch is full.
func BenchmarkRouteBatching(b *testing.B) {
	for _, maxRows := range []int{1, 64, DefaultMaxRows} {
		b.Run(fmt.Sprintf("maxRows=%d", maxRows), func(b *testing.B) {
			dec, err := input.NewDecoder(input.Spec{Columns: susy.FeatureNames(), Label: input.LabelFromKey})
			if err != nil {
				b.Fatal(err)
			}
			sink := &doneSink{}
			r := &Route{Decoder: dec, Models: []ModelSpec{binarySpec("m", susy.Features)}, Features: susy.Features, Partitions: 4, Sink: sink, MaxRows: maxRows}
			r.Init()
			bt := r.buffers.get("in", 0)
			line, _ := susy.New(1).AppendCSV(nil)
			key := []byte("1")
			commit := func(error) {}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r.StepInto(&bt.scratch, wire.Source{Topic: "in", Offset: int64(i)}, key, line)
				for rest := bt.add(bt.scratch.Batches); rest != nil; rest = bt.add(rest) {
					bt.flush()
				}
				if bt.commit(commit) {
					bt.flush()
				}
			}
			bt.flush()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			if sink.rows != b.N {
				b.Fatalf("%d rows reached the sink, want %d", sink.rows, b.N)
			}
		})
	}
}

// BenchmarkLearnStepWidth is one learn-group step of a 1-row batch per op
// for each learner at 18 and 784 features: predict, metrics, SGD step,
// predictions.
func BenchmarkLearnStepWidth(b *testing.B) {
	// Named explicitly: the default optimizer is FTRL.
	adam, ftrl := model.Optimizer{Name: model.OptimizerAdam}, model.Optimizer{Name: model.OptimizerFTRL}
	for _, c := range []struct {
		name string
		cfg  model.Config
	}{
		{"logistic/adam/f18", model.Config{Task: model.TaskBinary, Features: 18, Optimizer: adam}},
		{"logistic/ftrl/f18", model.Config{Task: model.TaskBinary, Features: 18, Optimizer: ftrl}},
		{"linear/adam/f18", model.Config{Task: model.TaskRegression, Features: 18, Optimizer: adam}},
		{"softmax/adam/f18/k10", model.Config{Task: model.TaskMulticlass, Classes: 10, Features: 18, Optimizer: adam}},
		{"logistic/adam/f784", model.Config{Task: model.TaskBinary, Features: 784, Optimizer: adam}},
		{"softmax/adam/f784/k10", model.Config{Task: model.TaskMulticlass, Classes: 10, Features: 784, Optimizer: adam}},
		{"softmax/ftrl/f784/k10", model.Config{Task: model.TaskMulticlass, Classes: 10, Features: 784, Optimizer: ftrl}},
		{"softmax/sgd/f784/k10", model.Config{Task: model.TaskMulticlass, Classes: 10, Features: 784, Optimizer: model.Optimizer{Name: model.OptimizerSGD}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := c.cfg
			cfg.Standardize = true
			cfg.EnsureDefaults()
			if err := cfg.Validate(); err != nil {
				b.Fatal(err)
			}
			spec := binarySpec("m", cfg.Features)
			spec.Model = cfg
			spec.Window = metrics.WindowConfig{Task: string(cfg.Task), Size: 1000, Buckets: 5, Bins: 32}
			l := &Learn{Specs: map[string]ModelSpec{"m": spec}}
			r := rand.New(rand.NewPCG(1, 2))
			eb := &wire.ExampleBatch{Source: wire.Source{Topic: "in"}, Model: "m", Key: "m"}
			x := make([]float64, cfg.Features)
			for i := range x {
				x[i] = r.NormFloat64()
			}
			eb.Rows = []wire.Row{{Features: x, HasLabel: true}}
			var st *table.ModelState
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				eb.Source.Offset = int64(i)
				eb.Rows[0].Offset = int64(i)
				eb.Rows[0].Label = float64(i % max(cfg.Classes, 2))
				out, err := l.Step(st, eb)
				if err != nil {
					b.Fatal(err)
				}
				st = out.State
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

package processors

import (
	"testing"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/datasets/susy"
)

// BenchmarkLearnStepWatermarks measures the exactly-once bookkeeping of the
// learner: Step with the watermark check (production) against Step with
// SkipWatermarks, for one-row batches (a per-entity stream: one check per
// row) and 256-row batches (a global model: one check per batch). The
// batches come from 4 source partitions in turn, so a checked state keeps 4
// watermarks. The "+encode" variants add the state's encoding, which the
// table write pays once per batch and which carries the watermarks.
func BenchmarkLearnStepWatermarks(b *testing.B) {
	const sources = 4
	for _, rows := range []int{1, 256} {
		for _, encode := range []bool{false, true} {
			for _, skip := range []bool{false, true} {
				name := map[int]string{1: "1row", 256: "256rows"}[rows]
				if encode {
					name += "+encode"
				}
				name += map[bool]string{false: "/check", true: "/skip"}[skip]
				b.Run(name, func(b *testing.B) {
					l := &Learn{Specs: map[string]ModelSpec{"m": binarySpec("m", susy.Features)}, SkipWatermarks: skip}
					g := susy.New(1)
					eb := &wire.ExampleBatch{Source: wire.Source{Topic: "in"}, Model: "m", Key: "m"}
					for range rows {
						x := make([]float64, susy.Features)
						y, _ := g.Next(x)
						eb.Rows = append(eb.Rows, wire.Row{Features: x, Label: float64(y), HasLabel: true})
					}
					var st *table.ModelState
					var buf []byte
					b.ReportAllocs()
					for i := 0; b.Loop(); i++ {
						eb.Source.Partition = int32(i % sources)
						eb.Source.Offset = int64(i / sources)
						for j := range eb.Rows {
							eb.Rows[j].Offset = eb.Source.Offset
						}
						out, err := l.Step(st, eb)
						if err != nil {
							b.Fatal(err)
						}
						if out.State == nil {
							b.Fatal("batch not applied")
						}
						st = out.State
						if encode {
							if buf, err = st.AppendBinary(buf[:0]); err != nil {
								b.Fatal(err)
							}
						}
					}
					b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
					want := min(b.N, sources)
					if skip {
						want = 0
					}
					if len(st.Watermarks) != want {
						b.Fatalf("state keeps %d watermarks, want %d", len(st.Watermarks), want)
					}
				})
			}
		}
	}
}

// TestSkipWatermarks: with the bench-only switch, a redelivered batch is
// learned again and the state keeps no watermark; without it, the
// redelivery changes nothing.
func TestSkipWatermarks(t *testing.T) {
	for _, skip := range []bool{false, true} {
		l := &Learn{Specs: map[string]ModelSpec{"m": binarySpec("m", 2)}, SkipWatermarks: skip}
		b := &wire.ExampleBatch{Source: wire.Source{Topic: "in", Partition: 1, Offset: 7}, Model: "m", Key: "m",
			Rows: []wire.Row{{Offset: 7, Features: []float64{1, 2}, Label: 1, HasLabel: true}}}
		out, err := l.Step(nil, b)
		if err != nil {
			t.Fatal(err)
		}
		st := out.State
		again, err := l.Step(st, b)
		if err != nil {
			t.Fatal(err)
		}
		if skip {
			if again.State == nil || st.Rows != 2 || len(st.Watermarks) != 0 {
				t.Errorf("skip: redelivery applied %t, rows %d, watermarks %v; want applied, 2 rows, none", again.State != nil, st.Rows, st.Watermarks)
			}
			continue
		}
		if again.State != nil || st.Rows != 1 || len(st.Watermarks) != 1 {
			t.Errorf("check: redelivery applied %t, rows %d, watermarks %v; want not applied, 1 row, 1", again.State != nil, st.Rows, st.Watermarks)
		}
	}
}

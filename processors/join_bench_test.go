package processors

import (
	"fmt"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// BenchmarkJoinExample is the join's work for one example of 18 features
// and one model: its features (predicted, the entry encoded as the table
// write does), then its label (the pair made, the entry encoded again).
func BenchmarkJoinExample(b *testing.B) {
	j := testJoin(&testing.T{})
	j.Specs = map[string]ModelSpec{"m": binarySpec("m", 18)}
	values := make([]float64, 18)
	for i := range values {
		values[i] = float64(i) / 7
	}
	var codec table.PendingCodec
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f := &wire.Features{ID: fmt.Sprint(i), Source: wire.Source{Topic: "in", Offset: int64(i)}, Values: values,
			Keys: []wire.ModelKey{{Model: "m", Key: "m"}}}
		out, err := j.StepFeatures(nil, f, JoinInput{Src: wire.Source{Topic: "p.features", Offset: int64(i)}, Row: int64(i)}, noStates{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := codec.Encode(out.Entry); err != nil {
			b.Fatal(err)
		}
		out = j.StepLabel(out.Entry, f.ID, []byte("1"), JoinInput{Src: wire.Source{Topic: "labels", Offset: int64(i)}, Row: int64(i)})
		if len(out.Examples) != 1 {
			b.Fatal("no pair")
		}
		if _, err := codec.Encode(out.Entry); err != nil {
			b.Fatal(err)
		}
	}
}

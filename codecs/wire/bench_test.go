package wire

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// benchBatch is an ExampleBatch like the SUSY data set's: 18 features and
// a label per row.
func benchBatch(rows int) *ExampleBatch {
	r := rand.New(rand.NewPCG(1, 2))
	eb := &ExampleBatch{Source: Source{Topic: "susy", Partition: 3, Offset: 1234567}, Model: "logistic", Key: "global-3"}
	for i := range rows {
		row := Row{Index: int32(i), Features: make([]float64, 18), Label: float64(r.IntN(2)), HasLabel: true}
		for j := range row.Features {
			row.Features[j] = r.NormFloat64()
		}
		eb.Rows = append(eb.Rows, row)
	}
	return eb
}

func benchPredictions(n int) *PredictionBatch {
	r := rand.New(rand.NewPCG(3, 4))
	pb := &PredictionBatch{}
	for i := range n {
		label := float64(r.IntN(2))
		p := r.Float64()
		pb.Predictions = append(pb.Predictions, Prediction{
			ID: "susy/3/1234567/" + strconv.Itoa(i), Topic: "susy", Partition: 3, Offset: 1234567, Index: int32(i),
			Model: "logistic", Key: "global-3", Version: 1000 + int64(i), Scores: []float64{p},
			Predicted: float64(int(p + 0.5)), Label: &label,
		})
	}
	return pb
}

var benchSizes = []int{1, 64}

func BenchmarkExampleBatch(b *testing.B) {
	for _, rows := range benchSizes {
		eb := benchBatch(rows)
		data := AppendExampleBatch(nil, eb)
		b.Run(fmt.Sprintf("append/rows=%d", rows), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			buf := make([]byte, 0, len(data))
			for b.Loop() {
				buf = AppendExampleBatch(buf[:0], eb)
			}
		})
		b.Run(fmt.Sprintf("encode/rows=%d", rows), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := (ExampleBatchCodec{}).Encode(eb); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("read/rows=%d", rows), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			var out ExampleBatch
			for b.Loop() {
				if err := ReadExampleBatch(data, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("decode/rows=%d", rows), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := (ExampleBatchCodec{}).Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPredictionBatch(b *testing.B) {
	for _, encoding := range []string{JSON, Avro} {
		c, err := PredictionCodec(encoding)
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range benchSizes {
			pb := benchPredictions(n)
			data, err := c.Encode(pb)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/encode/predictions=%d", encoding, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := c.Encode(pb); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%s/decode/predictions=%d", encoding, n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := c.Decode(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkAppendPredictionBatchJSON(b *testing.B) {
	for _, n := range benchSizes {
		pb := benchPredictions(n)
		buf := AppendPredictionBatchJSON(nil, pb)
		b.Run(fmt.Sprintf("predictions=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				buf = AppendPredictionBatchJSON(buf[:0], pb)
			}
		})
	}
}

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
	eb := &ExampleBatch{Source: Source{Topic: "susy", Partition: 3, Offset: 1234567}, Model: "logistic", Key: "global-3"}
	return randomRows(eb, rand.New(rand.NewPCG(1, 2)), rows, 18, 2, (*rand.Rand).NormFloat64)
}

// randomRows appends rows labeled rows of n features to eb, a label of
// one of classes and then the features drawn from r.
func randomRows(eb *ExampleBatch, r *rand.Rand, rows, n, classes int, feature func(*rand.Rand) float64) *ExampleBatch {
	for i := range rows {
		row := Row{Index: int32(i), Features: make([]float64, n), Label: float64(r.IntN(classes)), HasLabel: true}
		for j := range row.Features {
			row.Features[j] = feature(r)
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

// pixelBatch is an ExampleBatch like a Fashion-MNIST stream's: 784
// pixel intensities (integers 0-255, half of them 0) and a class per row,
// written as integer_features.
func pixelBatch(rows int) *ExampleBatch {
	eb := &ExampleBatch{Source: Source{Topic: "fashion", Partition: 0, Offset: 60000}, Model: "softmax", Key: "softmax/0"}
	return randomRows(eb, rand.New(rand.NewPCG(5, 6)), rows, 784, 10, func(r *rand.Rand) float64 {
		if r.IntN(2) == 0 {
			return float64(r.IntN(256))
		}
		return 0
	})
}

var benchSizes = []int{1, 64}

func BenchmarkExampleBatch(b *testing.B) {
	for _, shape := range []struct {
		name  string
		batch func(int) *ExampleBatch
	}{{"susy", benchBatch}, {"pixels", pixelBatch}} {
		b.Run(shape.name, func(b *testing.B) { benchmarkExampleBatch(b, shape.batch) })
	}
}

func benchmarkExampleBatch(b *testing.B, batch func(int) *ExampleBatch) {
	for _, rows := range benchSizes {
		eb := batch(rows)
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
		b.Run(fmt.Sprintf("decode-pooled/rows=%d", rows), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			var p ExampleBatchPool
			for b.Loop() {
				v, err := p.Decode(data)
				if err != nil {
					b.Fatal(err)
				}
				p.Release(v.(*ExampleBatch))
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

// BenchmarkOutputEncoders encodes one record of every output topic the
// pipeline writes besides the predictions (BenchmarkPredictionBatch) and
// the examples (BenchmarkExampleBatch), in each encoding: a metric
// snapshot, a dead letter of a SUSY-sized line, and a 784-wide prediction
// of 10 classes.
func BenchmarkOutputEncoders(b *testing.B) {
	line := []byte("0.97286147,0.65385455,1.17622459,1.15715647,-1.73987317,-0.87430906,0.56776500,-0.17500004,0.81006080,-0.25255212,1.92188704,0.88963741,0.41077185,1.14562082,1.93263209,0.99446410,1.36781549,abc")
	wide := benchPredictions(1)
	wide.Predictions[0].Scores = []float64{0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.55}
	wide.Predictions[0].Predicted = 9
	for _, encoding := range []string{JSON, Avro} {
		snap, err := MetricSnapshotCodec(encoding)
		if err != nil {
			b.Fatal(err)
		}
		dead, err := DeadLetterCodec(encoding)
		if err != nil {
			b.Fatal(err)
		}
		pred, err := PredictionCodec(encoding)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range []struct {
			name  string
			codec interface{ Encode(any) ([]byte, error) }
			value any
		}{
			{"metric-snapshot", snap, &MetricSnapshot{Model: "logistic", Key: "global-3", Version: 123456, Rows: 123456, Invalid: 7, Window: 1000,
				Metrics:     []Metric{{Name: "accuracy", Value: 0.79}, {Name: "logloss", Value: 0.45}, {Name: "auc", Value: 0.87}},
				SourceTopic: "susy", SourcePartition: 3, SourceOffset: 1234567}},
			{"dead-letter", dead, NewDeadLetter(Source{Topic: "susy", Partition: 3, Offset: 1234567}, 0, []byte("1"), line, "column f17: parse \"abc\": invalid syntax")},
			{"prediction-10-classes", pred, wide},
		} {
			b.Run(encoding+"/"+c.name, func(b *testing.B) {
				data, err := c.codec.Encode(c.value)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := c.codec.Encode(c.value); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

package wire_test

import (
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/wire"
)

func ExamplePredictionCodec() {
	codec, err := wire.PredictionCodec(wire.JSON)
	if err != nil {
		panic(err)
	}
	label := 1.0
	batch := wire.PredictionBatch{Predictions: []wire.Prediction{
		{ID: "susy/0/42/0", Topic: "susy", Offset: 42, Model: "lr", Key: "global-0", Version: 7,
			Scores: []float64{0.75}, Predicted: 1, Label: &label},
		{ID: "susy/0/42/1", Topic: "susy", Offset: 42, Index: 1, Model: "lr", Key: "global-0", Version: 8,
			Scores: []float64{0.25}, Predicted: 0},
	}}
	data, err := codec.Encode(batch)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(data))
	back, err := codec.Decode(data)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(back.(*wire.PredictionBatch).Predictions), "predictions")
	// Output:
	// {"id":"susy/0/42/0","topic":"susy","partition":0,"offset":42,"index":0,"model":"lr","key":"global-0","version":7,"scores":[0.75],"predicted":1,"label":1}
	// {"id":"susy/0/42/1","topic":"susy","partition":0,"offset":42,"index":1,"model":"lr","key":"global-0","version":8,"scores":[0.25],"predicted":0,"label":null}
	// 2 predictions
}

func ExampleReadExampleBatch() {
	in := wire.ExampleBatch{
		Source: wire.Source{Topic: "susy", Partition: 2, Offset: 9},
		Model:  "lr", Key: "global-2",
		Rows: []wire.Row{{Index: 0, Offset: 9, Features: []float64{0.5, -1}, Label: 1, HasLabel: true}},
	}
	data := wire.AppendExampleBatch(nil, &in)
	var out wire.ExampleBatch // reuse it message after message
	if err := wire.ReadExampleBatch(data, &out); err != nil {
		panic(err)
	}
	fmt.Printf("%d bytes: %s/%d/%d %s %s %v\n", len(data), out.Source.Topic, out.Source.Partition, out.Source.Offset, out.Model, out.Key, out.Rows)
	// Output:
	// 55 bytes: susy/2/9 lr global-2 [{0 9 [0.5 -1] 1 true}]
}

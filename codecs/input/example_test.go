package input_test

import (
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/input"
)

// The classic SUSY-on-Kafka layout: the class in the record key, the
// features as a CSV line in the value.
func ExampleNewDecoder() {
	d, err := input.NewDecoder(input.Spec{Label: input.LabelFromKey})
	if err != nil {
		panic(err)
	}
	rows, bad, err := d.Decode([]byte("1"), []byte("0.97,0.65,1.18\n"), nil)
	fmt.Println(rows[0].Features, rows[0].Label, len(bad), err)
	// Output: [0.97 0.65 1.18] 1 0 <nil>
}

// A batch message with a header, a class label, an entity column and a bad
// row, which is reported with its reason while the others are decoded.
func ExampleNewDecoder_batch() {
	d, err := input.NewDecoder(input.Spec{
		Header:      true,
		LabelColumn: "state",
		Classes:     []string{"ok", "failing"},
		KeyColumn:   "sensor",
	})
	if err != nil {
		panic(err)
	}
	msg := "sensor,temp,vibration,state\n" +
		"s1,71.5,0.02,ok\n" +
		"s2,88.0,n/a,failing\n" +
		"s2,90.5,0.31,failing\n"
	rows, bad, _ := d.Decode(nil, []byte(msg), nil)
	for _, r := range rows {
		fmt.Println(r.Index, r.Entity, r.Features, r.Label)
	}
	for _, b := range bad {
		fmt.Println(b.Error())
	}
	// Output:
	// 0 s1 [71.5 0.02] 0
	// 2 s2 [90.5 0.31] 1
	// input: row 1: column vibration: parse "n/a": invalid syntax
}

func ExampleSpec_Validate() {
	err := input.Spec{Label: input.LabelFromColumn}.Validate()
	fmt.Println(err)
	// Output: input: label_column is required when label is "column"
}

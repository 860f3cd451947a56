package schemas_test

import (
	"fmt"

	"github.com/linkedin/goavro/v2"
	"github.com/streamsgd/streamsgd/schemas"
)

func ExampleSchema() {
	text, err := schemas.Schema(schemas.DeadLetter)
	if err != nil {
		panic(err)
	}
	codec, err := goavro.NewCodec(text)
	if err != nil {
		panic(err)
	}
	fmt.Println(codec.CanonicalSchema()[:60])
	fmt.Println(schemas.Names())
	// Output:
	// {"name":"streamsgd.DeadLetter","type":"record","fields":[{"n
	// [DeadLetter Event Example MetricSnapshot ModelState ModelVersion Prediction]
}

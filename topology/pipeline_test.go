package topology

import (
	"errors"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/config"
)

// TestInputsNotOwn: an input topic that the pipeline writes itself was
// accepted, and its groups failed on every record and restarted for ever.
// Build now refuses it, naming the field.
func TestInputsNotOwn(t *testing.T) {
	const base = `
name: x
input:
  topics: [%IN%]
  columns: [label, f0]
  labels: %LABELS%
models:
  - {name: m}
serve:
  - {name: held, topics: [%HELD%], model: m, output: x.out}
`
	for _, tc := range []struct {
		name, in, labels, held string
		field                  string // "" for none
	}{
		{"fine", "rows", "{}", "heldout", ""},
		{"the features topic of delayed labels", "x.features", "{topic: lbl}", "heldout", "input.topics[0]"},
		{"the dead-letter topic", "x.deadletter", "{}", "heldout", "input.topics[0]"},
		{"the learn table", "x-learn-table", "{}", "heldout", "input.topics[0]"},
		{"labels on a deployment's output", "rows", "{topic: x.out}", "heldout", "input.labels.topic"},
		{"labels on the predictions", "rows", "{topic: x.predictions}", "heldout", "input.labels.topic"},
		{"serving the metrics", "rows", "{}", "x.metrics", "serve[0].topics[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yaml := strings.NewReplacer("%IN%", tc.in, "%LABELS%", tc.labels, "%HELD%", tc.held).Replace(base)
			c, err := config.Parse([]byte(yaml), "x.yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Build(c)
			var fe *config.FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field || fe.File != "x.yaml"):
				t.Fatalf("error %v, want one of field %s in x.yaml", err, tc.field)
			}
		})
	}
}

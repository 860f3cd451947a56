package operations

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

// TestCheckStateSizes: a model of 30,000 features (a 1.2 MB state) made
// learn fail on its first table write and restart for ever. run now
// refuses it at the start, naming the model and the field.
func TestCheckStateSizes(t *testing.T) {
	const limit = processors.DefaultMaxBytes
	for _, tc := range []struct {
		name     string
		features int
		model    string
		refused  bool
	}{
		{"18 features", 18, "{name: m}", false},
		{"10,000 features", 10_000, "{name: m}", false},
		{"30,000 features", 30_000, "{name: m}", true},
		{"10 classes of 3,000 features", 3_000, "{name: m, task: multiclass, classes: 10}", false},
		{"10 classes of 12,000 features", 12_000, "{name: m, task: multiclass, classes: 10}", true},
		{"a background learner doubles it", 15_000, "{name: m, drift: {background: {enabled: true}}}", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cols := make([]string, tc.features)
			for i := range cols {
				cols[i] = fmt.Sprintf("f%d", i)
			}
			yaml := fmt.Sprintf("name: w\ninput:\n  topics: [in]\n  columns: [label, %s]\n  label: {from: column, column: label}\nmodels:\n  - %s\n", strings.Join(cols, ", "), tc.model)
			c, err := config.Parse([]byte(yaml), "w.yaml")
			if err != nil {
				t.Fatal(err)
			}
			p, err := topology.Build(c)
			if err != nil {
				t.Fatal(err)
			}
			err = CheckStateSizes(p, limit)
			var fe *config.FieldError
			switch {
			case !tc.refused && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.refused && (!errors.As(err, &fe) || fe.Field != "models[0]" || fe.File != "w.yaml" || !strings.Contains(fe.Msg, "w-learn-table")):
				t.Fatalf("error %v, want one of models[0] in w.yaml naming the learn table", err)
			}
		})
	}
}

package config_test

import (
	"errors"
	"testing"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/topology"
)

const validYAML = `
name: susy
input:
  topics: [susy.train]
  columns: [f0, f1, f2]
models:
  - name: logreg
`

// FuzzParse: any bytes either parse into a config that validates and
// builds, or give a FieldError; never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(validYAML))
	f.Add([]byte("name: x\nmodels: [{name: m, task: multiclass}]\ninput: {topics: [a], label: {from: column, column: c0, classes: [a, b]}, columns: [c0, c1]}"))
	f.Add([]byte("{"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse(data, "fuzz.yaml")
		if err != nil {
			var fe *config.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("not a FieldError: %v", err)
			}
			return
		}
		if _, err := topology.Build(c); err != nil {
			t.Fatalf("valid config does not build: %v", err)
		}
	})
}

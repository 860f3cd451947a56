package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/table"
)

const serveYAML = validYAML + `  - name: other
    task: binary
serve:
  - name: test
    topics: [susy.test]
    model: logreg
`

func TestServeDefaults(t *testing.T) {
	c, err := Parse([]byte(serveYAML), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := c.Serve[0]
	if s.State != table.StateLatest || s.Output != "susy.scores" {
		t.Errorf("defaults: state %q output %q, want latest and susy.scores", s.State, s.Output)
	}
	c, err = Parse([]byte(validYAML), "p.yaml")
	if err != nil || len(c.Serve) != 0 {
		t.Errorf("no serve section: %v %v", c.Serve, err)
	}
}

// TestServeErrorsNameField: every invalid deployment names its field as
// the YAML does, serve[i].key.
func TestServeErrorsNameField(t *testing.T) {
	tests := []struct {
		name, patch, field, says string
	}{
		{"bad name", "  - {name: 'a b', topics: [x], model: logreg}", "serve[1].name", "letters"},
		{"duplicate", "  - {name: test, topics: [x], model: logreg}", "serve[1].name", "duplicate"},
		{"no topics", "  - {name: t2, topics: [], model: logreg}", "serve[1].topics", "at least one"},
		{"bad topic", "  - {name: t2, topics: ['a b'], model: logreg}", "serve[1].topics[0]", "topic name"},
		{"topic twice", "  - {name: t2, topics: [x, x], model: logreg}", "serve[1].topics[1]", "twice"},
		{"unknown model", "  - {name: t2, topics: [x], model: nope}", "serve[1].model", "have: logreg, other"},
		{"bad state", "  - {name: t2, topics: [x], model: logreg, state: newest}", "serve[1].state", `got "newest"`},
		{"version 0", "  - {name: t2, topics: [x], model: logreg, state: 0}", "serve[1].state", `got "0"`},
		{"output read", "  - {name: t2, topics: [x], model: logreg, output: susy.test}", "serve[1].output", "reads"},
		{"output input", "  - {name: t2, topics: [x], model: logreg, output: susy.train}", "serve[1].output", "reads"},
		{"same ids", "  - {name: t2, topics: [susy.test], model: other}", "serve[1].output", `deployment "test" scores susy.test into susy.scores`},
		{"bad output", "  - {name: t2, topics: [x], model: logreg, output: 'a/b'}", "serve[1].output", "topic name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(serveYAML+tt.patch+"\n"), "p.yaml")
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Msg, tt.says) {
				t.Errorf("got %v, want field %s saying %q", err, tt.field, tt.says)
			}
		})
	}
	// Another output, or a fixed version, is fine.
	ok := serveYAML + "  - {name: t2, topics: [susy.test], model: other, state: 3, output: susy.other}\n"
	if _, err := Parse([]byte(ok), "p.yaml"); err != nil {
		t.Errorf("a second deployment of the same topic into another output: %v", err)
	}
}

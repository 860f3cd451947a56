package config

import (
	"strings"
	"testing"
)

// TestLabels: delayed labels take their defaults (label.from none, an
// hour or a million rows) and each wrong field is named.
func TestLabels(t *testing.T) {
	const head = "name: p\nmodels: [{name: m}]\ninput:\n  topics: [in]\n  columns: [a, b]\n"
	c, err := Parse([]byte(head+"  labels: {topic: lab}\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Input.Delayed() || c.Input.Label.From != "none" || c.Input.Labels.ExpireAfter != (Expiry{Seconds: 3600, Rows: 1_000_000}) {
		t.Fatalf("input %+v", c.Input)
	}
	if c.FeatureCount() != 2 {
		t.Fatalf("features %d, want 2 (no label column)", c.FeatureCount())
	}
	c, err = Parse([]byte(head+"  id_column: a\n  labels: {topic: lab}\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if names, _ := c.InputSpec().FeatureNames(); len(names) != 1 || names[0] != "b" {
		t.Fatalf("features %v, want [b] (the id column is no feature)", names)
	}
	c, err = Parse([]byte("name: p\nmodels: [{name: m, task: multiclass}]\ninput:\n  topics: [in]\n  columns: [a, b]\n"+
		"  label: {classes: [no, yes]}\n  labels: {topic: lab}\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Models[0].Config.Classes != 2 || c.InputSpec().Classes != nil {
		t.Fatalf("classes of the labels: model %d, input spec %v", c.Models[0].Config.Classes, c.InputSpec().Classes)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"label in the records", "  label: {from: key}\n  labels: {topic: lab}\n", `input.label.from: must be "none" with input.labels.topic`},
		{"labels topic is an input", "  labels: {topic: in}\n", `input.labels.topic: "in" is also an input topic`},
		{"seconds", "  labels: {topic: lab, expire_after: {seconds: -1}}\n", "input.labels.expire_after.seconds: must be > 0, got -1"},
		{"rows", "  labels: {topic: lab, expire_after: {rows: -5}}\n", "input.labels.expire_after.rows: must be >= 1, got -5"},
		{"id column without labels", "  id_column: a\n", "input.id_column: is only used with input.labels.topic"},
		{"id column not a column", "  id_column: z\n  labels: {topic: lab}\n", "input.id_column"},
		{"id column is a feature", "  id_column: a\n  features: [a, b]\n  labels: {topic: lab}\n", `input.id_column: "a" is also a feature`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(head+tc.yaml), "p.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

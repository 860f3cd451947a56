package topology

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestDescribe: the DAG as data holds what Graph declares — every group
// with its edges, every writer, every model and deployment — and marshals.
func TestDescribe(t *testing.T) {
	p := susyPipeline(t)
	d := p.Describe()
	g := p.Graph()
	if len(d.Groups) != len(g.Groups) || len(d.Writers) != len(g.Writers) || len(d.Models) != len(p.Models) ||
		len(d.Deployments) != len(p.Deployments) {
		t.Fatalf("describe has %d groups, %d writers, %d models, %d deployments; want %d, %d, %d, %d",
			len(d.Groups), len(d.Writers), len(d.Models), len(d.Deployments), len(g.Groups), len(g.Writers), len(p.Models), len(p.Deployments))
	}
	for i, gg := range g.Groups {
		gd := d.Groups[i]
		if gd.Name != string(gg.Group()) || len(gd.Inputs) != len(gg.InputStreams()) || len(gd.Outputs) != len(gg.OutputStreams()) ||
			len(gd.Lookups) != len(gg.LookupTables()) {
			t.Errorf("group %d: %+v does not match %s", i, gd, gg.Group())
		}
		if tbl := gg.GroupTable(); tbl != nil && (gd.Table != tbl.Topic() || d.Tables[tbl.Topic()] == "") {
			t.Errorf("group %s: table %q, want %q", gd.Name, gd.Table, tbl.Topic())
		}
	}
	learn := d.Groups[slices.IndexFunc(d.Groups, func(g GroupDesc) bool { return g.Name == string(p.Topics.LearnGroup) })]
	if !slices.Contains(learn.Outputs, string(p.Topics.Predictions)) {
		t.Errorf("learn's outputs %v lack %s", learn.Outputs, p.Topics.Predictions)
	}
	if d.DOT != p.DOT() {
		t.Error("describe's DOT is not DOT()")
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatal(err)
	}
}

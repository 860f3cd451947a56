package topology

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/config"
)

func delayedPipeline(t *testing.T) *Pipeline {
	t.Helper()
	c, err := config.Load(filepath.Join("..", "examples", "susy-delayed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDelayedGroups: with delayed labels route writes the features topic,
// and the join group, between route and learn, reads it and the labels
// topic, keeps the join table, looks the states up and writes
// predictions, examples and dead letters; without them neither exists.
func TestDelayedGroups(t *testing.T) {
	p := delayedPipeline(t)
	var names []goka.Group
	for _, g := range p.Groups() {
		if err := g.Validate(); err != nil {
			t.Errorf("group %s: %v", g.Group(), err)
		}
		names = append(names, g.Group())
	}
	want := []goka.Group{"susy-delayed-route", "susy-delayed-join", "susy-delayed-learn", "susy-delayed-merge", "susy-delayed-checkpoint"}
	if !slices.Equal(names, want) {
		t.Fatalf("groups %v, want %v", names, want)
	}
	join, err := p.Group(p.Topics.JoinGroup)
	if err != nil {
		t.Fatal(err)
	}
	var ins, outs, lookups []string
	for _, e := range join.InputStreams() {
		ins = append(ins, e.Topic())
	}
	for _, e := range join.OutputStreams() {
		outs = append(outs, e.Topic())
	}
	for _, e := range join.LookupTables() {
		lookups = append(lookups, e.Topic())
	}
	if !slices.Equal(ins, []string{"susy-delayed.features", "susy.labels", "susy-delayed.repartitioned-labels"}) ||
		!slices.Equal(outs, []string{"susy-delayed.predictions", "susy-delayed.examples", "susy-delayed.deadletter", "susy-delayed.repartitioned-labels"}) ||
		!slices.Equal(lookups, []string{"susy-delayed-learn-table", "susy-delayed-merge-table"}) ||
		join.GroupTable().Topic() != "susy-delayed-join-table" {
		t.Errorf("join group: in %v, out %v, lookups %v, table %s", ins, outs, lookups, join.GroupTable().Topic())
	}
	created := map[string]bool{}
	for _, c := range p.Topics.Created() {
		created[c.Name] = c.Compacted
	}
	if !created["susy-delayed-join-table"] {
		t.Errorf("created topics %v: want the join table compacted", created)
	}
	for _, want := range []string{"susy-delayed.features", "susy-delayed.repartitioned-labels"} {
		if _, ok := created[want]; !ok {
			t.Errorf("created topics %v: want %s", created, want)
		}
	}
	for _, g := range susyPipeline(t).Groups() {
		if g.Group() == "susy-join" {
			t.Error("a pipeline without delayed labels has a join group")
		}
	}
	if susyPipeline(t).Join != nil {
		t.Error("a pipeline without delayed labels has a Join processor")
	}
}

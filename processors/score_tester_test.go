package processors

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/lovoo/goka/tester"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// scoreOnTester runs the score group of the fixture on goka's tester, its
// tables as lookups of ViewCodecs (as topology declares them).
func scoreOnTester(t *testing.T, s *Score) *tester.Tester {
	t.Helper()
	predCodec, metCodec := jsonOutputCodecs(t)
	deadCodec, _ := wire.DeadLetterCodec("json")
	var topics goka.Streams
	outputs := map[goka.Stream]bool{}
	for _, d := range s.Deployments {
		for _, in := range d.Topics {
			if !strings.Contains(fmt.Sprint(topics), in) {
				topics = append(topics, goka.Stream(in))
			}
		}
		outputs[d.Output] = true
	}
	shapes := Shapes(s.Specs)
	edges := []goka.Edge{
		goka.Inputs(topics, new(codec.Bytes), s.Process),
		goka.Lookup(s.LearnTable, table.NewStateViewCodec(shapes, 0)),
		goka.Lookup(s.MergeTable, table.NewStateViewCodec(shapes, 0)),
		goka.Lookup(s.CheckpointTable, table.NewRegistryViewCodec(0)),
		goka.Lookup(s.Serving, new(table.ServingCodec)),
		goka.Output(s.DeadLetter, deadCodec),
		goka.Output(s.Metrics, metCodec),
	}
	for o := range outputs {
		edges = append(edges, goka.Output(o, predCodec))
	}
	g := goka.DefineGroup("score", edges...)
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	tt := tester.New(t)
	runOnTester(t, tt, g)
	return tt
}

// TestScoreOnTester runs the score group's goka shell: records in, table
// values changed between records (as the learn and checkpoint groups and
// `serve promote` change them), predictions, dead letters and snapshots
// out, each record's rows predicted or dead-lettered. No restart between
// cases: what a record is served is what the tables hold when it arrives.
func TestScoreOnTester(t *testing.T) {
	s, specs := scoreFixture(t)
	tt := scoreOnTester(t, s)
	scores, other := tt.NewQueueTracker("scores"), tt.NewQueueTracker("other")
	dead, snaps := tt.NewQueueTracker("dead"), tt.NewQueueTracker("score-metrics")
	reg := registry(t, specs["g"], "g", []int{10, 20, 30})
	tests := []struct {
		name, topic, value string
		set                func()
		versions           string // model@version of every prediction, in order
		dead               []string
		snapshots          int
	}{
		{name: "nothing learned yet", topic: "t-latest", value: "a,1,1,1\nb,0,0,0",
			dead: []string{`serve latest: model g: row 0: no model state for key "g" yet`, "row 1: no model state"}},
		{name: "the learn table's state", topic: "t-latest", value: "a,1,1,1\nb,0,0,0",
			set:      func() { tt.SetTableValue(s.LearnTable, "g", trained(t, specs["g"], "g", 40)) },
			versions: "g@40 g@40"},
		{name: "a newer state, no restart", topic: "t-latest", value: "a,1,1,1\nb,0,0,0\na,1,1,2",
			set:      func() { tt.SetTableValue(s.LearnTable, "g", trained(t, specs["g"], "g", 41)) },
			versions: "g@41 g@41 g@41", snapshots: 1},
		{name: "pinned: none yet", topic: "t-pinned", value: "a,1,1,1",
			set:  func() { tt.SetTableValue(s.CheckpointTable, "g", reg) },
			dead: []string{`serve pinned: model g: row 0: key "g" has no pinned version (kept: 1-3)`}},
		{name: "pinned: version 2", topic: "t-pinned", value: "a,1,1,1",
			set: func() {
				reg.Versions[1].Pinned = true
				tt.SetTableValue(s.CheckpointTable, "g", reg)
			},
			versions: "g@20"},
		{name: "pinned: version 3 too, the newest pinned wins", topic: "t-pinned", value: "a,1,1,1",
			set: func() {
				reg.Versions[2].Pinned = true
				tt.SetTableValue(s.CheckpointTable, "g", reg)
			},
			versions: "g@30"},
		{name: "pinned: 3 unpinned, back to 2", topic: "t-pinned", value: "a,1,1,1",
			set: func() {
				reg.Versions[2].Pinned = false
				tt.SetTableValue(s.CheckpointTable, "g", reg)
			},
			versions: "g@20"},
		{name: "promoted", topic: "t-latest", value: "a,1,1,1",
			set: func() {
				tt.SetTableValue(s.LearnTable, "g2", trained(t, specs["g2"], "g2", 7))
				tt.SetTableValue(s.Serving, "latest", &table.ServingOverride{Model: "g2"})
			},
			versions: "g2@7"},
		{name: "rolled back", topic: "t-latest", value: "a,1,1,1",
			set:      func() { tt.SetTableValue(s.Serving, "latest", &table.ServingOverride{Model: "g"}) },
			versions: "g@41"},
		{name: "undecodable state", topic: "t-entity", value: "a,1,1,1",
			set: func() {
				st := trained(t, specs["g"], "per/a", 3) // a state of g under per's key
				st.Model = "gone"
				tt.SetTableValue(s.LearnTable, "per/a", st)
			},
			dead: []string{`key "per/a" in learn-table does not decode`}},
		{name: "bad record", topic: "t-latest", value: "x,y", dead: []string{"serve latest: row 0:"}},
	}
	for i, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			if c.set != nil {
				c.set()
			}
			tt.Consume(c.topic, fmt.Sprint("k", i), []byte(c.value))
			var got []string
			for _, q := range []*tester.QueueTracker{scores, other} {
				for _, v, ok := q.Next(); ok; _, v, ok = q.Next() {
					for _, p := range v.(*wire.PredictionBatch).Predictions {
						got = append(got, fmt.Sprintf("%s@%d", p.Model, p.Version))
					}
				}
			}
			if strings.Join(got, " ") != c.versions {
				t.Errorf("predictions %v, want %s", got, c.versions)
			}
			var reasons []string
			for k, v, ok := dead.Next(); ok; k, v, ok = dead.Next() {
				if k != fmt.Sprint("k", i) {
					t.Errorf("dead letter keyed %q", k)
				}
				reasons = append(reasons, v.(*wire.DeadLetter).Reason)
			}
			if len(reasons) != len(c.dead) {
				t.Fatalf("dead letters %q, want %q", reasons, c.dead)
			}
			for j, r := range reasons {
				if !strings.Contains(r, c.dead[j]) {
					t.Errorf("dead letter %q, want %q", r, c.dead[j])
				}
			}
			n := 0
			for k, _, ok := snaps.Next(); ok; k, _, ok = snaps.Next() {
				if k != "latest" {
					t.Errorf("snapshot keyed %q", k)
				}
				n++
			}
			if n != c.snapshots {
				t.Errorf("%d snapshots, want %d", n, c.snapshots)
			}
		})
	}
}

package processors

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/model"
)

// mapTables are Tables in maps, counting reads.
type mapTables struct {
	states, merged map[string]*table.ModelState
	regs           map[string]*table.Registry
	overrides      map[string]*table.ServingOverride
	reads          int
}

func newMapTables() *mapTables {
	return &mapTables{states: map[string]*table.ModelState{}, merged: map[string]*table.ModelState{},
		regs: map[string]*table.Registry{}, overrides: map[string]*table.ServingOverride{}}
}

func (m *mapTables) State(key string, merged bool) (*table.ModelState, error) {
	m.reads++
	if merged {
		return m.merged[key], nil
	}
	return m.states[key], nil
}

func (m *mapTables) Registry(key string) (*table.Registry, error) {
	m.reads++
	return m.regs[key], nil
}

func (m *mapTables) Override(d string) (*table.ServingOverride, error) { return m.overrides[d], nil }

// scoreFixture is a Score over rows "sensor,y,x0,x1" (label y, entity
// sensor) with a global binary model g, another g2, a regression r, a
// per-entity binary model per and a sharded binary model sh, and one
// deployment per topic t-<name>.
func scoreFixture(t *testing.T) (*Score, map[string]ModelSpec) {
	t.Helper()
	spec := input.Spec{Columns: []string{"sensor", "y", "x0", "x1"}, Features: []string{"x0", "x1"},
		Label: input.LabelFromColumn, LabelColumn: "y", KeyColumn: "sensor"}
	per := binarySpec("per", 2)
	per.KeyColumn = "sensor"
	sh := binarySpec("sh", 2)
	sh.Shards = 2
	specs := map[string]ModelSpec{
		"g": binarySpec("g", 2), "g2": binarySpec("g2", 2), "r": regressionSpec("r", "", 2), "per": per, "sh": sh,
		"mc": multiclassSpec("mc", 2, 3),
	}
	route := newRoute(t, spec, 2, specs["g"])
	s := &Score{
		Route: route, Specs: specs, DeadLetter: "dead", Metrics: "score-metrics",
		LearnTable: "learn-table", MergeTable: "merge-table", CheckpointTable: "checkpoint-table", Serving: "serving",
		Deployments: []Deployment{
			{Name: "latest", Topics: []string{"t-latest", "t-both"}, Model: "g", State: table.StateLatest, Output: "scores"},
			{Name: "pinned", Topics: []string{"t-pinned"}, Model: "g", State: table.StatePinned, Output: "scores"},
			{Name: "fixed", Topics: []string{"t-fixed"}, Model: "g", State: "2", Output: "scores"},
			{Name: "entity", Topics: []string{"t-entity"}, Model: "per", State: table.StateLatest, Output: "scores"},
			{Name: "sharded", Topics: []string{"t-sharded"}, Model: "sh", State: table.StateLatest, Output: "scores"},
			{Name: "multi", Topics: []string{"t-multi"}, Model: "mc", State: table.StateLatest, Output: "scores"},
			{Name: "other", Topics: []string{"t-both"}, Model: "g2", State: table.StateLatest, Output: "other"},
		},
	}
	s.Init()
	return s, specs
}

// trained is the state of key of spec after rows rows of a separable
// stream.
func trained(t *testing.T, spec ModelSpec, key string, rows int) *table.ModelState {
	t.Helper()
	st, err := newState(spec, key)
	if err != nil {
		t.Fatal(err)
	}
	classes := outputs(spec)
	for i := range rows {
		y := float64(i % max(classes, 2))
		if spec.Model.Task == "regression" {
			y = float64(i % 5)
		}
		x := []float64{y + 0.1*float64(i%3), -y}
		if err := st.Learner.Learn(x, y); err != nil {
			t.Fatal(err)
		}
		st.Rows++
	}
	return st
}

// registry holds a version of spec's key per entry of rows, pinned where
// pinned says.
func registry(t *testing.T, spec ModelSpec, key string, rows []int, pinned ...int64) *table.Registry {
	t.Helper()
	reg := &table.Registry{Model: spec.Name, Key: key}
	for i, n := range rows {
		v, err := NewVersion(trained(t, spec, key, n), spec, time.Unix(int64(i), 0))
		if err != nil {
			t.Fatal(err)
		}
		v.ID = int64(i + 1)
		for _, p := range pinned {
			v.Pinned = v.Pinned || p == v.ID
		}
		reg.Versions = append(reg.Versions, v)
		reg.LastID = v.ID
	}
	return reg
}

// wantPred is a prediction a case expects: deployment (output), model,
// key, version.
type wantPred struct {
	output     goka.Stream
	model, key string
	version    int64
}

func TestScoreStep(t *testing.T) {
	s, specs := scoreFixture(t)
	const rows3 = "a,1,1,-1\nb,0,0,0\na,1,2,-1\n"
	tests := []struct {
		name, topic, value string
		setup              func(*mapTables)
		preds              []wantPred
		dead               []string // reasons, in order (each also starts with "serve <deployment>: ")
	}{
		{name: "latest, nothing learned yet", topic: "t-latest", value: rows3,
			dead: []string{`no model state for key "g" yet`, `key "g"`, `key "g"`}},
		{name: "latest, a state of 0 rows", topic: "t-latest", value: rows3,
			setup: func(m *mapTables) { m.states["g"] = trained(t, specs["g"], "g", 0) },
			dead:  []string{`no model state for key "g" yet`, "yet", "yet"}},
		{name: "latest", topic: "t-latest", value: rows3,
			setup: func(m *mapTables) { m.states["g"] = trained(t, specs["g"], "g", 40) },
			preds: []wantPred{{"scores", "g", "g", 40}, {"scores", "g", "g", 40}, {"scores", "g", "g", 40}}},
		{name: "bad rows dead-lettered as route does", topic: "t-latest", value: "a,1,1,-1\na,1,x,2\nb,1,1\n",
			setup: func(m *mapTables) { m.states["g"] = trained(t, specs["g"], "g", 40) },
			preds: []wantPred{{"scores", "g", "g", 40}},
			dead:  []string{`row 1: column x0: parse "x"`, "row 2"}},
		{name: "empty message", topic: "t-latest", value: "", dead: []string{input.ReasonEmptyMessage}},
		{name: "pinned, no version yet", topic: "t-pinned", value: rows3, dead: []string{`no model version for key "g" yet`, "yet", "yet"}},
		{name: "pinned, none pinned", topic: "t-pinned", value: "a,1,1,1",
			setup: func(m *mapTables) { m.regs["g"] = registry(t, specs["g"], "g", []int{10, 20}) },
			dead:  []string{`key "g" has no pinned version (kept: 1-2)`}},
		{name: "pinned: the newest pinned version", topic: "t-pinned", value: "a,1,1,1\nb,0,0,0",
			setup: func(m *mapTables) { m.regs["g"] = registry(t, specs["g"], "g", []int{10, 20, 30, 40}, 1, 3) },
			preds: []wantPred{{"scores", "g", "g", 30}, {"scores", "g", "g", 30}}},
		{name: "fixed version", topic: "t-fixed", value: "a,1,1,1",
			setup: func(m *mapTables) { m.regs["g"] = registry(t, specs["g"], "g", []int{10, 20, 30}) },
			preds: []wantPred{{"scores", "g", "g", 20}}},
		{name: "fixed version not made yet", topic: "t-fixed", value: "a,1,1,1",
			setup: func(m *mapTables) { m.regs["g"] = registry(t, specs["g"], "g", []int{10}) },
			dead:  []string{`key "g" has no version 2 yet (newest: 1)`}},
		{name: "fixed version dropped", topic: "t-fixed", value: "a,1,1,1",
			setup: func(m *mapTables) {
				reg := registry(t, specs["g"], "g", []int{10, 20, 30})
				reg.Versions = reg.Versions[2:]
				m.regs["g"] = reg
			},
			dead: []string{`key "g" has no version 2 (kept: 3)`}},
		{name: "per entity: looked up by the row's key", topic: "t-entity", value: "a,1,1,1\nb,0,0,0\n,1,1,1\na,0,2,2",
			setup: func(m *mapTables) { m.states["per/a"] = trained(t, specs["per"], "per/a", 12) },
			preds: []wantPred{{"scores", "per", "per/a", 12}, {"scores", "per", "per/a", 12}},
			dead:  []string{`model per: row 1: no model state for key "per/b" yet`, `model per: row 2 has an empty "sensor"`}},
		{name: "sharded: the merged model", topic: "t-sharded", value: "a,1,1,1",
			setup: func(m *mapTables) {
				m.states["sh"] = trained(t, specs["sh"], "sh", 5) // not read: a shard's key is sh/<i>
				m.merged["sh"] = trained(t, specs["sh"], "sh", 70)
			},
			preds: []wantPred{{"scores", "sh", "sh", 70}}},
		{name: "a label the model refuses", topic: "t-multi", value: "a,1,1,1\na,7,1,1\na,1.5,1,1",
			setup: func(m *mapTables) { m.states["mc"] = trained(t, specs["mc"], "mc", 9) },
			preds: []wantPred{{"scores", "mc", "mc", 9}},
			dead:  []string{"model mc: row 1: " + input.ReasonLabelNotClass, "row 2: " + input.ReasonLabelNotClass}},
		{name: "two deployments of one topic", topic: "t-both", value: "a,1,1,1",
			setup: func(m *mapTables) {
				m.states["g"] = trained(t, specs["g"], "g", 40)
				m.states["g2"] = trained(t, specs["g2"], "g2", 41)
			},
			preds: []wantPred{{"scores", "g", "g", 40}, {"other", "g2", "g2", 41}}},
		{name: "promoted: another model, the configured state", topic: "t-latest", value: "a,1,1,1",
			setup: func(m *mapTables) {
				m.states["g"] = trained(t, specs["g"], "g", 40)
				m.states["g2"] = trained(t, specs["g2"], "g2", 41)
				m.overrides["latest"] = &table.ServingOverride{Model: "g2"}
			},
			preds: []wantPred{{"scores", "g2", "g2", 41}}},
		{name: "promoted: another model and state", topic: "t-latest", value: "a,1,1,1",
			setup: func(m *mapTables) {
				m.states["g2"] = trained(t, specs["g2"], "g2", 41)
				m.regs["g2"] = registry(t, specs["g2"], "g2", []int{5, 6, 7})
				m.overrides["latest"] = &table.ServingOverride{Model: "g2", State: "2"}
			},
			preds: []wantPred{{"scores", "g2", "g2", 6}}},
		{name: "promoted: a model not in the config", topic: "t-latest", value: "a,1,1,1\nb,1,1,1",
			setup: func(m *mapTables) { m.overrides["latest"] = &table.ServingOverride{Model: "gone"} },
			dead:  []string{`promoted model "gone" is not in the pipeline config`, "gone"}},
		{name: "promoted: a model of another task", topic: "t-latest", value: "a,1,1,1",
			setup: func(m *mapTables) { m.overrides["latest"] = &table.ServingOverride{Model: "r"} },
			dead:  []string{`promoted model "r" is a regression model`}},
		{name: "an override that does not decode", topic: "t-latest", value: "a,1,1,1",
			setup: func(m *mapTables) {
				o, _ := new(table.ServingCodec).Decode([]byte("{not json"))
				m.overrides["latest"] = o.(*table.ServingOverride)
			},
			dead: []string{"the serving override is not valid"}},
		{name: "a topic no deployment serves", topic: "t-none", value: "a,1,1,1"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tables := newMapTables()
			if tt.setup != nil {
				tt.setup(tables)
			}
			src := wire.Source{Topic: tt.topic, Partition: 1, Offset: int64(100 + i)}
			out, err := s.Step(tables, s.Partition(1), src, []byte("k"), []byte(tt.value))
			if err != nil {
				t.Fatal(err)
			}
			var got []wantPred
			for _, b := range out.Predictions {
				for _, p := range b.Batch.Predictions {
					got = append(got, wantPred{b.Output, p.Model, p.Key, p.Version})
					checkScored(t, tables, s, p, src, tt.value)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.preds) {
				t.Errorf("predictions %v, want %v", got, tt.preds)
			}
			if n, want := len(got)+len(out.Dead), sent(tt.value)*len(s.byTopic[tt.topic]); n != want {
				t.Errorf("predicted + dead-lettered = %d, sent %d (rows times deployments)", n, want)
			}
			if len(out.Dead) != len(tt.dead) {
				t.Fatalf("%d dead letters, want %d: %v", len(out.Dead), len(tt.dead), reasons(out.Dead))
			}
			for j, d := range out.Dead {
				if !strings.HasPrefix(d.Reason, "serve ") || !strings.Contains(d.Reason, tt.dead[j]) ||
					d.Topic != tt.topic || d.Offset != src.Offset || string(d.Key) != "k" {
					t.Errorf("dead letter %d: %+v, want a reason saying %q", j, d, tt.dead[j])
				}
			}
		})
	}
}

// checkScored checks a prediction against its row: its id, and its scores
// are those of the served state's learner (latest) or version's.
func checkScored(t *testing.T, tables *mapTables, s *Score, p wire.Prediction, src wire.Source, value string) {
	t.Helper()
	if p.ID != PredictionID(src.Topic, src.Partition, src.Offset, p.Index) || p.Offset != src.Offset || p.Topic != src.Topic {
		t.Errorf("prediction id %s of %+v", p.ID, src)
	}
	rows, _, _ := s.Route.Decoder.Decode(nil, []byte(value), nil)
	var m *model.Model
	for _, st := range []*table.ModelState{tables.merged[p.Key], tables.states[p.Key]} {
		if st != nil && st.Rows == p.Version && m == nil {
			m = st.Learner
		}
	}
	if reg := tables.regs[p.Key]; m == nil && reg != nil {
		for _, v := range reg.Versions {
			if v.Rows == p.Version {
				m, _ = v.Restore()
			}
		}
	}
	if m == nil {
		t.Fatalf("prediction %+v: no state or version of %d rows", p, p.Version)
	}
	want := make([]float64, m.Outputs())
	for _, r := range rows {
		if r.Index == p.Index {
			if err := m.Predict(r.Features, want); err != nil {
				t.Fatal(err)
			}
			if p.Label == nil || *p.Label != r.Label {
				t.Errorf("prediction %s: label %v, row's %v", p.ID, p.Label, r.Label)
			}
		}
	}
	if fmt.Sprint(want) != fmt.Sprint(p.Scores) || p.Predicted != predicted(m.Config().Task, want) {
		t.Errorf("prediction %s: scores %v (%v), the served learner's %v", p.ID, p.Scores, p.Predicted, want)
	}
}

// sent is the number of rows of a CSV value: its lines, or 1 for an empty
// message (dead-lettered whole).
func sent(value string) int {
	n := 0
	for _, l := range strings.Split(value, "\n") {
		if l != "" {
			n++
		}
	}
	return max(n, 1)
}

func reasons(ds []*wire.DeadLetter) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Reason
	}
	return out
}

// TestScoreMetrics: labeled rows update a rolling window per deployment,
// served model and input partition; a snapshot every EmitEvery labeled
// rows (4), keyed by the deployment, with the served version, the rows
// scored and dead-lettered; a promoted model starts a window of its own.
func TestScoreMetrics(t *testing.T) {
	s, specs := scoreFixture(t)
	tables := newMapTables()
	tables.states["g"] = trained(t, specs["g"], "g", 40)
	tables.states["g2"] = trained(t, specs["g2"], "g2", 50)
	step := func(p int32, off int64, value string) ScoreOutput {
		out, err := s.Step(tables, s.Partition(p), wire.Source{Topic: "t-latest", Partition: p, Offset: off}, nil, []byte(value))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := step(0, 0, "a,1,1,-1\na,0,0,0\na,1,2,-1"); len(out.Snapshots) != 0 {
		t.Fatalf("a snapshot after 3 rows: %+v", out.Snapshots)
	}
	if out := step(1, 0, "a,1,1,-1\na,0,0,0\na,1,2,-1"); len(out.Snapshots) != 0 {
		t.Fatalf("partition 1 shares partition 0's window: %+v", out.Snapshots)
	}
	tables.states["g"] = trained(t, specs["g"], "g", 44)
	out := step(0, 1, "a,1,1,-1\na,0,x,0")
	if len(out.Snapshots) != 1 {
		t.Fatalf("snapshots after 4 rows: %+v", out.Snapshots)
	}
	snap := out.Snapshots[0]
	if snap.Key != "latest" || snap.Model != "g" || snap.Version != 44 || snap.Rows != 4 || snap.Invalid != 1 ||
		snap.Window != 4 || len(snap.Metrics) != 3 || snap.SourceOffset != 1 || snap.SourcePartition != 0 {
		t.Errorf("snapshot %+v", snap)
	}
	if acc := snap.Metrics[0]; acc.Name != "accuracy" || acc.Value < 0 || acc.Value > 1 {
		t.Errorf("accuracy %+v", acc)
	}
	tables.overrides["latest"] = &table.ServingOverride{Model: "g2"}
	for off := int64(2); off < 5; off++ {
		if out := step(0, off, "a,1,1,-1"); len(out.Snapshots) != 0 {
			t.Fatalf("g2 shares g's window: %+v", out.Snapshots)
		}
	}
	if out := step(0, 5, "a,1,1,-1"); len(out.Snapshots) != 1 || out.Snapshots[0].Model != "g2" || out.Snapshots[0].Version != 50 {
		t.Errorf("g2's first snapshot: %+v", out.Snapshots)
	}
	if out := step(0, 6, "a,1,1,1\n,,,\n"); len(out.Snapshots) != 0 || len(out.Dead) != 1 {
		t.Errorf("a bad row: %+v", out)
	}
}

// TestScoreDecodesVersionsOnce: the learner of a served version is decoded
// once per key and version, whatever the rows; a newly pinned version is
// served from the next record on.
func TestScoreDecodesVersionsOnce(t *testing.T) {
	s, specs := scoreFixture(t)
	tables := newMapTables()
	tables.regs["g"] = registry(t, specs["g"], "g", []int{10, 20, 30}, 1)
	version := func(off int64) int64 {
		out, err := s.Step(tables, s.Partition(0), wire.Source{Topic: "t-pinned", Offset: off}, nil, []byte("a,1,1,1\nb,0,0,0"))
		if err != nil || len(out.Predictions) != 1 {
			t.Fatalf("%+v %v", out, err)
		}
		ps := out.Predictions[0].Batch.Predictions
		if len(ps) != 2 || ps[0].Version != ps[1].Version {
			t.Fatalf("predictions %+v", ps)
		}
		return ps[0].Version
	}
	for off := range int64(50) {
		if v := version(off); v != 10 {
			t.Fatalf("version %d, want 10", v)
		}
	}
	if n := s.learners.len(); n != 1 {
		t.Errorf("%d learners decoded for one version", n)
	}
	tables.regs["g"].Versions[2].Pinned = true // pin version 3
	if v := version(50); v != 30 || s.learners.len() != 2 {
		t.Errorf("after pinning 3: version %d, %d learners", v, s.learners.len())
	}
	tables.regs["g"].Versions[2].Pinned = false // unpin it: back to 1
	if v := version(51); v != 10 {
		t.Errorf("after unpinning 3: version %d", v)
	}
}

// TestScoreSplitsBatches: a record's predictions are split into batches
// that fit PredictionsMaxBytes, every row in one of them, in order.
func TestScoreSplitsBatches(t *testing.T) {
	s, specs := scoreFixture(t)
	bound := wire.PredictionRowBound("t-latest", "g", "g", 1)
	s.PredictionsMaxBytes = 3*bound + wire.PredictionBatchHeaderBound("")
	tables := newMapTables()
	tables.states["g"] = trained(t, specs["g"], "g", 40)
	var value strings.Builder
	for i := range 10 {
		fmt.Fprintf(&value, "a,%d,%d,1\n", i%2, i)
	}
	out, err := s.Step(tables, s.Partition(0), wire.Source{Topic: "t-latest"}, nil, []byte(value.String()))
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	next := int32(0)
	for _, b := range out.Predictions {
		sizes = append(sizes, len(b.Batch.Predictions))
		for _, p := range b.Batch.Predictions {
			if p.Index != next {
				t.Errorf("row %d after %d", p.Index, next-1)
			}
			next++
		}
	}
	if fmt.Sprint(sizes) != "[3 3 3 1]" {
		t.Errorf("batches of %v rows, want [3 3 3 1]", sizes)
	}
}

// TestMergedKey: only a sharded global model's own name is read from the
// merge table; its shards' keys (which predictions and metrics name) are
// in the learn table, as are every key of other models. Shard keys were
// looked up in the merge table, and /api/state and `models export --live`
// said they had no state.
func TestMergedKey(t *testing.T) {
	sharded := ModelSpec{Name: "m", Shards: 4}
	tests := []struct {
		spec ModelSpec
		key  string
		want bool
	}{
		{sharded, "m", true},
		{sharded, "m/0.4", false},
		{sharded, "m/3", false},
		{ModelSpec{Name: "m", Shards: 1}, "m", false},
		{ModelSpec{Name: "m", Shards: 4, KeyColumn: "sensor"}, "m", false},
		{ModelSpec{Name: "m", Shards: 4, KeyColumn: "sensor"}, "m/s1", false},
	}
	for _, tc := range tests {
		if got := tc.spec.MergedKey(tc.key); got != tc.want {
			t.Errorf("%+v MergedKey(%q) = %v, want %v", tc.spec, tc.key, got, tc.want)
		}
	}
}

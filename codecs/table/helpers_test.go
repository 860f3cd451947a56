package table

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// binaryShape is a logistic regression of 2 features with Adam and the
// scaler, and a binary window; a sharded model with shards > 1.
func binaryShape(shards int) Shape {
	s := Shape{
		Model: model.Config{Task: model.TaskBinary, Learner: "logistic", Features: 2,
			Optimizer: model.Optimizer{Name: "adam", LearningRate: 0.05}, Standardize: true},
		Window: metrics.WindowConfig{Task: "binary", Size: 10, Buckets: 5, Bins: 8},
		Shards: shards,
	}
	s.Model.EnsureDefaults()
	return s
}

// learned is the state of key after rows rows, prequentially: each row is
// predicted, scored by the window, learned, and its offset recorded as
// applied from partition offset%3 of topic "in".
func learned(t testing.TB, name, key string, shape Shape, rows int) *ModelState {
	t.Helper()
	st, err := NewModelState(name, key, shape)
	if err != nil {
		t.Fatal(err)
	}
	pred := make([]float64, st.Learner.Outputs())
	for off := range int64(rows) {
		x := []float64{float64(off % 3), math.Sin(float64(off))}
		y := float64(off % 2)
		if err := st.Learner.Predict(x, pred); err != nil {
			t.Fatal(err)
		}
		st.Window.Update(y, pred)
		if err := st.Learner.Learn(x, y); err != nil {
			t.Fatal(err)
		}
		st.Rows++
		st.Advance("in", int32(off%3), off)
	}
	return st
}

// publish is the ShardState shard publishes of its state.
func publish(st *ModelState, shard int) *ShardState {
	return &ShardState{
		Model: st.Model, Key: st.Key, Shard: shard, Rows: st.Rows, Invalid: st.Invalid,
		Learner: st.Learner.Clone(), Window: st.Window.Clone(),
	}
}

// sampleRegistry holds one pinned version of a fresh learner (its second
// metric NaN), the result of a pin command with id "x" and of a rejected
// command, and skipped and trimmed counts.
func sampleRegistry(t testing.TB) *Registry {
	st := learned(t, "m", "m", binaryShape(1), 0)
	state, err := st.Learner.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := json.Marshal(st.Learner.Config())
	if err != nil {
		t.Fatal(err)
	}
	ms := st.Window.Values()
	ms[1].Value = math.NaN()
	return &Registry{
		Model: "m", Key: "m", LastID: 1,
		Versions: []Version{{ID: 1, Time: time.Unix(10, 5).UTC(), Window: st.Window.Rows(), Metrics: ms,
			ConfigHash: "c0ffee", Pinned: true, Config: cfg, State: state}},
		Skipped: 3, SkipReason: "because", Trimmed: 2,
		Commands: []CommandResult{
			{ID: "x", Op: "pin", Version: 1, Time: time.Unix(11, 0).UTC(), OK: true, Message: "version 1 pinned"},
			{Time: time.Unix(12, 0).UTC(), Message: `pin command "bad": invalid character 'b'`},
		},
	}
}

func TestAdvance(t *testing.T) {
	st := &ModelState{}
	st.Advance("in", 1, 10)
	st.Advance("a", 0, 5)
	st.Advance("in", 0, 7)
	st.Advance("in", 1, 11)
	st.AdvanceTo("in", 0, 8, 3)
	want := "[{a 0 5 0} {in 0 8 3} {in 1 11 0}]"
	if got := fmt.Sprint(st.Watermarks); got != want {
		t.Errorf("watermarks %s, want %s", got, want)
	}
	if m := st.Mark("in", 0); !m.Applied(8, 2) || m.Applied(8, 3) || !m.Applied(7, 100) || m.Applied(9, 0) {
		t.Errorf("Applied of %+v", m)
	}
	if m := st.Mark("in", 1); !m.Applied(11, 1000) || m.Applied(12, 0) {
		t.Errorf("Applied of %+v", m)
	}
	if st.Watermark("in", 1) != 11 || st.Watermark("in", 2) != -1 || st.Watermark("b", 0) != -1 {
		t.Errorf("Watermark lookups wrong: %v", st.Watermarks)
	}
}

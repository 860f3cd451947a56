package processors

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/tester"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/model"
)

// shardedSpec is a binary model of 2 features in shards shards, mixed every
// mixEvery rows.
func shardedSpec(shards int, mixEvery int64) ModelSpec {
	s := binarySpec("g", 2)
	s.Shards, s.MixEvery = shards, mixEvery
	return s
}

// shardBatch is the batch of n rows of one input message for a shard key;
// the rows are separable by their first feature.
func shardBatch(key string, offset int64, n int) *wire.ExampleBatch {
	rows := make([]wire.Row, n)
	for i := range rows {
		y := float64((int(offset) + i) % 2)
		rows[i] = row(int32(i), y, 2*y-1+0.01*float64(i), float64(i%3))
	}
	return batch("g", key, offset, rows...)
}

// learnShard feeds a shard messages of n rows from offset 0 until it has
// learned rows rows; no mixing.
func learnShard(t *testing.T, l *Learn, key string, rows int) (*table.ModelState, []*table.ShardState) {
	t.Helper()
	var st *table.ModelState
	var pub []*table.ShardState
	for off := int64(0); st == nil || st.Rows < int64(rows); off++ {
		out, err := l.Step(st, shardBatch(key, off, 1))
		if err != nil {
			t.Fatal(err)
		}
		st = out.State
		pub = append(pub, out.Shards...)
	}
	return st, pub
}

// TestShardPublishes: a shard publishes its state after every MixEvery-th
// row, several times in one batch and in the middle of one if need be,
// as it was at that row; a redelivery publishes nothing.
func TestShardPublishes(t *testing.T) {
	spec := shardedSpec(2, 4)
	l := &Learn{Specs: map[string]ModelSpec{"g": spec}}
	key := table.ShardKeys("g", 2, 2)[1]
	first, err := l.Step(nil, shardBatch(key, 0, 3))
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Shards) != 0 {
		t.Fatalf("published %d states after 3 rows, want 0", len(first.Shards))
	}
	out, err := l.Step(first.State, shardBatch(key, 1, 10)) // rows 4..13: at 4, 8 and 12
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Shards) != 3 {
		t.Fatalf("published %d states, want 3", len(out.Shards))
	}
	// The state at 8 rows equals that of a clean run stopped at 8 rows.
	ref, err := l.Step(nil, shardBatch(key, 0, 3))
	if err != nil {
		t.Fatal(err)
	}
	b := shardBatch(key, 1, 10)
	b.Rows = b.Rows[:5]
	if ref, err = l.Step(ref.State, b); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{4, 8, 12} {
		s := out.Shards[i]
		if s.Rows != want || s.Shard != 1 || s.Key != key || s.Model != "g" {
			t.Errorf("published %d: %+v, want shard 1 at %d rows", i, s, want)
		}
	}
	if !bytes.Equal(marshalModel(t, out.Shards[1].Learner), marshalModel(t, ref.State.Learner)) {
		t.Error("the state published at 8 rows is not the learner after 8 rows")
	}
	again, err := l.Step(out.State, shardBatch(key, 1, 10))
	if err != nil {
		t.Fatal(err)
	}
	if again.State != nil || len(again.Shards) != 0 {
		t.Error("a redelivery published or changed the state")
	}
}

func marshalModel(t *testing.T, m *model.Model) []byte {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestShardMixes: at a mixing point the shard's weights become the
// row-weighted average of its own and the other shards' published ones;
// its row count, scaler and optimizer state stay its own.
func TestShardMixes(t *testing.T) {
	spec := shardedSpec(3, 5)
	l := &Learn{Specs: map[string]ModelSpec{"g": spec}}
	keys := table.ShardKeys("g", 3, 4)
	// Shards 1 and 2 learned 20 and 10 rows; their published states are
	// in the merge table's value.
	m := &Merge{Specs: l.Specs}
	var merged *table.ModelState
	for i, rows := range map[int]int{1: 20, 2: 10} {
		_, pub := learnShard(t, l, keys[i], rows)
		var err error
		if merged, err = m.Step(merged, pub[len(pub)-1]); err != nil {
			t.Fatal(err)
		}
	}
	lookups := 0
	lookup := func(name string) (*table.ModelState, error) {
		lookups++
		if name != "g" {
			t.Errorf("looked up %q", name)
		}
		return merged, nil
	}
	// Shard 0: 4 rows, then a batch whose first row is its 5th.
	st, _ := learnShard(t, l, keys[0], 4)
	before := st.Learner.Clone()
	b := shardBatch(keys[0], 100, 1)
	var events []MixEvent
	l.OnMix = func(e MixEvent) { events = append(events, e) }
	out, err := l.StepMerged(st, b, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if lookups != 1 || len(out.Shards) != 1 {
		t.Fatalf("lookups %d, published %d, want 1 and 1", lookups, len(out.Shards))
	}
	if want := (MixEvent{Model: "g", Shard: 0, Rows: 5, Others: 2, OthersRows: 30}); len(events) != 1 || events[0] != want {
		t.Errorf("mix events %+v, want %+v", events, want)
	}
	own := out.Shards[0].Learner // the shard's learner before mixing
	if err := before.Learn(b.Rows[0].Features, b.Rows[0].Label); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(marshalModel(t, own), marshalModel(t, before)) {
		t.Fatal("published learner differs from the shard's after its 5th row")
	}
	want := own.Clone()
	if err := model.Average(want, []*model.Model{own, merged.Shards[1].Learner, merged.Shards[2].Learner}, []float64{5, 20, 10}); err != nil {
		t.Fatal(err)
	}
	got := out.State.Learner
	for i, w := range want.Weights() {
		if g := got.Weights()[i]; math.Float64bits(g) != math.Float64bits(w) {
			t.Errorf("param %d: %v, want %v", i, g, w)
		}
	}
	if got.Seen() != own.Seen() || out.State.Rows != 5 {
		t.Errorf("seen %d rows %d, want the shard's own %d and 5", got.Seen(), out.State.Rows, own.Seen())
	}
	// Mixing back the shard's own weights gives its pre-mix learner, bit for
	// bit: scaler and optimizer state were left alone.
	if err := got.Mix(own, 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(marshalModel(t, got), marshalModel(t, own)) {
		t.Error("mixing changed more than the weights and biases")
	}
}

func TestShardMixErrors(t *testing.T) {
	spec := shardedSpec(2, 1)
	l := &Learn{Specs: map[string]ModelSpec{"g": spec}}
	keys := table.ShardKeys("g", 2, 2)
	boom := errors.New("boom")
	if _, err := l.StepMerged(nil, shardBatch(keys[0], 0, 1), func(string) (*table.ModelState, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("lookup error: %v", err)
	}
	if _, err := l.Step(nil, shardBatch("g/x", 0, 1)); err == nil {
		t.Error("a batch for a key that is not a shard: no error")
	}
	zero := shardedSpec(2, 0)
	if _, err := (&Learn{Specs: map[string]ModelSpec{"g": zero}}).Step(nil, shardBatch(keys[0], 0, 1)); err == nil {
		t.Error("mix every 0: no error")
	}
	// No merged state yet: the shard learns on, unmixed.
	out, err := l.StepMerged(nil, shardBatch(keys[0], 0, 3), func(string) (*table.ModelState, error) { return nil, nil })
	if err != nil || out.State.Rows != 3 || len(out.Shards) != 3 {
		t.Errorf("no merged state: %v, %+v", err, out)
	}
}

func TestMergeStep(t *testing.T) {
	spec := shardedSpec(2, 5)
	specs := map[string]ModelSpec{"g": spec}
	l := &Learn{Specs: specs}
	keys := table.ShardKeys("g", 2, 4)
	_, pub0 := learnShard(t, l, keys[0], 15)
	_, pub1 := learnShard(t, l, keys[1], 5)
	m := &Merge{Specs: specs}
	st, err := m.Step(nil, pub0[2]) // 15 rows
	if err != nil {
		t.Fatal(err)
	}
	if st.Key != "g" || st.Rows != 15 || st.Shards[0] != pub0[2] || st.Shards[1] != nil {
		t.Fatalf("after one shard: %+v", st)
	}
	if !bytes.Equal(marshalModel(t, st.Learner.Clone()), marshalModel(t, averaged(t, pub0[2].Learner))) {
		t.Error("merge of one shard is not that shard's average")
	}
	if st, err = m.Step(st, pub1[0]); err != nil {
		t.Fatal(err)
	}
	want := averaged(t, pub0[2].Learner, pub1[0].Learner)
	if st.Rows != 20 || !bytes.Equal(marshalModel(t, st.Learner), marshalModel(t, want)) {
		t.Errorf("merged rows %d or learner differ from the 15:5 average", st.Rows)
	}
	// An older state of shard 0 is ignored; as many rows replaces.
	if again, err := m.Step(st, pub0[1]); err != nil || again != nil {
		t.Errorf("older shard state: %v, %v; want ignored", again, err)
	}
	if again, err := m.Step(st, pub0[2]); err != nil || again == nil {
		t.Errorf("same rows: %v, %v; want stored", again, err)
	}
	// It survives the state codec, shards and all.
	c := &table.StateCodec{Shapes: Shapes(specs)}
	data, err := c.Encode(st)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	back := v.(*table.ModelState)
	if again, _ := c.Encode(back); !bytes.Equal(again, data) || back.Shards[1].Rows != 5 || back.Shards[0].Key != keys[0] {
		t.Error("merge state does not round-trip")
	}
	for _, bad := range []*table.ShardState{
		{Model: "x", Key: "x/0", Learner: pub0[0].Learner, Window: pub0[0].Window},
		{Model: "g", Key: "g/7", Shard: 7, Learner: pub0[0].Learner, Window: pub0[0].Window},
		{Model: "g", Key: keys[0], Shard: 1, Learner: pub0[0].Learner, Window: pub0[0].Window},
	} {
		if _, err := m.Step(nil, bad); err == nil {
			t.Errorf("shard state %s/%d: no error", bad.Key, bad.Shard)
		}
	}
}

// averaged is model.Average of learners weighted by their Seen.
func averaged(t *testing.T, learners ...*model.Model) *model.Model {
	t.Helper()
	dst := learners[0].Clone()
	ws := make([]float64, len(learners))
	for i, m := range learners {
		ws[i] = float64(m.Seen())
	}
	if err := model.Average(dst, learners, ws); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestMergeOnTester runs learn (with its merge table lookup) and merge on
// goka's tester: two shards publish every 4 rows, the merge table holds
// both, and a shard that reaches a mixing point after the other has
// published mixes its weights in.
func TestMergeOnTester(t *testing.T) {
	spec := shardedSpec(2, 4)
	specs := map[string]ModelSpec{"g": spec}
	const (
		examples    = goka.Stream("t.examples")
		predictions = goka.Stream("t.predictions")
		metricsOut  = goka.Stream("t.metrics")
		shards      = goka.Stream("t.shards")
	)
	learnGroup, mergeGroup := goka.Group("t-learn"), goka.Group("t-merge")
	mergeTable := goka.GroupTable(mergeGroup)
	l := &Learn{Specs: specs, Predictions: predictions, Metrics: metricsOut, Shards: shards, Merged: mergeTable}
	m := &Merge{Specs: specs}
	states := &table.StateCodec{Shapes: Shapes(specs)}
	predCodec, metCodec := jsonOutputCodecs(t)
	tt := tester.New(t)
	graphs := []*goka.GroupGraph{
		goka.DefineGroup(learnGroup,
			goka.Input(examples, new(wire.ExampleBatchCodec), l.Process),
			goka.Persist(states),
			goka.Output(predictions, predCodec),
			goka.Output(metricsOut, metCodec),
			goka.Output(shards, &table.ShardCodec{Shapes: Shapes(specs)}),
			goka.Lookup(mergeTable, states),
		),
		goka.DefineGroup(mergeGroup,
			goka.Input(shards, &table.ShardCodec{Shapes: Shapes(specs)}, m.Process),
			goka.Persist(states),
		),
	}
	runOnTester(t, tt, graphs...)
	keys := table.ShardKeys("g", 2, 2)
	// Shard 1 learns 8 rows and publishes twice; then shard 0 learns 4 and
	// mixes in shard 1's state at 8 rows.
	for off := int64(0); off < 8; off++ {
		tt.Consume(string(examples), keys[1], shardBatch(keys[1], off, 1))
	}
	var unmixed *table.ModelState
	for off := int64(0); off < 4; off++ {
		out, err := l.Step(unmixed, shardBatch(keys[0], off, 1))
		if err != nil {
			t.Fatal(err)
		}
		unmixed = out.State
		tt.Consume(string(examples), keys[0], shardBatch(keys[0], off, 1))
	}
	merged, ok := tt.TableValue(mergeTable, "g").(*table.ModelState)
	if !ok || merged.Shards[0] == nil || merged.Shards[1] == nil || merged.Shards[1].Rows != 8 || merged.Rows != 12 {
		t.Fatalf("merge table: %+v", merged)
	}
	mixed := tt.TableValue(goka.GroupTable(learnGroup), keys[0]).(*table.ModelState)
	want := averaged(t, unmixed.Learner, merged.Shards[1].Learner)
	for i, w := range want.Weights() {
		if g := mixed.Learner.Weights()[i]; math.Float64bits(g) != math.Float64bits(w) {
			t.Errorf("shard 0 param %d: %v, want %v (mixed with shard 1)", i, g, w)
		}
	}
	if !bytes.Equal(marshalModel(t, merged.Shards[0].Learner), marshalModel(t, unmixed.Learner)) {
		t.Error("shard 0 published its mixed learner, want the one before mixing")
	}
}

package processors

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/metrics"
)

// learnedStates returns the states of model key "m" after each of n
// batches of rowsPer labeled rows.
func learnedStates(t *testing.T, spec ModelSpec, n, rowsPer int) []*table.ModelState {
	t.Helper()
	l := &Learn{Specs: map[string]ModelSpec{spec.Name: spec}}
	var st *table.ModelState
	var out []*table.ModelState
	for off := int64(0); off < int64(n); off++ {
		b := batch(spec.Name, spec.Name, off)
		for i := 0; i < rowsPer; i++ {
			x := float64(int(off)*rowsPer + i)
			b.Rows = append(b.Rows, row(int32(i), float64(int(x)%2), math.Sin(x), math.Cos(x)))
			b.Rows[i].Offset = off
		}
		o, err := l.Step(st, b)
		if err != nil {
			t.Fatal(err)
		}
		st = o.State
		// Keep a copy: Step changes the state in place.
		c := &table.StateCodec{Shapes: Shapes(l.Specs)}
		data, err := c.Encode(st)
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v.(*table.ModelState))
	}
	return out
}

func checkpointSpec(everyRows int64, every time.Duration, keep int) ModelSpec {
	s := binarySpec("m", 2)
	s.Checkpoint = config.Checkpoints{EveryRows: everyRows, EverySeconds: every.Seconds(), Keep: keep}
	s.ConfigHash = "c0ffee"
	return s
}

func ids(r *table.Registry) []int64 {
	var out []int64
	for _, v := range r.Versions {
		out = append(out, v.ID)
	}
	return out
}

func TestCheckpointVersionsByRows(t *testing.T) {
	spec := checkpointSpec(10, time.Hour, 3)
	c := &Checkpoint{Specs: map[string]ModelSpec{"m": spec}}
	states := learnedStates(t, spec, 12, 4) // rows 4, 8, ..., 48
	t0 := time.Unix(1000, 0)
	var reg *table.Registry
	var made []int64
	for i, st := range states {
		out := c.StepState(reg, "m", st, t0.Add(time.Duration(i)*time.Second), false)
		if out != nil {
			reg = out
			made = append(made, st.Rows)
		}
	}
	// First state makes version 1; then every >= 10 more rows.
	if want := []int64{4, 16, 28, 40}; !slices.Equal(made, want) {
		t.Fatalf("versions at rows %v, want %v", made, want)
	}
	if got := ids(reg); !slices.Equal(got, []int64{2, 3, 4}) || reg.LastID != 4 {
		t.Fatalf("kept ids %v (last %d), want [2 3 4] and 4: keep 3", got, reg.LastID)
	}
	v := reg.Latest()
	if v.Rows != 40 || v.ConfigHash != "c0ffee" || v.Window != 10 || len(v.Metrics) != 3 || v.Metrics[0].Name != metrics.NameAccuracy {
		t.Errorf("latest version %+v", v)
	}
	if !v.Time.Equal(t0.Add(9 * time.Second)) {
		t.Errorf("version time %v, want the state's time", v.Time)
	}
	// The version restores the learner of the state it copies.
	m, err := v.Restore()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Weights(), states[9].Learner.Weights()) || m.Seen() != 40 {
		t.Errorf("restored weights %v, want %v", m.Weights(), states[9].Learner.Weights())
	}
	// Redelivered states make no version. The one of the newest
	// version's rows writes the registry again, unchanged, once (until
	// Restart): the local store, written before the changelog, may be
	// ahead of it after a failed write.
	for pass := range 3 {
		if pass == 2 {
			c.Restart()
		}
		rewrites := 0
		for _, st := range states[:10] {
			out := c.StepState(reg, "m", st, t0.Add(time.Hour*10), false)
			switch {
			case out == nil:
			case out == reg && st.Rows == 40 && reg.LastID == 4:
				rewrites++
			default:
				t.Fatalf("pass %d: redelivered state of %d rows made a version", pass, st.Rows)
			}
		}
		if want := map[int]int{0: 1, 1: 0, 2: 1}[pass]; rewrites != want {
			t.Errorf("pass %d: %d rewrites, want %d", pass, rewrites, want)
		}
	}
}

// TestCheckpointMarkRewrite: a key's mark, like its local registry, may be
// ahead of the changelog after a failed write, so a state of the mark's
// rows is not skipped by the mark until its registry was written again.
func TestCheckpointMarkRewrite(t *testing.T) {
	spec := checkpointSpec(1000, time.Hour, 10)
	c := &Checkpoint{Specs: map[string]ModelSpec{"m": spec}}
	states := learnedStates(t, spec, 4, 2)
	t0 := time.Unix(5000, 0)
	reg := c.StepState(nil, "m", states[0], t0, false)
	c.remember("m", reg.Latest())
	for i, want := range []bool{false, true} {
		if got := c.notDue("m", states[0], t0, false); got != want {
			t.Fatalf("pass %d: notDue %v, want %v", i, got, want)
		}
		if i == 0 && c.StepState(reg, "m", states[0], t0, false) != reg {
			t.Fatal("the registry is not written again")
		}
	}
	c.Restart()
	if c.notDue("m", states[0], t0, false) {
		t.Error("a mark survived Restart")
	}
}

func TestCheckpointVersionsByTime(t *testing.T) {
	spec := checkpointSpec(1000, time.Minute, 10)
	c := &Checkpoint{Specs: map[string]ModelSpec{"m": spec}}
	states := learnedStates(t, spec, 4, 2)
	t0 := time.Unix(5000, 0)
	reg := c.StepState(nil, "m", states[0], t0, false)
	if reg == nil || reg.Latest().ID != 1 {
		t.Fatal("the first state makes version 1")
	}
	if c.StepState(reg, "m", states[1], t0.Add(59*time.Second), false) != nil {
		t.Error("a version before a minute and 1000 rows")
	}
	if out := c.StepState(reg, "m", states[1], t0.Add(time.Minute), false); out == nil || out.Latest().Rows != 4 {
		t.Fatal("no version after a minute")
	}
	// Time alone is not enough: the rows must have grown (the registry is
	// written again, unchanged, once: see TestCheckpointVersionsByRows).
	last := reg.LastID
	for range 2 {
		if out := c.StepState(reg, "m", states[1], t0.Add(time.Hour), false); out != nil && out.LastID != last {
			t.Error("a version without new rows")
		}
	}
}

func TestCheckpointUnknownModelCounted(t *testing.T) {
	spec := checkpointSpec(10, time.Hour, 3)
	states := learnedStates(t, spec, 2, 1)
	c := &Checkpoint{Specs: map[string]ModelSpec{"other": binarySpec("other", 2)}}
	reg := c.StepState(nil, "m", states[0], time.Now(), false)
	reg = c.StepState(reg, "m", states[1], time.Now(), false)
	if reg == nil || reg.Skipped != 2 || !strings.Contains(reg.SkipReason, `model "m" is not in the pipeline config`) || len(reg.Versions) != 0 {
		t.Fatalf("registry %+v", reg)
	}
	// Through the lenient codec, as the group reads the changelog.
	data, err := states[1].AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := (&table.StateCodec{Shapes: Shapes(c.Specs), Lenient: true}).Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := v.(*table.UndecodableState); !ok || u.Model != "m" || u.Err == nil {
		t.Fatalf("lenient decode: %#v", v)
	}
	if v, err := (&table.StateCodec{Shapes: Shapes(c.Specs), Lenient: true}).Decode([]byte{9, 9}); err != nil || v.(*table.UndecodableState).Err == nil {
		t.Fatalf("lenient decode of garbage: %v %v", v, err)
	}
}

func TestCheckpointShardStatesNotVersioned(t *testing.T) {
	spec := checkpointSpec(1, time.Hour, 3)
	st := learnedStates(t, spec, 1, 1)[0]
	spec.Shards = 2
	c := &Checkpoint{Specs: map[string]ModelSpec{"m": spec}}
	if c.StepState(nil, "m/0", st, time.Now(), true) != nil {
		t.Error("a shard state from the learn table made a version")
	}
	if c.StepState(nil, "m", st, time.Now(), false) == nil {
		t.Error("a merged state made no version")
	}
}

func TestCheckpointMaxBytes(t *testing.T) {
	spec := checkpointSpec(1, time.Hour, 10)
	states := learnedStates(t, spec, 6, 1)
	one := &table.Registry{Model: "m", Key: "m"}
	c := &Checkpoint{Specs: map[string]ModelSpec{"m": spec}}
	one = c.StepState(one, "m", states[0], time.Now(), false)
	size := one.EncodedLen()
	c.MaxBytes = 3 * size
	var reg *table.Registry
	for _, st := range states {
		reg = c.StepState(reg, "m", st, time.Now(), false)
	}
	if n := len(reg.Versions); n < 2 || n > 3 || reg.Trimmed == 0 || reg.Latest().Rows != 6 {
		t.Fatalf("%d versions, %d trimmed, latest %d rows", n, reg.Trimmed, reg.Latest().Rows)
	}
	if got := len(reg.AppendBinary(nil)); got > c.MaxBytes {
		t.Errorf("registry of %d bytes, limit %d", got, c.MaxBytes)
	}
	c.MaxBytes = size / 2
	if reg = c.StepState(nil, "m", states[0], time.Now(), false); reg.Skipped != 1 || len(reg.Versions) != 0 {
		t.Errorf("a version larger than the limit: %+v", reg)
	}
}

func pin(op table.PinOp, v int64, id string) []byte {
	b, _ := table.PinCommand{Op: op, Version: v, ID: id}.Encode()
	return b
}

func TestCheckpointPins(t *testing.T) {
	spec := checkpointSpec(1, time.Hour, 2)
	c := &Checkpoint{Specs: map[string]ModelSpec{"m": spec}}
	states := learnedStates(t, spec, 5, 1)
	var reg *table.Registry
	for _, st := range states[:3] {
		reg = c.StepState(reg, "m", st, time.Now(), false)
	}
	// Versions 2 and 3 are kept.
	now := time.Unix(100, 0)
	steps := []struct {
		cmd    []byte
		ok     bool
		msg    string
		pinned []int64
		kept   []int64
	}{
		{pin(table.OpPin, 2, "a"), true, "version 2 pinned", []int64{2}, []int64{2, 3}},
		{pin(table.OpPin, 1, "b"), false, `key "m" has no version 1 (kept: 2-3)`, []int64{2}, []int64{2, 3}},
		{pin(table.OpPin, 9, "c"), false, `key "m" has no version 9 yet (newest: 3)`, []int64{2}, []int64{2, 3}},
		{pin(table.OpUnpin, 3, "d"), true, "version 3 was not pinned", []int64{2}, []int64{2, 3}},
		{[]byte(`{"op":"frob","version":2}`), false, `op must be "pin" or "unpin"`, []int64{2}, []int64{2, 3}},
		{[]byte(`not json`), false, "pin command", []int64{2}, []int64{2, 3}},
	}
	for i, s := range steps {
		out := c.StepPin(reg, "m", s.cmd, now)
		if out == nil {
			t.Fatalf("step %d: no registry", i)
		}
		reg = out
		res := reg.Commands[len(reg.Commands)-1]
		if res.OK != s.ok || !strings.Contains(res.Message, s.msg) {
			t.Errorf("step %d: result %+v, want ok %v and %q", i, res, s.ok, s.msg)
		}
		var pinned []int64
		for _, v := range reg.Versions {
			if v.Pinned {
				pinned = append(pinned, v.ID)
			}
		}
		if !slices.Equal(pinned, s.pinned) || !slices.Equal(ids(reg), s.kept) {
			t.Errorf("step %d: pinned %v kept %v, want %v and %v", i, pinned, ids(reg), s.pinned, s.kept)
		}
	}
	// A redelivered command is applied once.
	if c.StepPin(reg, "m", pin(table.OpPin, 2, "a"), now) != nil {
		t.Error("a redelivered command changed the registry")
	}
	// The pinned version outlives retention...
	for _, st := range states[3:] {
		reg = c.StepState(reg, "m", st, time.Now(), false)
	}
	if got := ids(reg); !slices.Equal(got, []int64{2, 4, 5}) || reg.Pinned().ID != 2 {
		t.Fatalf("kept %v, want [2 4 5] with 2 pinned", got)
	}
	// ...and goes when unpinned.
	reg = c.StepPin(reg, "m", pin(table.OpUnpin, 2, "e"), now)
	res := reg.Command("e")
	if res == nil || !res.OK || !strings.Contains(res.Message, "dropped") || !slices.Equal(ids(reg), []int64{4, 5}) || reg.Pinned() != nil {
		t.Fatalf("after unpin: %+v, kept %v", res, ids(reg))
	}
	// A key without versions.
	r := c.StepPin(nil, "nope", pin(table.OpPin, 1, "f"), now)
	if r == nil || r.Command("f").OK || !strings.Contains(r.Command("f").Message, `key "nope" has no version 1`) {
		t.Errorf("pin of an unknown key: %+v", r)
	}
}

func TestRegistryCommandsBounded(t *testing.T) {
	var r table.Registry
	for i := 0; i < 3*maxCommands; i++ {
		addCommand(&r, table.CommandResult{ID: string(rune('a' + i%26)), Version: int64(i)})
	}
	if len(r.Commands) != maxCommands || r.Commands[maxCommands-1].Version != 3*maxCommands-1 {
		t.Errorf("%d commands, last %+v", len(r.Commands), r.Commands[len(r.Commands)-1])
	}
}

// TestCheckpointTick: a key that stops learning gets its last rows
// versioned once its time trigger fires, through DueKeys and a tick.
func TestCheckpointTick(t *testing.T) {
	spec := checkpointSpec(1000, time.Minute, 5)
	c := &Checkpoint{Specs: map[string]ModelSpec{"m": spec}}
	states := learnedStates(t, spec, 3, 2)
	t0 := time.Unix(5000, 0)
	reg := c.StepState(nil, "m", states[0], t0, false)
	if c.StepState(reg, "m", states[1], t0.Add(time.Second), false) != nil ||
		c.StepState(reg, "m", states[2], t0.Add(2*time.Second), false) != nil {
		t.Fatal("versions before the trigger")
	}
	if keys := c.DueKeys(t0.Add(59 * time.Second)); len(keys) != 0 {
		t.Fatalf("due before a minute: %v", keys)
	}
	if keys := c.DueKeys(t0.Add(time.Minute)); !slices.Equal(keys, []string{"m"}) {
		t.Fatalf("due keys %v, want [m]", keys)
	}
	if keys := c.DueKeys(t0.Add(2 * time.Minute)); len(keys) != 0 {
		t.Fatalf("a key returned twice: %v", keys)
	}
	if c.StepTick(reg, "m", t0.Add(30*time.Second)) != nil {
		t.Fatal("an early tick made a version")
	}
	if keys := c.DueKeys(t0.Add(time.Minute)); !slices.Equal(keys, []string{"m"}) {
		t.Fatalf("an early tick dropped the pending state: due keys %v", keys)
	}
	reg = c.StepTick(reg, "m", t0.Add(time.Minute))
	if v := reg.Latest(); v == nil || v.ID != 2 || v.Rows != states[2].Rows || !v.Time.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("version after the tick: %+v", v)
	}
	if c.StepTick(reg, "m", t0.Add(time.Hour)) != nil {
		t.Error("a second tick made a version")
	}
	// A version made by a state drops the pending one.
	c.StepState(reg, "m", states[2], t0, false) // not newer: not pending
	if len(c.pending) != 0 {
		t.Errorf("pending %v", c.pending)
	}
	// The pending states are bounded; a state that finds no room is
	// versioned at once (it was dropped, and a key whose stream ended
	// there kept its older version for good).
	c.MaxPending = 1
	r1 := c.StepState(nil, "a", states[0], t0, false)
	r2 := c.StepState(nil, "b", states[0], t0, false)
	if c.StepState(r1, "a", states[1], t0, false) != nil {
		t.Error("a state with room to wait was versioned")
	}
	r2 = c.StepState(r2, "b", states[1], t0, false)
	if len(c.pending) != 1 {
		t.Errorf("%d pending, limit 1", len(c.pending))
	}
	if v := r2.Latest(); v == nil || v.ID != 2 || v.Rows != states[1].Rows {
		t.Errorf("a state with no room to wait: newest version %+v, want version 2 of %d rows", v, states[1].Rows)
	}
	if !table.IsTick(table.TickCommand) || table.IsTick(pin(table.OpPin, 1, "")) {
		t.Error("IsTick")
	}
}

// TestCheckpointIdle: a key whose newest state made no version gets one
// IdleSeconds after the group read it, long before its time trigger, and
// idle time counts from when states are read, not from their timestamps
// (a backlog of old states is not idle).
func TestCheckpointIdle(t *testing.T) {
	spec := checkpointSpec(1000, time.Hour, 5)
	spec.Checkpoint.IdleSeconds = 5
	c := &Checkpoint{Specs: map[string]ModelSpec{"m": spec}}
	states := learnedStates(t, spec, 3, 2)
	now := time.Now()
	t0 := now.Add(-time.Minute) // written a minute ago: a backlog
	reg := c.StepState(nil, "m", states[0], t0, false)
	if c.StepState(reg, "m", states[1], t0.Add(time.Second), false) != nil {
		t.Fatal("a version before any trigger")
	}
	if keys := c.DueKeys(now); len(keys) != 0 {
		t.Fatalf("due as soon as read: %v", keys)
	}
	// A newer state read later restarts the idle time.
	c.pending["m"].seen = now.Add(-4 * time.Second)
	c.StepState(reg, "m", states[2], t0.Add(2*time.Second), false)
	if keys := c.DueKeys(now.Add(2 * time.Second)); len(keys) != 0 {
		t.Fatalf("due 2 s after the newest state was read: %v", keys)
	}
	if keys := c.DueKeys(now.Add(6 * time.Second)); !slices.Equal(keys, []string{"m"}) {
		t.Fatalf("due keys %v after 6 s idle, want [m]", keys)
	}
	reg = c.StepTick(reg, "m", now.Add(6*time.Second))
	if v := reg.Latest(); v == nil || v.ID != 2 || v.Rows != states[2].Rows || !v.Time.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("version after the idle tick: %+v", v)
	}
}

// TestCheckpointMarks: a state that is not due by its key's mark needs no
// registry read; a mark is never moved back.
func TestCheckpointMarks(t *testing.T) {
	spec := checkpointSpec(4, time.Minute, 3)
	c := &Checkpoint{Specs: map[string]ModelSpec{"m": spec}}
	states := learnedStates(t, spec, 4, 2) // rows 2, 4, 6, 8
	t0 := time.Unix(100, 0)
	if c.notDue("m", states[1], t0, false) {
		t.Fatal("not due without a mark")
	}
	c.remember("m", &table.Version{Rows: 2, Time: t0})
	c.remember("m", &table.Version{Rows: 1, Time: t0.Add(-time.Hour)}) // older: ignored
	if !c.notDue("m", states[1], t0.Add(time.Second), false) {
		t.Error("4 rows after a version at 2 (every 4): due")
	}
	if len(c.DueKeys(t0.Add(time.Minute))) != 1 {
		t.Error("the state not due is not pending")
	}
	if c.notDue("m", states[2], t0.Add(time.Second), false) || c.notDue("m", states[1], t0.Add(time.Minute), false) {
		t.Error("due by rows or by time, but not due by the mark")
	}
	spec.Shards = 2
	c.Specs["m"] = spec
	if !c.notDue("m/0", states[0], t0, true) {
		t.Error("a shard state is versioned")
	}
}

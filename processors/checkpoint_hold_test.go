package processors

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/table"
)

type gokaContext = goka.Context

// holdCtx is the part of goka.Context that the checkpoint group's
// callbacks use, with the deferred commits they hold counted.
type holdCtx struct {
	gokaContext
	done     context.Context
	key      string
	topic    goka.Stream
	at       time.Time
	value    any
	set      any
	deferred int // DeferCommit calls
	released *atomic.Int64
}

func (c *holdCtx) Key() string                             { return c.key }
func (c *holdCtx) Topic() goka.Stream                      { return c.topic }
func (c *holdCtx) Timestamp() time.Time                    { return c.at }
func (c *holdCtx) Value() any                              { return c.value }
func (c *holdCtx) SetValue(v any, _ ...goka.ContextOption) { c.set = v }
func (c *holdCtx) Context() context.Context                { return c.done }
func (c *holdCtx) Fail(err error)                          { panic(err) }
func (c *holdCtx) DeferCommit() func(error) {
	c.deferred++
	return func(err error) {
		if err != nil {
			panic(err)
		}
		c.released.Add(1)
	}
}

// TestCheckpointHoldsPending: with HoldPending, the message of each
// pending state keeps its commit until a newer state of the key replaces
// it, a tick versions it, or the partition stops (then the pending state
// is forgotten: its message is read again); the messages of states that
// make a version, or that are not newer, hold nothing.
func TestCheckpointHoldsPending(t *testing.T) {
	spec := checkpointSpec(1000, time.Minute, 5)
	states := learnedStates(t, spec, 4, 2)
	t0 := time.Unix(5000, 0)
	partition, stop := context.WithCancel(context.Background())
	defer stop()
	c := (&Checkpoint{Specs: map[string]ModelSpec{"m": spec}}).Held()
	var reg *table.Registry
	var released atomic.Int64
	process := func(st *table.ModelState, at time.Time) *holdCtx {
		ctx := &holdCtx{done: partition, key: "m", topic: "learn-table", at: at, value: reg, released: &released}
		c.ProcessState(ctx, st)
		if r, ok := ctx.set.(*table.Registry); ok {
			reg = r
		}
		return ctx
	}
	tick := func(at time.Time) {
		ctx := &holdCtx{done: partition, key: "m", topic: "pins", at: at, value: reg, released: &released}
		c.ProcessPin(ctx, table.TickCommand)
		if r, ok := ctx.set.(*table.Registry); ok {
			reg = r
		}
	}
	check := func(step string, ctx *holdCtx, deferred, released_ int) {
		t.Helper()
		if ctx != nil && ctx.deferred != deferred {
			t.Errorf("%s: %d commits held, want %d", step, ctx.deferred, deferred)
		}
		if n := released.Load(); n != int64(released_) {
			t.Errorf("%s: %d held commits released, want %d", step, n, released_)
		}
	}

	check("first state: a version", process(states[0], t0), 0, 0)
	check("second state: pending", process(states[1], t0.Add(time.Second)), 1, 0)
	check("third state replaces it", process(states[2], t0.Add(2*time.Second)), 1, 1)
	check("a redelivered older state", process(states[1], t0.Add(2*time.Second)), 0, 1)
	tick(t0.Add(30 * time.Second)) // early: still pending, still held
	check("an early tick", nil, 0, 1)
	tick(t0.Add(time.Minute))
	check("the tick that versions it", nil, 0, 2)
	if v := reg.Latest(); v == nil || v.Rows != states[2].Rows {
		t.Fatalf("newest version %+v, want %d rows", v, states[2].Rows)
	}

	// A pending state whose partition stops: released, and forgotten.
	check("fourth state: pending", process(states[3], t0.Add(time.Minute+time.Second)), 1, 2)
	stop()
	deadline := time.Now().Add(5 * time.Second)
	for released.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	check("after the partition stopped", nil, 0, 3)
	if keys := c.DueKeys(t0.Add(time.Hour)); len(keys) != 0 {
		t.Errorf("due keys %v after the partition stopped, want none (read again by its next owner)", keys)
	}

	// Without HoldPending (goka's tester), nothing is held.
	plain := &Checkpoint{Specs: map[string]ModelSpec{"m": spec}}
	ctx := &holdCtx{done: context.Background(), key: "m", topic: "learn-table", at: t0, released: &released}
	plain.ProcessState(ctx, states[0])
	ctx = &holdCtx{done: context.Background(), key: "m", topic: "learn-table", at: t0, value: ctx.set, released: &released}
	plain.ProcessState(ctx, states[1])
	if ctx.deferred != 0 {
		t.Errorf("without HoldPending: %d commits held", ctx.deferred)
	}
}

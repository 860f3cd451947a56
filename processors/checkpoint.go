package processors

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
)

// DefaultRegistryMaxBytes bounds an encoded registry: one table record,
// under the 1 MiB that Kafka's brokers and streamsgd's producers accept by
// default.
const DefaultRegistryMaxBytes = 960 << 10

// Checkpoint is the checkpoint group: it reads model states (the learn
// table's changelog; later the merge table's) and keeps, per model key, a
// registry of versions in its own table. A version is made from the first
// state of a key, then whenever a state has learned at least
// Checkpoint.EveryRows rows more than the last version, or is at least
// Checkpoint.Every younger than it (record timestamps) and has learned
// anything since. It also applies pin and unpin commands.
//
// The group is off the learning path and idempotent: a redelivered state
// has no more rows than the last version and changes nothing; a
// redelivered command finds its result already recorded.
type Checkpoint struct {
	// Specs of the pipeline's models by name.
	Specs map[string]ModelSpec
	// LearnTable is the learn table's changelog topic. The states read
	// from it of models with more than one shard are shard states, which
	// are not versioned: their merged model is (an input of the same value
	// type, with the same callback ProcessState).
	LearnTable goka.Stream
	// MaxBytes bounds an encoded registry; default DefaultRegistryMaxBytes.
	MaxBytes int
	// MaxPending bounds the keys whose newest state waits for the time
	// trigger (see DueKeys); default DefaultMaxPending. A state that
	// finds no room is versioned at once.
	MaxPending int
	// HoldPending makes ProcessState hold the commit of the message of
	// each pending state (goka's DeferCommit) until the state is versioned
	// or a newer state of its key replaces it, and release it unapplied
	// when the partition stops. A run's group, whose consumer then drops
	// the marks made after its session ended (kafkaclient
	// SessionMarksOnly), so reads a pending state again after a kill, a
	// stop or a rebalance, instead of losing it with the memory that held
	// it. Off on goka's tester, which waits for every commit.
	HoldPending bool

	mu      sync.Mutex
	pending map[string]*pendingState
	marks   map[string]mark
	// rewritten are the keys whose registry a state of as many rows as
	// its newest version wrote again since the last Restart (see
	// StepState).
	rewritten map[string]bool
}

// Restart forgets the marks and the rewritten keys: call it before each
// start of the group. A registry write that failed (its producer fenced,
// the process stopped) was applied to the local store and to the marks
// already, so both can be ahead of the changelog.
func (c *Checkpoint) Restart() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.marks, c.rewritten = nil, nil
}

// rewrite reports whether key's registry is to be written again, unchanged,
// for a state of as many rows as its newest version: once per key after
// each Restart. The local store is written before the changelog, so after
// a failed write it is ahead, and the redelivered state is the only
// message that would bring the changelog up to it (as Learn does); once
// per key bounds what states without new rows (unlabeled batches) cost.
func (c *Checkpoint) rewrite(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rewritten[key] {
		return false
	}
	if c.rewritten == nil || len(c.rewritten) >= maxMarks {
		c.rewritten = map[string]bool{}
	}
	c.rewritten[key] = true
	return true
}

// isRewritten reports whether key's registry was written again since the
// last Restart.
func (c *Checkpoint) isRewritten(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rewritten[key]
}

// Held returns a new group of the same settings, nothing pending, that
// holds the commits of its pending states (HoldPending).
func (c *Checkpoint) Held() *Checkpoint {
	return &Checkpoint{Specs: c.Specs, LearnTable: c.LearnTable, MaxBytes: c.MaxBytes, MaxPending: c.MaxPending, HoldPending: true}
}

// mark is what the group remembers of the newest version of a key, so that
// most states need no registry read: never newer than the registry's (the
// newest version only grows), so a state that is not due by its mark is
// not due by the registry either.
type mark struct {
	rows         int64
	at           time.Time
	replacements int64
}

// maxMarks bounds the remembered marks (cleared when full).
const maxMarks = 1 << 16

// notDue reports whether a state certainly makes no version, by its key's
// mark, and then keeps it as the key's pending state if it is newer than
// the mark.
func (c *Checkpoint) notDue(key string, st *table.ModelState, at time.Time, shardSource bool) bool {
	spec, ok := c.Specs[st.Model]
	if !ok {
		return false
	}
	if shardSource && spec.Shards > 1 {
		return true
	}
	c.mu.Lock()
	m, ok := c.marks[key]
	c.mu.Unlock()
	if !ok || due(spec.Checkpoint, &table.Version{Rows: m.rows, Time: m.at, Replacements: m.replacements}, st, at) {
		return false
	}
	if st.Rows == m.rows && !c.isRewritten(key) {
		return false // StepState writes the registry again
	}
	if st.Rows > m.rows && !c.setPending(key, newPending(spec.Checkpoint, st, at, m.at)) {
		return false // no room to wait: StepState versions it now
	}
	return true
}

// remember records v as the newest version of key, unless the mark is
// newer.
func (c *Checkpoint) remember(key string, v *table.Version) {
	if v == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.marks == nil || len(c.marks) >= maxMarks {
		c.marks = map[string]mark{}
	}
	if m, ok := c.marks[key]; !ok || v.Rows >= m.rows {
		c.marks[key] = mark{rows: v.Rows, at: v.Time, replacements: v.Replacements}
	}
}

// DefaultMaxPending is the default of Checkpoint.MaxPending.
const DefaultMaxPending = 10_000

// pendingState is the newest state of a key that made no version: when
// no newer state comes, a tick makes it a version once due.
type pendingState struct {
	st     *table.ModelState
	at     time.Time // when it was written
	seen   time.Time // when the group read it (wall clock)
	due    time.Time // when the time or idle trigger fires
	ticked bool      // DueKeys returned the key already
	hold   *heldCommit
}

// heldCommit is the deferred commit of a pending state's message (see
// Checkpoint.HoldPending).
type heldCommit struct {
	once    sync.Once
	release func(error) // goka's DeferCommit
	stop    func() bool // unregisters the release on the partition's end
}

// done releases the commit: the message is then committed once the
// messages before it are (kafkaclient.OrderedCommits), unless the session
// ended. Safe on nil and more than once.
func (h *heldCommit) done() {
	if h == nil {
		return
	}
	h.stop()
	h.once.Do(func() { h.release(nil) })
}

// newPending is st, written at and read now, as the pending state of a
// key whose newest version was made at last.
func newPending(cs config.Checkpoints, st *table.ModelState, at, last time.Time) *pendingState {
	p := &pendingState{st: st, at: at, seen: time.Now()}
	p.due = p.dueAfter(cs, last)
	return p
}

// dueAfter is when p becomes a version if no newer state comes, with the
// newest version made at last: Every after that version, or Idle after p
// was read, whichever is first. Idle counts from the time the group read
// the state, not from its timestamp: a backlog read at full speed (states
// written long ago, arriving one after the other) is not idle.
func (p *pendingState) dueAfter(cs config.Checkpoints, last time.Time) time.Time {
	due := last.Add(cs.Every())
	if idle := p.seen.Add(cs.Idle()); cs.Idle() > 0 && idle.Before(due) {
		due = idle
	}
	return due
}

// ProcessState is the goka callback of inputs of model states, decoded by
// a Lenient table.StateCodec: *table.ModelState, or *table.UndecodableState
// for a state it could not decode (counted in the key's registry, never
// fatal). Use it for every input of model states.
func (c *Checkpoint) ProcessState(ctx goka.Context, msg interface{}) {
	var out *table.Registry
	switch v := msg.(type) {
	case nil:
		return // a tombstone: nothing to version
	case *table.ModelState:
		if v == nil {
			return
		}
		if c.notDue(ctx.Key(), v, ctx.Timestamp(), ctx.Topic() == c.LearnTable) {
			c.holdPending(ctx, v)
			return
		}
		reg, _ := ctx.Value().(*table.Registry)
		c.remember(ctx.Key(), reg.Latest())
		out = c.StepState(reg, ctx.Key(), v, ctx.Timestamp(), ctx.Topic() == c.LearnTable)
		defer c.holdPending(ctx, v)
	case *table.UndecodableState:
		reg, _ := ctx.Value().(*table.Registry)
		reason := v.Err.Error()
		if _, known := c.Specs[v.Model]; !known && v.Model != "" {
			reason = unknownModel(v.Model)
		}
		out = skip(reg, v.Model, ctx.Key(), reason)
	default:
		ctx.Fail(fmt.Errorf("processors: checkpoint key %q: unexpected message %T", ctx.Key(), msg))
		return
	}
	if out != nil {
		ctx.SetValue(out)
		c.remember(ctx.Key(), out.Latest())
	}
}

// ProcessPin is the goka callback of the pins topic (values []byte, JSON
// table.PinCommands). A command that is not one is recorded as rejected.
func (c *Checkpoint) ProcessPin(ctx goka.Context, msg interface{}) {
	if msg == nil {
		return // a tombstone on the pins topic is no command
	}
	data, ok := msg.([]byte)
	if !ok {
		ctx.Fail(fmt.Errorf("processors: checkpoint pin for key %q: unexpected message %T", ctx.Key(), msg))
		return
	}
	if ctx.Key() == "" {
		// A command without a key names no model: nowhere to record it.
		return
	}
	reg, _ := ctx.Value().(*table.Registry)
	var out *table.Registry
	if table.IsTick(data) {
		out = c.StepTick(reg, ctx.Key(), ctx.Timestamp())
	} else {
		out = c.StepPin(reg, ctx.Key(), data, ctx.Timestamp())
	}
	if out != nil {
		ctx.SetValue(out)
		c.remember(ctx.Key(), out.Latest())
	}
}

// StepState applies one model state of key, written at, to its registry
// (nil: none yet) and returns the registry to store, or nil when nothing
// changed. It may modify reg. shardSource says whether the state was read
// from the learn table (see Checkpoint.LearnTable).
func (c *Checkpoint) StepState(reg *table.Registry, key string, st *table.ModelState, at time.Time, shardSource bool) *table.Registry {
	spec, ok := c.Specs[st.Model]
	if !ok {
		// A Lenient StateCodec does not decode such states; a caller
		// with another codec might.
		return skip(reg, st.Model, key, unknownModel(st.Model))
	}
	if shardSource && spec.Shards > 1 {
		return nil
	}
	if last := reg.Latest(); last != nil && !due(spec.Checkpoint, last, st, at) {
		if st.Rows == last.Rows && c.rewrite(key) {
			return reg // unchanged: see rewrite
		}
		if st.Rows <= last.Rows || c.setPending(key, newPending(spec.Checkpoint, st, at, last.Time)) {
			return nil
		}
		// MaxPending keys wait already: a state that cannot wait for its
		// idle version is versioned now, lest a key whose stream ends
		// here keep an older version for good.
	}
	c.takePending(key)
	v, err := NewVersion(st, spec, at)
	if err != nil {
		return skip(reg, st.Model, key, err.Error())
	}
	if reg == nil {
		reg = &table.Registry{Key: key}
	}
	reg.Model = st.Model
	return c.add(reg, v, spec.Checkpoint.Keep)
}

func unknownModel(name string) string {
	return fmt.Sprintf("model %q is not in the pipeline config (removed or renamed?)", name)
}

// due reports whether a state st, written at, makes a new version after
// last: at once when a background learner replaced its model since last
// (drift.Monitor.Replacements), else by rows and time.
func due(cs config.Checkpoints, last *table.Version, st *table.ModelState, at time.Time) bool {
	if st.Replacements() > last.Replacements {
		return true
	}
	rows := st.Rows
	if rows <= last.Rows {
		return false
	}
	if cs.EveryRows > 0 && rows-last.Rows >= cs.EveryRows {
		return true
	}
	return cs.Every() > 0 && !at.IsZero() && at.Sub(last.Time) >= cs.Every()
}

// NewVersion copies a state into a version (ID not set); `models export
// --live` uses it to export a state that is not versioned.
func NewVersion(st *table.ModelState, spec ModelSpec, at time.Time) (table.Version, error) {
	state, err := st.Learner.MarshalBinary()
	if err != nil {
		return table.Version{}, fmt.Errorf("model %s key %s: encode learner: %w", st.Model, st.Key, err)
	}
	cfg, err := json.Marshal(st.Learner.Config())
	if err != nil {
		return table.Version{}, fmt.Errorf("model %s key %s: encode config: %w", st.Model, st.Key, err)
	}
	if at.IsZero() {
		at = time.Now()
	}
	return table.Version{
		Time: at.UTC(), Rows: st.Rows, Invalid: st.Invalid, Window: st.Window.Rows(),
		Metrics: st.Window.Values(), ConfigHash: spec.ConfigHash, Config: cfg, State: state,
		Replacements: st.Replacements(),
	}, nil
}

// add appends v as the next version, applies retention, and keeps the
// registry within MaxBytes by dropping the oldest unpinned versions; a
// version that cannot fit even then is skipped.
func (c *Checkpoint) add(reg *table.Registry, v table.Version, keep int) *table.Registry {
	limit := c.MaxBytes
	if limit <= 0 {
		limit = DefaultRegistryMaxBytes
	}
	if pinnedLen(reg)+v.EncodedLen() > limit {
		return skip(reg, reg.Model, reg.Key, fmt.Sprintf("version of %d rows: the registry would exceed %d bytes (lower checkpoints.keep, or unpin versions)", v.Rows, limit))
	}
	v.ID = reg.LastID + 1
	reg.LastID = v.ID
	reg.Versions = append(reg.Versions, v)
	retain(reg, keep)
	for reg.EncodedLen() > limit {
		i := oldestUnpinned(reg)
		if i < 0 {
			break // cannot happen: the pinned versions and v fit
		}
		reg.Versions = append(reg.Versions[:i], reg.Versions[i+1:]...)
		reg.Trimmed++
	}
	return reg
}

// pinnedLen bounds the encoded size of the registry without its unpinned
// versions.
func pinnedLen(r *table.Registry) int {
	n := r.EncodedLen()
	for i := range r.Versions {
		if !r.Versions[i].Pinned {
			n -= r.Versions[i].EncodedLen()
		}
	}
	return n
}

// oldestUnpinned is the index of the oldest unpinned version other than
// the newest, -1 if there is none.
func oldestUnpinned(r *table.Registry) int {
	for i := 0; i < len(r.Versions)-1; i++ {
		if !r.Versions[i].Pinned {
			return i
		}
	}
	return -1
}

// maxCommands is how many command results a registry keeps.
const maxCommands = 16

// retain drops the versions that are neither among the last keep nor
// pinned, and returns how many it dropped.
func retain(r *table.Registry, keep int) int {
	keep = max(keep, 1)
	n := len(r.Versions)
	out := r.Versions[:0]
	for i, v := range r.Versions {
		if i >= n-keep || v.Pinned {
			out = append(out, v)
		}
	}
	clear(r.Versions[len(out):])
	r.Versions = out
	return n - len(out)
}

// addCommand records a command result, dropping the oldest beyond
// maxCommands.
func addCommand(r *table.Registry, c table.CommandResult) {
	r.Commands = append(r.Commands, c)
	if over := len(r.Commands) - maxCommands; over > 0 {
		r.Commands = append(r.Commands[:0], r.Commands[over:]...)
	}
}

// skip counts a state that could not be versioned.
func skip(reg *table.Registry, name, key, reason string) *table.Registry {
	if reg == nil {
		reg = &table.Registry{Key: key}
	}
	if name != "" {
		reg.Model = name
	}
	reg.Skipped++
	reg.SkipReason = reason
	return reg
}

// StepPin applies one pin command (JSON) for key to its registry and
// returns the registry to store, or nil when the command was applied
// already (a redelivery). It may modify reg.
func (c *Checkpoint) StepPin(reg *table.Registry, key string, data []byte, at time.Time) *table.Registry {
	cmd, err := table.ParsePinCommand(data)
	if reg != nil && cmd.ID != "" && reg.Command(cmd.ID) != nil {
		return nil
	}
	if reg == nil {
		reg = &table.Registry{Key: key}
	}
	if at.IsZero() {
		at = time.Now()
	}
	res := table.CommandResult{ID: cmd.ID, Op: string(cmd.Op), Version: cmd.Version, Time: at.UTC()}
	if err != nil {
		res.Message = err.Error()
		addCommand(reg, res)
		return reg
	}
	v := reg.Version(cmd.Version)
	if v == nil {
		res.Message = fmt.Sprintf("key %q has no version %d (kept: %s)", key, cmd.Version, reg.IDs())
		if cmd.Version > reg.LastID {
			res.Message = fmt.Sprintf("key %q has no version %d yet (newest: %d)", key, cmd.Version, reg.LastID)
		}
		addCommand(reg, res)
		return reg
	}
	res.OK = true
	switch {
	case cmd.Op == table.OpPin && v.Pinned:
		res.Message = fmt.Sprintf("version %d was pinned already", cmd.Version)
	case cmd.Op == table.OpPin:
		v.Pinned = true
		res.Message = fmt.Sprintf("version %d pinned", cmd.Version)
	case !v.Pinned:
		res.Message = fmt.Sprintf("version %d was not pinned", cmd.Version)
	default:
		v.Pinned = false
		res.Message = fmt.Sprintf("version %d unpinned", cmd.Version)
		if spec, ok := c.Specs[reg.Model]; ok && retain(reg, spec.Checkpoint.Keep) > 0 {
			res.Message += fmt.Sprintf("; versions older than the last %d dropped (kept: %s)", spec.Checkpoint.Keep, reg.IDs())
		}
	}
	addCommand(reg, res)
	return reg
}

// setPending keeps p as the pending state of key, and reports whether
// there was room: false when MaxPending other keys wait already.
func (c *Checkpoint) setPending(key string, p *pendingState) bool {
	c.mu.Lock()
	if c.pending == nil {
		c.pending = map[string]*pendingState{}
	}
	limit := c.MaxPending
	if limit <= 0 {
		limit = DefaultMaxPending
	}
	old, ok := c.pending[key]
	switch {
	case !ok && len(c.pending) >= limit:
		c.mu.Unlock()
		return false
	case ok && old.st.Rows > p.st.Rows:
		c.mu.Unlock()
		return true // an older state, read again: the newer one waits
	}
	c.pending[key] = p
	var held *heldCommit
	if ok && old != p {
		held = old.hold // replaced by a newer state, whose message is in flight
	}
	c.mu.Unlock()
	held.done()
	return true
}

// takePending removes the pending state of key and releases its held
// commit: the caller versions it now, or has a newer version.
func (c *Checkpoint) takePending(key string) *pendingState {
	c.mu.Lock()
	p := c.pending[key]
	delete(c.pending, key)
	var held *heldCommit
	if p != nil {
		held = p.hold
	}
	c.mu.Unlock()
	held.done()
	return p
}

// holdPending holds the commit of the message being processed while st,
// which it carried, is its key's pending state (see HoldPending).
func (c *Checkpoint) holdPending(ctx goka.Context, st *table.ModelState) {
	if !c.HoldPending {
		return
	}
	key := ctx.Key()
	c.mu.Lock()
	p := c.pending[key]
	if p == nil || p.st != st || p.hold != nil {
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	h := &heldCommit{release: ctx.DeferCommit(), stop: func() bool { return false }}
	if done := ctx.Context(); done != nil {
		h.stop = context.AfterFunc(done, func() { c.abandon(key, p, h) })
	}
	c.mu.Lock()
	p.hold = h
	c.mu.Unlock()
}

// abandon forgets the pending state p of key when its partition stops (a
// stop, a rebalance, a fault): its held commit is released, which the
// ended session does not commit, so the state is read again by the
// partition's next owner.
func (c *Checkpoint) abandon(key string, p *pendingState, h *heldCommit) {
	c.mu.Lock()
	if c.pending[key] == p {
		delete(c.pending, key)
	}
	c.mu.Unlock()
	h.once.Do(func() { h.release(nil) })
}

// DueKeys returns the keys whose newest state made no version and whose
// time or idle trigger has fired by now: a model that stopped learning
// (the stream ended) would otherwise keep its last rows unversioned until
// it learns again. The caller writes table.TickCommand to the pins topic
// for each key; the group then makes the version in the key's partition. Each pending state
// is returned once.
//
// Pending states live in memory (at most MaxPending keys). With
// HoldPending, the messages that carried them are read again after a
// restart or a rebalance; without, a key that learns nothing more then
// keeps its last version.
func (c *Checkpoint) DueKeys(now time.Time) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k, p := range c.pending {
		if !p.ticked && !now.Before(p.due) {
			p.ticked = true
			out = append(out, k)
		}
	}
	return out
}

// StepTick makes the pending state of key a version (the registry to
// store), or returns nil when it has none or a newer version exists. now
// is the tick's time: a tick that came early (the newest version is newer
// than the one the pending state was compared with) sets the pending state
// again, due Every after the newest version.
func (c *Checkpoint) StepTick(reg *table.Registry, key string, now time.Time) *table.Registry {
	c.mu.Lock()
	p := c.pending[key]
	c.mu.Unlock()
	if p == nil {
		return nil
	}
	spec, ok := c.Specs[p.st.Model]
	last := reg.Latest()
	if !ok || last == nil || p.st.Rows <= last.Rows {
		c.takePending(key)
		return nil
	}
	if due := p.dueAfter(spec.Checkpoint, last.Time); now.Before(due) {
		c.mu.Lock()
		p.due, p.ticked = due, false
		c.mu.Unlock()
		return nil
	}
	c.takePending(key)
	v, err := NewVersion(p.st, spec, p.at)
	if err != nil {
		return skip(reg, p.st.Model, key, err.Error())
	}
	return c.add(reg, v, spec.Checkpoint.Keep)
}

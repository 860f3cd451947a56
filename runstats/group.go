package runstats

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/streamsgd/streamsgd/codecs/input"
)

// Partition counts the rows of one partition of a group.
type Partition struct {
	// In counts rows read (decoded rows for route and score, example rows
	// for learn), Out rows written (rows routed, predictions), Dead rows
	// dead-lettered.
	In, Out, Dead atomic.Int64
}

// Group counts what one goka group of a run did.
type Group struct {
	// Name of the group.
	Name string
	// States: the group reads model states, not rows (the checkpoint and
	// merge groups), and counts none; its progress line says so instead
	// of zeros. Set before the run starts.
	States bool

	mu    sync.Mutex
	parts atomic.Pointer[[]*Partition]
	dead  map[string]*atomic.Int64 // by reason kind
	// Rebalances counts the sessions the group's processors set up.
	Rebalances atomic.Int64
}

// NewGroup returns the counters of group name.
func NewGroup(name string) *Group { return &Group{Name: name, dead: map[string]*atomic.Int64{}} }

// Partition returns the counters of partition p (nil on a nil Group).
func (g *Group) Partition(p int32) *Partition {
	if g == nil || p < 0 {
		return nil
	}
	if ps := g.parts.Load(); ps != nil && int(p) < len(*ps) && (*ps)[p] != nil {
		return (*ps)[p]
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	var ps []*Partition
	if old := g.parts.Load(); old != nil {
		ps = slices.Clone(*old)
	}
	for len(ps) <= int(p) {
		ps = append(ps, nil)
	}
	if ps[p] == nil {
		ps[p] = new(Partition)
	}
	g.parts.Store(&ps)
	return ps[p]
}

// Count adds rows in, out and dead to partition p.
func (g *Group) Count(p int32, in, out, dead int) {
	if pt := g.Partition(p); pt != nil {
		pt.In.Add(int64(in))
		pt.Out.Add(int64(out))
		pt.Dead.Add(int64(dead))
	}
}

// DeadLetter counts one dead letter of the given reason by its kind
// (ReasonKind).
func (g *Group) DeadLetter(reason string) {
	if g == nil {
		return
	}
	kind := ReasonKind(reason)
	g.mu.Lock()
	c := g.dead[kind]
	if c == nil {
		c = new(atomic.Int64)
		g.dead[kind] = c
	}
	g.mu.Unlock()
	c.Add(1)
}

// PartitionCounts is a snapshot of one partition's counters.
type PartitionCounts struct {
	Partition     int32
	In, Out, Dead int64
}

// Partitions returns the counters of every partition that counted
// something, by partition.
func (g *Group) Partitions() []PartitionCounts {
	var out []PartitionCounts
	if ps := g.parts.Load(); ps != nil {
		for i, p := range *ps {
			if p != nil {
				out = append(out, PartitionCounts{Partition: int32(i), In: p.In.Load(), Out: p.Out.Load(), Dead: p.Dead.Load()})
			}
		}
	}
	return out
}

// Totals sums the counters of every partition.
func (g *Group) Totals() PartitionCounts {
	t := PartitionCounts{Partition: -1}
	for _, p := range g.Partitions() {
		t.In += p.In
		t.Out += p.Out
		t.Dead += p.Dead
	}
	return t
}

// DeadByKind returns the dead letters counted per reason kind.
func (g *Group) DeadByKind() map[string]int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]int64, len(g.dead))
	for k, c := range g.dead {
		out[k] = c.Load()
	}
	return out
}

// Reason kinds: a bounded label for a dead letter's free-text reason.
const (
	KindEmptyMessage = "empty_message"
	KindNoRows       = "no_rows"
	KindTooLarge     = "too_large"
	KindLabel        = "bad_label"
	KindEntity       = "bad_entity"
	KindWidth        = "wrong_width"
	KindNotServed    = "not_served"
	KindExpired      = "expired"   // delayed labels: an example or label waited too long
	KindDuplicate    = "duplicate" // delayed labels: a second label or example of an id
	KindNoID         = "no_id"     // delayed labels: a row or label without an example id
	KindDecode       = "decode"
)

// ReasonKind maps a dead letter's reason to one of the Kind* labels, so
// that the number of series stays bounded whatever the reasons say.
func ReasonKind(reason string) string {
	switch {
	case strings.Contains(reason, input.ReasonEmptyMessage):
		return KindEmptyMessage
	case strings.Contains(reason, input.ReasonNoRows):
		return KindNoRows
	case strings.Contains(reason, input.ReasonTooLarge):
		return KindTooLarge
	case input.IsLabelReason(reason):
		return KindLabel
	case strings.Contains(reason, input.ReasonExpired+": "), strings.Contains(reason, input.ReasonLateLabel):
		return KindExpired
	case strings.Contains(reason, input.ReasonDuplicateLabel), strings.Contains(reason, input.ReasonDuplicateID):
		return KindDuplicate
	case strings.Contains(reason, input.ReasonNoID):
		return KindNoID
	case strings.Contains(reason, input.ReasonEntityNotUTF8), strings.Contains(reason, " has an empty "):
		return KindEntity
	case strings.Contains(reason, " features, want "), strings.Contains(reason, " columns, got "):
		return KindWidth
	case strings.HasPrefix(reason, "serve ") && notServed(reason):
		return KindNotServed
	default:
		return KindDecode
	}
}

// Groups is the set of group counters of one run, fixed when it is made.
type Groups struct {
	byName map[string]*Group
	names  []string
}

// NewGroups makes the counters of the named groups.
func NewGroups(names ...string) *Groups {
	gs := &Groups{byName: map[string]*Group{}}
	for _, n := range names {
		if gs.byName[n] == nil {
			gs.byName[n] = NewGroup(n)
			gs.names = append(gs.names, n)
		}
	}
	sort.Strings(gs.names)
	return gs
}

// Group returns the counters of the named group, nil when gs is nil or
// has no such group.
func (gs *Groups) Group(name string) *Group {
	if gs == nil {
		return nil
	}
	return gs.byName[name]
}

// All returns every group's counters, by name.
func (gs *Groups) All() []*Group {
	if gs == nil {
		return nil
	}
	out := make([]*Group, len(gs.names))
	for i, n := range gs.names {
		out[i] = gs.byName[n]
	}
	return out
}

// notServed reports whether a score group's reason says that the model key
// had nothing to serve (processors.Score's reasons).
func notServed(reason string) bool {
	for _, s := range []string{"no model state", "no model version", "no pinned version", "has no version", "serving override", "promoted model"} {
		if strings.Contains(reason, s) {
			return true
		}
	}
	return false
}

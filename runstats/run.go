package runstats

import (
	"sync/atomic"
	"time"
)

// Run is the stats of one run: its groups' counters, its models'
// aggregates and the consumer lag last measured.
type Run struct {
	Groups *Groups
	Models *Models

	lag    atomic.Pointer[Lag]
	lagErr atomic.Pointer[string]
}

// NewRun makes the stats of a run of the given groups and models.
func NewRun(groups, models []string) *Run {
	return &Run{Groups: NewGroups(groups...), Models: NewModels(models...)}
}

// Lag is the consumer lag of a run's groups at one moment: per group,
// per input topic partition, the end offset less the committed offset.
type Lag struct {
	Time    time.Time
	ByGroup map[string][]PartitionLag
}

// PartitionLag is the lag of a group on one partition of an input topic.
type PartitionLag struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Lag       int64  `json:"lag"`
	// Committed is the group's committed offset (-1: none), End the
	// partition's end offset.
	Committed int64 `json:"committed"`
	End       int64 `json:"end"`
}

// SetLag records the lag last measured, and that the measure worked.
func (r *Run) SetLag(l *Lag) {
	r.lag.Store(l)
	r.lagErr.Store(nil)
}

// SetLagError records why the last measure of the lag failed (the lag
// measured before stays, stale).
func (r *Run) SetLagError(err error) {
	msg := err.Error()
	r.lagErr.Store(&msg)
}

// LagError is why the last measure of the lag failed, "" if it worked.
func (r *Run) LagError() string {
	if p := r.lagErr.Load(); p != nil {
		return *p
	}
	return ""
}

// Lag returns the lag last measured (nil before the first measure).
func (r *Run) Lag() *Lag { return r.lag.Load() }

// GroupOffsets sums the committed and end offsets of group over its
// input partitions (a partition without a commit counts its start).
func (l *Lag) GroupOffsets(group string) (committed, end int64) {
	for _, p := range l.ByGroup[group] {
		committed += max(p.Committed, p.End-p.Lag)
		end += p.End
	}
	return committed, end
}

// Settled reports whether group has at most one message left on each of
// its input partitions: the end of a partition written in transactions is
// a commit marker, which no consumer reads or commits, so a group that has
// read everything keeps a lag of one there for good.
func (l *Lag) Settled(group string) bool {
	ps, ok := l.ByGroup[group]
	if !ok {
		return false
	}
	for _, p := range ps {
		if p.Lag > 1 {
			return false
		}
	}
	return true
}

// GroupLag sums the lag of group over its input partitions; false when
// it has not been measured.
func (r *Run) GroupLag(group string) (int64, bool) { return r.Lag().GroupLag(group) }

// GroupLag sums the lag of group in l over its input partitions; false
// when l (nil: no measure yet) does not have it.
func (l *Lag) GroupLag(group string) (int64, bool) {
	if l == nil {
		return 0, false
	}
	ps, ok := l.ByGroup[group]
	var sum int64
	for _, p := range ps {
		sum += p.Lag
	}
	return sum, ok
}

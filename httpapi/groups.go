package httpapi

import (
	"context"
	"sort"
	"time"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/runstats"
)

// statsTimeout bounds how long a request waits for goka's stats.
const statsTimeout = 2 * time.Second

// GroupStatus is one group of the run: its counters, lag and readiness.
type GroupStatus struct {
	Name  string `json:"name"`
	Ready bool   `json:"ready"`
	// Running: a processor of the group runs in this process.
	Running bool `json:"running"`
	// Reads is what the group reads: "rows", or "model states" for the
	// checkpoint and merge groups, which count no rows (In and Out stay 0).
	Reads      string                    `json:"reads"`
	In         int64                     `json:"rows_in"`
	Out        int64                     `json:"rows_out"`
	Dead       int64                     `json:"dead_letters"`
	DeadByKind map[string]int64          `json:"dead_letters_by_kind"`
	Lag        *int64                    `json:"lag"`
	LagError   string                    `json:"lag_error,omitempty"`
	Rebalances int64                     `json:"rebalances"`
	Partitions []PartitionStatus         `json:"partitions"`
	LagDetail  []runstats.PartitionLag   `json:"lag_partitions"`
	Tables     map[int32]TablePartStatus `json:"-"`
}

// PartitionStatus is one partition of a group.
type PartitionStatus struct {
	Partition int32 `json:"partition"`
	In        int64 `json:"rows_in"`
	Out       int64 `json:"rows_out"`
	Dead      int64 `json:"dead_letters"`
	// Recovered: the partition's table is recovered (true for groups
	// without a table); nil when it is not assigned to this process.
	Recovered *bool `json:"recovered,omitempty"`
	// RestoreOffset and RestoreEnd: how far the table's recovery has
	// read, of how much.
	RestoreOffset int64 `json:"restore_offset,omitempty"`
	RestoreEnd    int64 `json:"restore_end,omitempty"`
	TableWrites   int64 `json:"table_writes,omitempty"`
}

// TablePartStatus is what goka says of one partition of a group.
type TablePartStatus struct {
	Recovered       bool
	Offset, End     int64
	Writes          int64
	HasTable, Valid bool
	// Standby: a hot-standby replica, not assigned to this process.
	Standby bool
}

// runModeActive is goka's PPRunMode of an assigned partition (goka's
// runModeActive, unexported).
const runModeActive goka.PPRunMode = 0

// groupStatus reads the status of group name.
func (s *Server) groupStatus(ctx context.Context, name string) GroupStatus {
	g := s.o.Stats.Groups.Group(name)
	gs := GroupStatus{Name: name, DeadByKind: map[string]int64{}, Partitions: []PartitionStatus{}, LagDetail: []runstats.PartitionLag{}}
	gs.Reads = "rows"
	if g != nil {
		if g.States {
			gs.Reads = "model states"
		}
		t := g.Totals()
		gs.In, gs.Out, gs.Dead = t.In, t.Out, t.Dead
		gs.DeadByKind = g.DeadByKind()
		gs.Rebalances = g.Rebalances.Load()
	}
	if lag, ok := s.o.Stats.GroupLag(name); ok {
		gs.Lag = &lag
		gs.LagDetail = s.o.Stats.Lag().ByGroup[name]
	}
	gs.LagError = s.o.Stats.LagError()
	proc := s.processor(name)
	gs.Running = proc != nil
	gs.Ready = proc != nil && proc.Recovered()
	gs.Tables = tableStatus(ctx, proc)
	byPart := map[int32]*PartitionStatus{}
	if g != nil {
		for _, p := range g.Partitions() {
			byPart[p.Partition] = &PartitionStatus{Partition: p.Partition, In: p.In, Out: p.Out, Dead: p.Dead}
		}
	}
	for p, ts := range gs.Tables {
		ps := byPart[p]
		if ps == nil {
			ps = &PartitionStatus{Partition: p}
			byPart[p] = ps
		}
		rec := ts.Recovered
		ps.Recovered = &rec
		ps.RestoreOffset, ps.RestoreEnd, ps.TableWrites = ts.Offset, ts.End, ts.Writes
	}
	for _, ps := range byPart {
		gs.Partitions = append(gs.Partitions, *ps)
	}
	sort.Slice(gs.Partitions, func(i, j int) bool { return gs.Partitions[i].Partition < gs.Partitions[j].Partition })
	return gs
}

// tableStatus reads goka's stats of a processor's partitions (nil
// without a processor).
func tableStatus(ctx context.Context, proc Processor) map[int32]TablePartStatus {
	if proc == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, statsTimeout)
	defer cancel()
	st := proc.StatsWithContext(ctx)
	if st == nil {
		return nil
	}
	out := make(map[int32]TablePartStatus, len(st.Group))
	for p, ps := range st.Group {
		ts := TablePartStatus{Recovered: true, Valid: true}
		if t := ps.TableStats; t != nil {
			ts.HasTable = true
			ts.Recovered = t.Status == goka.PartitionRunning
			ts.Standby = t.RunMode != runModeActive
			if t.Recovery != nil {
				ts.Offset, ts.End = t.Recovery.Offset, t.Recovery.Hwm
			}
			if t.Writes != nil {
				ts.Writes = int64(t.Writes.Count)
			}
		}
		out[p] = ts
	}
	return out
}

// ready reports whether every group of the run is ready, with each
// group's status.
func (s *Server) ready(ctx context.Context) (bool, map[string]bool) {
	all := true
	out := map[string]bool{}
	for _, g := range s.o.Groups {
		proc := s.processor(g)
		ok := proc != nil && proc.Recovered()
		if ok {
			for _, ts := range tableStatus(ctx, proc) {
				ok = ok && (ts.Recovered || ts.Standby)
			}
		}
		out[g] = ok
		all = all && ok
	}
	return all, out
}

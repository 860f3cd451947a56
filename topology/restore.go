package topology

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/lovoo/goka/storage"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/state"
)

// LocalTable is a table a group keeps in its local store: its own group
// table (Persist), or a table it joins or looks up. Run keeps it under
// StateDir/<Group>, one pebble DB per partition.
type LocalTable struct {
	Group goka.Group
	Table goka.Table
	// Kind is "group", "join" or "lookup".
	Kind string
}

// LocalTables lists the tables the pipeline's groups keep locally, in the
// DAG's order, read from the group graphs (Groups): whatever tables the
// DAG declares are listed, with no list of their own to keep up to date.
func (p *Pipeline) LocalTables() []LocalTable {
	var out []LocalTable
	for _, g := range p.Groups() {
		seen := map[string]bool{}
		add := func(e goka.Edge, kind string) {
			if e == nil || seen[e.Topic()] {
				return
			}
			seen[e.Topic()] = true
			out = append(out, LocalTable{Group: g.Group(), Table: goka.Table(e.Topic()), Kind: kind})
		}
		add(g.GroupTable(), "group")
		for _, e := range g.JointTables() {
			add(e, "join")
		}
		for _, e := range g.LookupTables() {
			add(e, "lookup")
		}
	}
	return out
}

// RestoreOptions configures Restore. The connection fields and StateDir
// mean what they mean in RunOptions: restore into the same StateDir that
// run will use, and run finds the stores restored.
type RestoreOptions struct {
	// Brokers, Security, Sarama, ClientID, Logger and StateDir as in
	// RunOptions (Groups selects the groups whose tables to restore).
	RunOptions
	// Progress, if set, is called about every ProgressEvery (default 200
	// ms) and once at the end of each table.
	Progress      func(RestoreProgress)
	ProgressEvery time.Duration
}

// RestoreProgress is how far a restore is. Offsets count the changelog
// positions passed, Records the records actually written to the stores
// (fewer than the offsets where compaction removed records).
type RestoreProgress struct {
	Table                goka.Table
	Records              int64
	Offsets, TotalOffset int64
	// Done is the sum of Offsets over the tables restored before this one;
	// Total is the sum of TotalOffset over all tables.
	Done, Total int64
}

// RestoreReport is the outcome of Restore, one entry per local table.
type RestoreReport struct {
	Tables []TableRestore
	// Elapsed covers the whole restore, from the first metadata request.
	Elapsed time.Duration
}

// Records is the number of records restored over all tables.
func (r RestoreReport) Records() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Records
	}
	return n
}

// TableRestore is the restore of one table.
type TableRestore struct {
	LocalTable
	// Dir is the base directory of the table's stores.
	Dir string
	// Partitions of the changelog topic.
	Partitions int
	// Records restored; Offsets the changelog span they came from (what
	// was missing locally: from the stored offset, or the earliest one, to
	// the end).
	Records, Offsets int64
	// Elapsed from the view's start until every partition is recovered
	// and the stores are closed (memtables flushed, offsets written).
	Elapsed time.Duration
	// Recovered is the part of Elapsed until every partition was recovered.
	Recovered time.Duration
	// Missing: the changelog topic does not exist (yet); nothing was done.
	Missing bool
}

// Rate is records restored per second.
func (t TableRestore) Rate() float64 {
	if t.Elapsed <= 0 {
		return 0
	}
	return float64(t.Records) / t.Elapsed.Seconds()
}

// Restore rebuilds the local stores of the pipeline's tables from their
// changelog topics, as run would on start, into the directories run uses
// (StateDir/<group>/<table>.<partition>): each table is read by a goka view
// with the pipeline's pebble storage until every partition has caught up
// with the end of its changelog, and the stores are closed with their
// offsets, so that a later run starts from there. A store that already
// holds a prefix of the changelog is completed, not rebuilt.
//
// Restore must not run while processors of the same groups use the same
// StateDir (pebble locks each store: the second opener fails).
func (p *Pipeline) Restore(ctx context.Context, o RestoreOptions) (RestoreReport, error) {
	start := time.Now()
	rep, err := p.restore(ctx, o)
	rep.Elapsed = time.Since(start)
	return rep, o.Security.Explain(err)
}

func (p *Pipeline) restore(ctx context.Context, o RestoreOptions) (RestoreReport, error) {
	var rep RestoreReport
	if len(o.Brokers) == 0 {
		return rep, fmt.Errorf("topology: restore: no brokers")
	}
	if o.StateDir == "" {
		o.StateDir = "streamsgd-state"
	}
	if o.ClientID == "" {
		o.ClientID = "streamsgd"
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 200 * time.Millisecond
	}
	cls, err := o.clients()
	if err != nil {
		return rep, err
	}
	var tables []LocalTable
	for _, t := range p.LocalTables() {
		if len(o.Groups) == 0 || slices.Contains(o.Groups, t.Group) {
			tables = append(tables, t)
		}
	}
	if len(tables) == 0 {
		return rep, fmt.Errorf("topology: restore: pipeline %s has no local table in groups %v", p.Config.Name, o.Groups)
	}
	plans, err := p.planRestore(ctx, o, cls, tables)
	if err != nil {
		return rep, err
	}
	var total, done int64
	for _, pl := range plans {
		total += pl.total()
	}
	for _, pl := range plans {
		tr, err := p.restoreTable(ctx, o, cls, pl, done, total)
		rep.Tables = append(rep.Tables, tr)
		if err != nil {
			return rep, err
		}
		done += tr.Offsets
	}
	return rep, nil
}

// restoreFetchBytes is the fetch size of a restore's partition consumers
// (sarama's default is 1 MiB).
const restoreFetchBytes = 8 << 20

// restoreMemTableBytes is the memtable size of a restore's stores: larger
// than a running store's, so that fewer, larger tables are flushed (pebble
// compacts fewer of them). The restore is a process of its own: the
// memory is given back when it ends.
const restoreMemTableBytes = 64 << 20

// restorePlan is what one table's restore has to read: per partition,
// the first offset missing locally and the end of the changelog.
type restorePlan struct {
	LocalTable
	dir        string
	missing    bool
	first, end []int64
}

func (pl restorePlan) total() int64 {
	var n int64
	for i := range pl.end {
		n += max(0, pl.end[i]-pl.first[i])
	}
	return n
}

// planRestore reads the changelogs' offsets and the offsets stored
// locally, and works out what goka will read (as its findOffsetToLoad
// does: from the stored offset + 1, or the earliest offset).
func (p *Pipeline) planRestore(ctx context.Context, o RestoreOptions, cls clients, tables []LocalTable) ([]restorePlan, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(o.Brokers...)}, cls.kgo...)...)
	if err != nil {
		return nil, fmt.Errorf("topology: restore: client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var names []string
	for _, t := range tables {
		if !slices.Contains(names, string(t.Table)) {
			names = append(names, string(t.Table))
		}
	}
	// A topic that does not exist is listed with an error under partition
	// -1 (kadm); it is reported as missing.
	starts, err := adm.ListStartOffsets(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("topology: restore: start offsets of %v: %w", names, err)
	}
	ends, err := adm.ListEndOffsets(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("topology: restore: end offsets of %v: %w", names, err)
	}
	plans := make([]restorePlan, len(tables))
	for i, t := range tables {
		pl := restorePlan{LocalTable: t, dir: filepath.Join(o.StateDir, string(t.Group))}
		parts, ok := ends[string(t.Table)]
		if !ok || len(parts) == 0 || anyErr(parts) {
			pl.missing = true
			plans[i] = pl
			continue
		}
		n := len(parts)
		pl.first, pl.end = make([]int64, n), make([]int64, n)
		builder := state.Builder(state.Options{Dir: pl.dir})
		for part := range int32(n) {
			end, ok := parts[part]
			if !ok {
				return nil, fmt.Errorf("topology: restore: table %s: partition %d missing from the end offsets", t.Table, part)
			}
			so, ok := starts.Lookup(string(t.Table), part)
			if !ok || so.Err != nil {
				return nil, fmt.Errorf("topology: restore: table %s: start offset of partition %d: %v", t.Table, part, so.Err)
			}
			first := so.Offset
			stored, err := storedOffset(builder, string(t.Table), part)
			if err != nil {
				return nil, err
			}
			if stored >= 0 && stored+1 > first {
				first = stored + 1
			}
			pl.first[part], pl.end[part] = min(first, end.Offset), end.Offset
		}
		plans[i] = pl
	}
	return plans, nil
}

func anyErr(parts map[int32]kadm.ListedOffset) bool {
	for _, o := range parts {
		if o.Err != nil {
			return true
		}
	}
	return false
}

// storedOffset opens a partition's store and returns its table offset, -1
// if it has none.
func storedOffset(b storage.Builder, table string, partition int32) (int64, error) {
	st, err := b(table, partition)
	if err != nil {
		return 0, fmt.Errorf("topology: restore: open store of %s/%d: %w", table, partition, err)
	}
	off, err := st.GetOffset(-1)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("topology: restore: offset of %s/%d: %w", table, partition, err)
	}
	return off, nil
}

// restoreTable runs a view of one table until it has recovered every
// partition, then stops it (closing the stores writes their offsets).
func (p *Pipeline) restoreTable(ctx context.Context, o RestoreOptions, cls clients, pl restorePlan, done, total int64) (TableRestore, error) {
	tr := TableRestore{LocalTable: pl.LocalTable, Dir: pl.dir, Partitions: len(pl.end), Missing: pl.missing}
	if pl.missing {
		return tr, nil
	}
	start := time.Now()
	var records atomic.Int64
	last := make([]atomic.Int64, len(pl.end))
	for i := range last {
		last[i].Store(pl.first[i] - 1)
	}
	count := func(uc goka.UpdateContext, s storage.Storage, key string, value []byte) error {
		records.Add(1)
		last[uc.Partition()].Store(uc.Offset())
		return goka.DefaultUpdate(uc, s, key, value)
	}
	progress := func() {
		if o.Progress == nil {
			return
		}
		var offs int64
		for i := range last {
			offs += max(0, last[i].Load()+1-pl.first[i])
		}
		o.Progress(RestoreProgress{Table: pl.Table, Records: records.Load(), Offsets: offs, TotalOffset: pl.total(), Done: done + offs, Total: total})
	}
	cfg := SaramaConfig(cls.sarama, o.ClientID)
	// Larger fetches: fewer round trips for a consumer that only reads.
	cfg.Consumer.Fetch.Default = restoreFetchBytes
	logger := o.Logger
	if logger == nil {
		logger = nopLogger{}
	}
	view, err := goka.NewView(o.Brokers, pl.Table, new(codec.Bytes),
		goka.WithViewClientID(o.ClientID+"-restore"),
		goka.WithViewStorageBuilder(stagingBuilder(state.Options{Dir: pl.dir, DisableWAL: true, MemTableSize: restoreMemTableBytes})),
		goka.WithViewConsumerSaramaBuilder(resettingConsumerBuilder(goka.SaramaConsumerBuilderWithConfig(cfg), string(pl.Table))),
		goka.WithViewTopicManagerBuilder(goka.TopicManagerBuilderWithConfig(cfg, p.topicManagerConfig())),
		goka.WithViewCallback(count),
		goka.WithViewLogger(logger),
	)
	if err != nil {
		return tr, fmt.Errorf("topology: restore %s: view: %w", pl.Table, err)
	}
	vctx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- view.Run(vctx) }()
	tick := time.NewTicker(o.ProgressEvery)
	defer tick.Stop()
	// goka's view state merger may call the view running before it has
	// heard of every partition: the counters confirm that each partition
	// read its changelog to the end.
	caughtUp := func() bool {
		for i := range last {
			if pl.first[i] < pl.end[i] && last[i].Load() < pl.end[i]-1 {
				return false
			}
		}
		return true
	}
	running := view.WaitRunning()
	var recheck <-chan time.Time
	var runErr error
wait:
	for {
		select {
		case <-running:
			running, recheck = nil, time.After(0)
		case <-recheck:
			if !caughtUp() {
				recheck = time.After(5 * time.Millisecond)
				continue
			}
			tr.Recovered = time.Since(start)
			stop()
			runErr = <-ran // the stores are closed: flushed, offsets written
			tr.Elapsed = time.Since(start)
			break wait
		case runErr = <-ran:
			if runErr == nil {
				runErr = ctx.Err()
			}
			if runErr == nil {
				runErr = errors.New("view stopped before it recovered")
			}
			break wait
		case <-tick.C:
			progress()
		}
	}
	tr.Records = records.Load()
	for i := range last {
		tr.Offsets += max(0, last[i].Load()+1-pl.first[i])
	}
	if runErr != nil {
		return tr, fmt.Errorf("topology: restore %s: %w", pl.Table, runErr)
	}
	// Recovered: every partition reached its end (its last records may have
	// been compacted away).
	tr.Offsets = pl.total()
	if o.Progress != nil {
		o.Progress(RestoreProgress{Table: pl.Table, Records: tr.Records, Offsets: tr.Offsets, TotalOffset: tr.Offsets, Done: done + tr.Offsets, Total: total})
	}
	return tr, nil
}

// stagingBuilder opens the stores of a restore: the pebble stores run
// uses, written through Stage (one pebble commit per ~1 MiB of records
// instead of one per record) and without a WAL (Close flushes the memtable,
// and a crash loses a suffix of writes together with their offset, which
// the next restore or run reads again).
func stagingBuilder(o state.Options) storage.Builder {
	b := state.Builder(o)
	return func(topic string, partition int32) (storage.Storage, error) {
		st, err := b(topic, partition)
		if err != nil {
			return nil, err
		}
		s, ok := st.(*state.Store)
		if !ok {
			return st, nil
		}
		return stagingStore{s}, nil
	}
}

// stagingStore is a Store whose writes are staged.
type stagingStore struct{ *state.Store }

func (s stagingStore) Set(key string, value []byte) error {
	if value == nil {
		return fmt.Errorf("state: set %q: %w", key, state.ErrNilValue)
	}
	return s.Stage(key, value)
}

func (s stagingStore) Delete(key string) error { return s.Stage(key, nil) }

package operations

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/storage"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/state"
	"github.com/streamsgd/streamsgd/topology"
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
func LocalTables(p *topology.Pipeline) []LocalTable {
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
	// Brokers, Security, ClientID and StateDir as in RunOptions (Groups
	// selects the groups whose tables to restore). Sarama and Logger are
	// not used: restore reads with franz-go.
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
	// Elapsed from the start of the table's read until every partition is
	// recovered and the stores are closed (memtables flushed, offsets
	// written).
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
// (StateDir/<group>/<table>.<partition>): each table's changelog is read
// with franz-go into the pipeline's pebble stores, writing what goka's own
// recovery writes, until every partition has caught up with the end of its
// changelog, and the stores are closed with their offsets, so that a later
// run starts from there. A store that already
// holds a prefix of the changelog is completed, not rebuilt.
//
// Restore must not run while processors of the same groups use the same
// StateDir (pebble locks each store: the second opener fails).
func Restore(ctx context.Context, p *topology.Pipeline, o RestoreOptions) (RestoreReport, error) {
	start := time.Now()
	rep, err := restore(ctx, p, o)
	rep.Elapsed = time.Since(start)
	return rep, o.Security.Explain(err)
}

func restore(ctx context.Context, p *topology.Pipeline, o RestoreOptions) (RestoreReport, error) {
	var rep RestoreReport
	if len(o.Brokers) == 0 {
		return rep, fmt.Errorf("operations: restore: no brokers")
	}
	if o.StateDir == "" {
		o.StateDir = DefaultStateDir
	}
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 200 * time.Millisecond
	}
	cls, err := o.clients()
	if err != nil {
		return rep, err
	}
	var tables []LocalTable
	for _, t := range LocalTables(p) {
		if len(o.Groups) == 0 || slices.Contains(o.Groups, t.Group) {
			tables = append(tables, t)
		}
	}
	if len(tables) == 0 {
		return rep, fmt.Errorf("operations: restore: pipeline %s has no local table in groups %v", p.Config.Name, o.Groups)
	}
	plans, err := planRestore(ctx, p, o, cls, tables)
	if err != nil {
		return rep, err
	}
	var total, done int64
	for _, pl := range plans {
		total += pl.total()
	}
	for _, pl := range plans {
		tr, err := restoreTable(ctx, p, o, cls, pl, done, total)
		rep.Tables = append(rep.Tables, tr)
		if err != nil {
			return rep, err
		}
		done += tr.Offsets
	}
	return rep, nil
}

// restoreFetchBytes is the most a restore fetches per partition and
// request (franz-go's default is 1 MiB per partition).
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
func planRestore(ctx context.Context, p *topology.Pipeline, o RestoreOptions, cls kafkaclient.Clients, tables []LocalTable) ([]restorePlan, error) {
	cl, err := kafkaclient.New(o.Brokers, cls.Kgo...)
	if err != nil {
		return nil, fmt.Errorf("operations: restore: client: %w", err)
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
		return nil, fmt.Errorf("operations: restore: start offsets of %v: %w", names, err)
	}
	// Read committed up to the last stable offset: the learn and merge
	// tables are written in transactions (kafkaclient.FencedProducer).
	ends, err := adm.ListCommittedOffsets(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("operations: restore: end offsets of %v: %w", names, err)
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
				return nil, fmt.Errorf("operations: restore: table %s: partition %d missing from the end offsets", t.Table, part)
			}
			so, ok := starts.Lookup(string(t.Table), part)
			if !ok || so.Err != nil {
				return nil, fmt.Errorf("operations: restore: table %s: start offset of partition %d: %v", t.Table, part, so.Err)
			}
			first := so.Offset
			stored, err := storedOffset(builder, string(t.Table), part)
			if err != nil {
				return nil, err
			}
			if stored >= 0 && stored+1 > first {
				first = stored + 1
			}
			last := end.Offset
			if first < last {
				// As goka's recovery of a fenced table: up to the last
				// committed data record (kafkaclient.CommittedDataEnd),
				// not up to a commit marker.
				if last, err = kafkaclient.CommittedDataEnd(ctx, o.Brokers, cls.Kgo, string(t.Table), part); err != nil {
					return nil, fmt.Errorf("operations: restore: table %s: %w", t.Table, err)
				}
			}
			pl.first[part], pl.end[part] = min(first, last), last
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
		return 0, fmt.Errorf("operations: restore: open store of %s/%d: %w", table, partition, err)
	}
	off, err := st.GetOffset(-1)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("operations: restore: offset of %s/%d: %w", table, partition, err)
	}
	return off, nil
}

// restoreTable reads one table's changelog with a franz-go consumer into
// the pebble stores run uses, until every partition has reached the end
// the plan read, then marks the stores recovered and closes them (which
// writes their offsets and flushes their memtables).
//
// It writes what goka's own recovery writes (goka.DefaultUpdate: a Set per
// record, a Delete per tombstone, the record's offset as the table offset),
// so run finds the stores recovered and reads on from there. goka's view
// would do the same through sarama at a third of the speed: one select
// per message against franz-go's batches.
func restoreTable(ctx context.Context, p *topology.Pipeline, o RestoreOptions, cls kafkaclient.Clients, pl restorePlan, done, total int64) (TableRestore, error) {
	tr := TableRestore{LocalTable: pl.LocalTable, Dir: pl.dir, Partitions: len(pl.end), Missing: pl.missing}
	if pl.missing {
		return tr, nil
	}
	start := time.Now()
	r, err := openRestore(o, cls, pl)
	if err != nil {
		return tr, err
	}
	progress := func() {
		if o.Progress != nil {
			o.Progress(RestoreProgress{Table: pl.Table, Records: r.records, Offsets: r.offsets(), TotalOffset: pl.total(), Done: done + r.offsets(), Total: total})
		}
	}
	readErr := r.read(ctx, o.ProgressEvery, progress)
	if readErr == nil {
		tr.Recovered = time.Since(start)
	}
	closeErr := r.close(readErr == nil)
	tr.Elapsed = time.Since(start)
	tr.Records, tr.Offsets = r.records, r.offsets()
	if err := errors.Join(readErr, closeErr); err != nil {
		return tr, fmt.Errorf("operations: restore %s: %w", pl.Table, err)
	}
	// Recovered: every partition reached its end (its last records may have
	// been compacted away).
	tr.Offsets = pl.total()
	if o.Progress != nil {
		o.Progress(RestoreProgress{Table: pl.Table, Records: tr.Records, Offsets: tr.Offsets, TotalOffset: tr.Offsets, Done: done + tr.Offsets, Total: total})
	}
	return tr, nil
}

// tableRestore is one table's restore in progress: a consumer of the
// partitions that have something to read, and one store per partition.
type tableRestore struct {
	pl      restorePlan
	cl      *kgo.Client
	stores  []*state.Store
	last    []int64 // last offset read per partition (first-1 before any)
	left    int     // partitions that have not reached their end
	records int64
}

// openRestore opens every partition's store (staged writes, no WAL) and a
// consumer from the plan's first offsets.
func openRestore(o RestoreOptions, cls kafkaclient.Clients, pl restorePlan) (*tableRestore, error) {
	r := &tableRestore{pl: pl, last: make([]int64, len(pl.end))}
	builder := state.Builder(state.Options{Dir: pl.dir, DisableWAL: true, MemTableSize: restoreMemTableBytes})
	offsets := map[int32]kgo.Offset{}
	for part := range int32(len(pl.end)) {
		st, err := builder(string(pl.Table), part)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("operations: restore %s: open store of partition %d: %w", pl.Table, part, err), r.close(false))
		}
		s, ok := st.(*state.Store)
		if !ok {
			return nil, errors.Join(fmt.Errorf("operations: restore %s: store of partition %d is a %T", pl.Table, part, st), st.Close(), r.close(false))
		}
		r.stores = append(r.stores, s)
		r.last[part] = pl.first[part] - 1
		if pl.first[part] < pl.end[part] {
			offsets[part] = kgo.NewOffset().At(pl.first[part])
			r.left++
		}
	}
	if r.left == 0 {
		return r, nil
	}
	cl, err := kafkaclient.New(o.Brokers, append([]kgo.Opt{
		kgo.ClientID(o.ClientID + "-restore"),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{string(pl.Table): offsets}),
		// A first offset below the log start (compaction or retention
		// removed it) resets to the start, as goka's recovery does.
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxBytes(restoreFetchBytes * int32(len(offsets))),
		kgo.FetchMaxPartitionBytes(restoreFetchBytes),
	}, append(kafkaclient.ReadCommittedOpts(), cls.Kgo...)...)...)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("operations: restore %s: client: %w", pl.Table, err), r.close(false))
	}
	r.cl = cl
	return r, nil
}

// read writes records to the stores until every partition has read its
// end offset - 1, calling progress about every progressEvery.
func (r *tableRestore) read(ctx context.Context, progressEvery time.Duration, progress func()) error {
	next := time.Now().Add(progressEvery)
	for r.left > 0 {
		fs := r.cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		var ferr error
		fs.EachError(func(t string, part int32, err error) {
			ferr = errors.Join(ferr, fmt.Errorf("fetch %s/%d: %w", t, part, err))
		})
		if ferr != nil {
			return ferr
		}
		var werr error
		fs.EachPartition(func(fp kgo.FetchTopicPartition) {
			if werr == nil {
				werr = r.write(fp.Partition, fp.Records)
			}
		})
		if werr != nil {
			return werr
		}
		if now := time.Now(); now.After(next) {
			progress()
			next = now.Add(progressEvery)
		}
	}
	return nil
}

// write applies one partition's records as goka.DefaultUpdate does and
// moves the store's offset on.
func (r *tableRestore) write(part int32, recs []*kgo.Record) error {
	if int(part) >= len(r.stores) || len(recs) == 0 {
		return nil
	}
	st, end := r.stores[part], r.pl.end[part]
	was := r.last[part]
	data := int64(-1) // the last data record staged
	for _, rec := range recs {
		if rec.Offset <= r.last[part] || rec.Offset >= end {
			continue // before the plan's first offset, or past its end
		}
		r.last[part] = rec.Offset
		if rec.Attrs.IsControl() {
			continue // a transaction's marker: its offset is read, not stored
		}
		if err := st.Stage(string(rec.Key), rec.Value); err != nil {
			return fmt.Errorf("partition %d offset %d: %w", part, rec.Offset, err)
		}
		r.records++
		data = rec.Offset
	}
	if r.last[part] == was {
		return nil
	}
	// The store's offset is its last data record's, as goka's recovery
	// leaves it.
	if data >= 0 {
		if err := st.SetOffset(data); err != nil {
			return fmt.Errorf("partition %d: %w", part, err)
		}
	}
	if was < end-1 && r.last[part] >= end-1 {
		r.left--
		r.cl.PauseFetchPartitions(map[string][]int32{string(r.pl.Table): {part}})
	}
	return nil
}

// offsets is the changelog span read so far.
func (r *tableRestore) offsets() int64 {
	var n int64
	for i := range r.last {
		n += max(0, r.last[i]+1-r.pl.first[i])
	}
	return n
}

// close stops the consumer and closes the stores in parallel (each flushes
// its memtable), marking them recovered first when recovered is set.
func (r *tableRestore) close(recovered bool) error {
	if r.cl != nil {
		r.cl.Close()
	}
	errs := make([]error, len(r.stores))
	var wg sync.WaitGroup
	for i, st := range r.stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if recovered {
				if err := st.MarkRecovered(); err != nil {
					errs[i] = fmt.Errorf("partition %d: %w", i, err)
				}
			}
			if err := st.Close(); err != nil {
				errs[i] = errors.Join(errs[i], fmt.Errorf("partition %d: %w", i, err))
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

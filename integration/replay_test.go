package integration

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/state"
	"github.com/streamsgd/streamsgd/topology"
)

const (
	replayRows    = 4000
	replaySensors = 20
)

// replayInput makes a one-partition input topic with the sensor stream:
// with one input partition the global model's rows reach it in one order,
// so a replay can rebuild it bit for bit.
func replayInput(t *testing.T, brokers []string) (string, [][]byte) {
	t.Helper()
	input := unique("replay-in")
	if err := operations.CreateTopic(context.Background(), admin(t, brokers), input, 1, 1); err != nil {
		t.Fatal(err)
	}
	keys, values := sensorCSV(replayRows, replaySensors, 3)
	produceRecords(t, brokers, input, keys, values)
	return input, values
}

func buildPipeline(t *testing.T, brokers []string, name, input string) *topology.Pipeline {
	t.Helper()
	p, err := topology.Build(sensorConfig(name, input, e2ePartitions))
	if err != nil {
		t.Fatal(err)
	}
	if err := operations.EnsureTopics(context.Background(), admin(t, brokers), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// runLive runs a pipeline until every row has its predictions and stops it.
func runLive(t *testing.T, brokers []string, p *topology.Pipeline, dir string, rows int) {
	t.Helper()
	in := startIn(t, p, brokers, "live", dir)
	predictions(t, brokers, p, rows, 2*time.Minute, in)
	in.stop()
}

// startIn is start with a given state directory.
func startIn(t *testing.T, p *topology.Pipeline, brokers []string, id, dir string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{t: t, id: id, cancel: cancel, done: make(chan error, 1)}
	go func() {
		in.done <- operations.Run(ctx, p, operations.RunOptions{Brokers: brokers, StateDir: dir, ClientID: id})
	}()
	t.Cleanup(in.stop)
	return in
}

// TestReplayMatchesLive runs the live pipeline over a stream, then replays
// it into a fresh generation: every model is rebuilt bit for bit, and the
// generation's topics and groups are deleted afterwards.
func TestReplayMatchesLive(t *testing.T) {
	brokers := cluster(t)
	input, _ := replayInput(t, brokers)
	p := buildPipeline(t, brokers, unique("live"), input)
	runLive(t, brokers, p, t.TempDir(), replayRows)

	ctx := context.Background()
	var progressed int64
	rep, err := operations.Replay(ctx, p, operations.ReplayOptions{
		RunOptions: operations.RunOptions{Brokers: brokers, ClientID: "replay"},
		Generation: "g1",
		Progress:   func(pr operations.ReplayProgress) { progressed = pr.Done },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("replay: %v until caught up, %v in all", rep.Elapsed, rep.Total)
	if !rep.Compared || rep.Input != replayRows || progressed != replayRows {
		t.Errorf("compared %v, input %d, progress %d; want true and %d", rep.Compared, rep.Input, progressed, replayRows)
	}
	if rep.Generation != p.Config.Name+"-g1" {
		t.Errorf("generation %q", rep.Generation)
	}
	want := map[string]int{"per_sensor": replaySensors, "global": 1}
	for _, m := range rep.Models {
		if !m.Equal() || m.Keys != want[m.Model] || m.Rows != replayRows || m.LiveRows != replayRows || m.MaxAbsDiff != 0 {
			t.Errorf("model %s: %+v; want %d keys, all identical, %d rows", m.Model, m, want[m.Model], replayRows)
		}
	}
	adm := admin(t, brokers)
	left, err := operations.Exists(ctx, adm, rep.Topics...)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("topics of the generation left: %v", left)
	}
	groups, err := adm.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups.Groups() {
		if slices.Contains(rep.Groups, g) {
			t.Errorf("group of the generation left: %s", g)
		}
	}
	// The live pipeline is untouched.
	if got := len(tableStates(t, brokers, p)); got != replaySensors+1 {
		t.Errorf("live table: %d keys, want %d", got, replaySensors+1)
	}
}

// TestReplayUntilOffset rebuilds the models as they were at an input
// offset: every state's rows are the rows up to that offset.
func TestReplayUntilOffset(t *testing.T) {
	brokers := cluster(t)
	input, values := replayInput(t, brokers)
	p := buildPipeline(t, brokers, unique("live"), input)
	const until = 1499
	rep, err := operations.Replay(context.Background(), p, operations.ReplayOptions{
		RunOptions: operations.RunOptions{Brokers: brokers, ClientID: "replay", StateDir: t.TempDir()},
		Generation: "asof", Until: processors.OffsetBound(until), Keep: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("replay: %v until caught up, %v in all", rep.Elapsed, rep.Total)
	if rep.Compared || !rep.Kept {
		t.Errorf("compared %v kept %v, want false and true", rep.Compared, rep.Kept)
	}
	// One input partition: row i is at offset i.
	want := map[string]int64{"global": until + 1}
	for _, v := range values[:until+1] {
		sensor, _, _ := strings.Cut(string(v), ",")
		want[table.EntityKey("per_sensor", sensor)]++
	}
	cfg := *p.Config
	cfg.Name = rep.Generation
	gen, err := topology.Build(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := tableStates(t, brokers, gen)
	if len(got) != len(want) {
		t.Errorf("rebuilt table: %d keys, want %d", len(got), len(want))
	}
	for key, rows := range want {
		if st, ok := got[key]; !ok || st.Rows != rows {
			t.Errorf("key %s: %v, want %d rows", key, st, rows)
		}
	}
	for _, m := range rep.Models {
		if w := map[string]int64{"global": until + 1, "per_sensor": until + 1}[m.Model]; m.Rows != w {
			t.Errorf("report: model %s rows %d, want %d", m.Model, m.Rows, w)
		}
	}
	if left, err := operations.Exists(context.Background(), admin(t, brokers), rep.RebuiltTable); err != nil || len(left) != 1 {
		t.Errorf("--keep: table %s: %v %v", rep.RebuiltTable, left, err)
	}
}

// TestRestoreIntoEmptyDir restores the tables of a pipeline into an empty
// state directory: the learn table's stores hold the changelog's last
// value of every key, with the offset of its end; a second restore reads
// nothing, a run on the restored stores does not read the changelog again
// (a value changed locally survives it), and a restore after the run reads
// at most what the run wrote.
func TestRestoreIntoEmptyDir(t *testing.T) {
	brokers := cluster(t)
	ctx := context.Background()
	input := unique("restore-in")
	if err := operations.CreateTopic(ctx, admin(t, brokers), input, e2ePartitions, 1); err != nil {
		t.Fatal(err)
	}
	keys, values := sensorCSV(replayRows, replaySensors, 5)
	produceRecords(t, brokers, input, keys, values)
	p := buildPipeline(t, brokers, unique("live"), input)
	runLive(t, brokers, p, t.TempDir(), replayRows)

	dir := t.TempDir()
	opts := operations.RestoreOptions{RunOptions: operations.RunOptions{Brokers: brokers, StateDir: dir}}
	var last operations.RestoreProgress
	opts.Progress = func(pr operations.RestoreProgress) { last = pr }
	rep, err := operations.Restore(ctx, p, opts)
	if err != nil {
		t.Fatal(err)
	}
	learn := learnRestore(t, rep, p)
	if learn.Records == 0 || learn.Partitions != e2ePartitions || last.Done != last.Total {
		t.Errorf("learn table restore %+v, last progress %+v", learn, last)
	}
	states := tableStates(t, brokers, p)
	raw, err := operations.ReadTable(ctx, brokers, nil, string(p.Topics.LearnTable))
	if err != nil {
		t.Fatal(err)
	}
	stored := storeContents(t, dir, p)
	if len(stored) != len(states) {
		t.Errorf("restored %d keys, the changelog has %d", len(stored), len(states))
	}
	for key := range states {
		if string(stored[key]) != string(raw[key]) {
			t.Errorf("key %s: restored value differs from the changelog's", key)
		}
	}
	ends := tableEnds(t, brokers, p)
	checkStoredOffsets(t, brokers, dir, p, ends)

	// Nothing left to read.
	rep, err = operations.Restore(ctx, p, operations.RestoreOptions{RunOptions: operations.RunOptions{Brokers: brokers, StateDir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	if again := learnRestore(t, rep, p); again.Records != 0 || again.Offsets != 0 {
		t.Errorf("second restore read %d records (%d offsets), want 0", again.Records, again.Offsets)
	}

	// Change one entity's state locally; a run that read the changelog
	// from the start would overwrite it.
	victim, other := sameShardEntities(t, states, p)
	sentinel := *states[victim]
	sentinel.Rows += 1_000_000
	setStored(t, dir, p, victim, &sentinel)
	in := startIn(t, p, brokers, "after-restore", dir)
	sensor := strings.TrimPrefix(other, "per_sensor/")
	var k2, v2 [][]byte
	for i := range 10 {
		k2 = append(k2, []byte(sensor))
		v2 = append(v2, []byte(fmt.Sprintf("%s,%d,1,2,3", sensor, i)))
	}
	produceRecords(t, brokers, input, k2, v2)
	predictions(t, brokers, p, replayRows+10, 2*time.Minute, in)
	in.stop()
	after := storeContents(t, dir, p)
	v, err := p.StateCodec.Decode(after[victim])
	if err != nil {
		t.Fatal(err)
	}
	if got := v.(*table.ModelState).Rows; got != sentinel.Rows {
		t.Errorf("key %s: rows %d after the run, want the local %d: the run re-read the changelog", victim, got, sentinel.Rows)
	}
	// A restore now reads at most what the run wrote to the changelog.
	after1 := tableEnds(t, brokers, p)
	var written int64
	after1.Each(func(e kadm.ListedOffset) {
		if o, ok := ends.Lookup(e.Topic, e.Partition); ok {
			written += e.Offset - o.Offset
		}
	})
	rep, err = operations.Restore(ctx, p, operations.RestoreOptions{RunOptions: operations.RunOptions{Brokers: brokers, StateDir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	if again := learnRestore(t, rep, p); written == 0 || again.Offsets > written {
		t.Errorf("restore after the run read %d offsets, the run wrote %d", again.Offsets, written)
	}
	checkStoredOffsets(t, brokers, dir, p, after1)
}

// TestRestoreTombstones: a restore applies a changelog's tombstones as
// deletes, as goka's own recovery does, and stores each partition's last
// offset.
func TestRestoreTombstones(t *testing.T) {
	brokers := cluster(t)
	input := unique("tomb-in")
	if err := operations.CreateTopic(context.Background(), admin(t, brokers), input, e2ePartitions, 1); err != nil {
		t.Fatal(err)
	}
	p := buildPipeline(t, brokers, unique("tomb"), input)
	var keys, values [][]byte
	for i := range 40 {
		keys = append(keys, []byte(fmt.Sprintf("k%02d", i)))
		values = append(values, []byte(fmt.Sprintf("v%d", i)))
	}
	for i := 0; i < 40; i += 2 {
		keys = append(keys, []byte(fmt.Sprintf("k%02d", i)))
		values = append(values, nil)
	}
	produceRecords(t, brokers, string(p.Topics.LearnTable), keys, values)
	dir := t.TempDir()
	rep, err := operations.Restore(context.Background(), p, operations.RestoreOptions{RunOptions: operations.RunOptions{
		Brokers: brokers, StateDir: dir, Groups: []goka.Group{p.Topics.LearnGroup}}})
	if err != nil {
		t.Fatal(err)
	}
	if tr := learnRestore(t, rep, p); tr.Records != 60 {
		t.Errorf("restored %d records, want 60 (40 values, 20 tombstones)", tr.Records)
	}
	got := storeContents(t, dir, p)
	want := map[string][]byte{}
	for i := 1; i < 40; i += 2 {
		want[fmt.Sprintf("k%02d", i)] = []byte(fmt.Sprintf("v%d", i))
	}
	if !maps.EqualFunc(got, want, bytes.Equal) {
		t.Errorf("restored %v, want %v", got, want)
	}
	checkStoredOffsets(t, brokers, dir, p, tableEnds(t, brokers, p))
}

func learnRestore(t *testing.T, rep operations.RestoreReport, p *topology.Pipeline) operations.TableRestore {
	t.Helper()
	for _, tr := range rep.Tables {
		if tr.Table == p.Topics.LearnTable && tr.Group == p.Topics.LearnGroup {
			return tr
		}
	}
	t.Fatalf("no restore of %s in %+v", p.Topics.LearnTable, rep)
	return operations.TableRestore{}
}

// sameShardEntities returns two per-sensor keys in one table partition.
func sameShardEntities(t *testing.T, states map[string]*table.ModelState, p *topology.Pipeline) (string, string) {
	t.Helper()
	byPart := map[int32][]string{}
	for key, st := range states {
		if st.Model == "per_sensor" {
			part := table.Partition(key, p.Config.Partitions)
			byPart[part] = append(byPart[part], key)
		}
	}
	for _, ks := range byPart {
		if len(ks) >= 2 {
			slices.Sort(ks)
			return ks[0], ks[1]
		}
	}
	t.Fatal("no two sensors share a partition")
	return "", ""
}

// openStore opens the learn table's store of a partition in dir.
func openStore(t *testing.T, dir string, p *topology.Pipeline, part int32) *state.Store {
	t.Helper()
	st, err := state.Builder(state.Options{Dir: filepath.Join(dir, string(p.Topics.LearnGroup))})(string(p.Topics.LearnTable), part)
	if err != nil {
		t.Fatal(err)
	}
	return st.(*state.Store)
}

// storeContents reads every partition store of the learn table in dir.
func storeContents(t *testing.T, dir string, p *topology.Pipeline) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for part := range int32(p.Config.Partitions) {
		st := openStore(t, dir, p, part)
		it, err := st.Iterator()
		if err != nil {
			t.Fatal(err)
		}
		for it.Next() {
			v, err := it.Value()
			if err != nil {
				t.Fatal(err)
			}
			out[string(it.Key())] = append([]byte(nil), v...)
		}
		it.Release()
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func setStored(t *testing.T, dir string, p *topology.Pipeline, key string, s *table.ModelState) {
	t.Helper()
	v, err := p.StateCodec.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, dir, p, table.Partition(key, p.Config.Partitions))
	if err := st.Set(key, v); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

func tableEnds(t *testing.T, brokers []string, p *topology.Pipeline) kadm.ListedOffsets {
	t.Helper()
	ends, err := admin(t, brokers).ListEndOffsets(context.Background(), string(p.Topics.LearnTable))
	if err != nil {
		t.Fatal(err)
	}
	return ends
}

// checkStoredOffsets: every partition store's table offset is the offset
// of the last committed data record of its changelog partition (the
// changelog is written in transactions: a commit marker follows it).
func checkStoredOffsets(t *testing.T, brokers []string, dir string, p *topology.Pipeline, ends kadm.ListedOffsets) {
	t.Helper()
	ends.Each(func(e kadm.ListedOffset) {
		st := openStore(t, dir, p, e.Partition)
		defer st.Close()
		off, err := st.GetOffset(-1)
		if err != nil {
			t.Fatal(err)
		}
		if e.Offset == 0 {
			return
		}
		end, err := kafkaclient.CommittedDataEnd(t.Context(), brokers, nil, e.Topic, e.Partition)
		if err != nil {
			t.Fatal(err)
		}
		if off != end-1 {
			t.Errorf("partition %d: stored offset %d, last committed data record %d (changelog ends at %d)", e.Partition, off, end-1, e.Offset)
		}
	})
}

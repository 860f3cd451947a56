package integration

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/streamsgd/streamsgd/broker"
	"github.com/streamsgd/streamsgd/state"
)

// TestHotStandbyTakeover runs two `streamsgd run --hot-standby` instances:
// each owns two of the learn table's four partitions and keeps replicas of
// the other two in its local store (goka's WithHotStandby: passive
// partition processors that follow the changelog). Before the takeover the
// test freezes b (SIGSTOP), copies its state directory and checks that the
// stores of a's partitions are there, hold only keys of those partitions,
// and are caught up with the changelog (without --hot-standby b has no
// store of them at all). Then a stops (SIGTERM) and b takes its partitions
// over: goka recovers a partition's table from the offset in the local
// store (PartitionTable.findOffsetToLoad; without one, from the log's start
// offset), so on the embedded broker the test also records every fetch of
// the table by goka's consumers after a stopped and checks that none starts
// at the log start: the changelog is not read again from the start. Every row must have a prediction, none twice, and the
// models must equal a reference run's.
func TestHotStandbyTakeover(t *testing.T) {
	const rows = 30000
	began := time.Now()
	brokers, kc := clusterWithControl(t)
	adm := admin(t, brokers)
	bin := buildCLI(t)
	input := inputTopic(t, brokers, "standby-sensors", crashPartitions)
	keys, values := sensorCSV(rows, crashSensors, crashSeed)
	ref := startReference(t, brokers, input)

	name := unique("standby")
	yaml := sensorYAML(name, input, crashPartitions)
	config := writeFile(t, "standby.yaml", []byte(yaml))
	p := pipeline(t, brokers, config, yaml)
	watch := watchTable(t, brokers, p)
	learn, table := string(p.Topics.LearnGroup), string(p.Topics.LearnTable)
	produced := producePaced(t, brokers, input, keys, values, 25*time.Second)

	dirA, dirB := t.TempDir(), t.TempDir()
	a := startRun(t, bin, config, brokers, dirA, "standby-a", "--hot-standby")
	waitGrowth(t, adm, string(p.Topics.Predictions), 0, 30*time.Second, a)
	b := startRun(t, bin, config, brokers, dirB, "standby-b", "--hot-standby")
	t.Logf("learn group: %s", waitSettled(t, adm, learn, 2, 30*time.Second))
	owned, _ := assignment(t, adm, learn)
	ofA := owned["standby-a"]
	if len(ofA) == 0 || len(owned["standby-b"]) == 0 {
		t.Fatalf("the two instances do not share the learn group: %v", owned)
	}

	// b's replicas of a's partitions: caught up (at least to where the
	// changelog ended a moment before) while a keeps writing.
	var held map[int32]storeInfo
	deadline := time.Now().Add(30 * time.Second)
	for {
		ends := listEnds(t, adm, table)
		time.Sleep(time.Second)
		held = freezeAndRead(t, b, filepath.Join(dirB, learn), table)
		missing := standbyGaps(held, ofA, ends)
		if len(missing) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("b's local store does not keep a's partitions %v up to date: %s", ofA, strings.Join(missing, "; "))
		}
	}
	for _, part := range ofA {
		h := held[part]
		for _, k := range h.keys {
			if gokaPartition(k, crashPartitions) != part {
				t.Errorf("b's replica of partition %d holds key %q of partition %d", part, k, gokaPartition(k, crashPartitions))
			}
		}
		t.Logf("before the takeover, b's store of a's partition %d: %d keys, table offset %d", part, len(h.keys), h.offset)
	}

	// a leaves; b takes its partitions over.
	fetches := watchFetches(t, kc, table)
	starts := listStarts(t, adm, table)
	a.stop()
	t.Logf("after a left: %s", waitSettled(t, adm, learn, 1, 30*time.Second))
	if got, _ := assignment(t, adm, learn); !slices.Equal(got["standby-b"], []int32{0, 1, 2, 3}) {
		t.Errorf("after a left, b holds %v of the learn group, want all 4 partitions", got["standby-b"])
	}
	waitGrowth(t, adm, string(p.Topics.Predictions), endOffsets(t, adm, string(p.Topics.Predictions)), 10*time.Second, b)
	if fetches != nil {
		fetches.stop() // before the test reads the table itself
	}
	produced()
	repeated := verifyRun(t, brokers, p, input, ref, watch, b)
	if repeated != 0 {
		t.Errorf("%d rows predicted twice across the takeover", repeated)
	}
	if fetches != nil {
		for _, part := range ofA {
			n, low := fetches.of(part)
			t.Logf("after a left: %d fetches of %s/%d by b, the lowest from offset %d (log start %d)", n, table, part, low, starts[part])
			// The checkpoint group reads the table too, as a stream, from
			// its committed offset (a few hundred records behind when a
			// leaves), with the same requests: a recovery from b's replica
			// cannot be told from it by the offsets above the log start, but
			// a recovery without the replica starts at the log start.
			if n > 0 && low <= starts[part] {
				t.Errorf("b read %s/%d from offset %d, the log start, though its standby store held offset %d: the changelog was read again from the start",
					table, part, low, held[part].offset)
			}
		}
	}
	t.Logf("rows %d, took %v", rows, time.Since(began).Round(time.Millisecond))
}

// clusterWithControl is cluster, and the embedded broker's kfake cluster
// for observing requests (nil with STREAMSGD_BROKERS).
func clusterWithControl(t *testing.T) ([]string, *kfake.Cluster) {
	t.Helper()
	if os.Getenv("STREAMSGD_BROKERS") != "" {
		return cluster(t), nil
	}
	b, err := broker.Start(broker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addrs(), b.Cluster()
}

// storeInfo is what a local store of one table partition holds.
type storeInfo struct {
	offset int64 // the table offset stored with the data; -1 if none
	keys   []string
}

// freezeAndRead stops the process with SIGSTOP, copies the pebble stores of
// table below dir (a consistent image, as after a crash at that instant),
// resumes the process and reads the copies.
func freezeAndRead(t *testing.T, pr *proc, dir, table string) map[int32]storeInfo {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "copy")
	if err := pr.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP %s: %v", pr.id, err)
	}
	err := os.CopyFS(dst, os.DirFS(dir))
	if cerr := pr.cmd.Process.Signal(syscall.SIGCONT); cerr != nil {
		t.Fatalf("SIGCONT %s: %v", pr.id, cerr)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("copy %s: %v", dir, err)
	}
	out := map[int32]storeInfo{}
	entries, err := os.ReadDir(dst)
	if err != nil {
		return out // nothing stored yet
	}
	for _, e := range entries {
		part, ok := strings.CutPrefix(e.Name(), table+".")
		if !ok || !e.IsDir() {
			continue
		}
		n, err := strconv.Atoi(part)
		if err != nil {
			continue
		}
		out[int32(n)] = readStore(t, filepath.Join(dst, e.Name()))
	}
	return out
}

func readStore(t *testing.T, dir string) storeInfo {
	t.Helper()
	st, err := state.Open(dir, state.Options{})
	if err != nil {
		t.Fatalf("open copied store: %v", err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Errorf("close copied store: %v", err)
		}
	}()
	off, err := st.GetOffset(-1)
	if err != nil {
		t.Fatal(err)
	}
	it, err := st.Iterator()
	if err != nil {
		t.Fatal(err)
	}
	defer it.Release()
	info := storeInfo{offset: off}
	for it.Next() {
		info.keys = append(info.keys, string(it.Key()))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return info
}

// standbyGaps lists the partitions of want whose store is missing, empty, or
// behind ends (the changelog's end offsets a moment before).
func standbyGaps(held map[int32]storeInfo, want []int32, ends map[int32]int64) []string {
	var gaps []string
	for _, part := range want {
		h, ok := held[part]
		switch {
		case !ok:
			gaps = append(gaps, fmt.Sprintf("partition %d: no store", part))
		case len(h.keys) == 0:
			gaps = append(gaps, fmt.Sprintf("partition %d: no keys", part))
		case h.offset < ends[part]-1:
			gaps = append(gaps, fmt.Sprintf("partition %d: offset %d, changelog end %d", part, h.offset, ends[part]))
		}
	}
	return gaps
}

// listEnds returns the end offset of every partition of topic.
func listEnds(t *testing.T, adm *kadm.Client, topic string) map[int32]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

// listStarts returns the start offset of every partition of topic: where
// a restore without a local store begins.
func listStarts(t *testing.T, adm *kadm.Client, topic string) map[int32]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	starts.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

// gokaPartition is the partition goka (sarama's hash partitioner, FNV-1a)
// gives key.
func gokaPartition(key string, partitions int32) int32 {
	h := fnv.New32a()
	h.Write([]byte(key))
	p := int32(h.Sum32()) % partitions
	if p < 0 {
		p = -p
	}
	return p
}

// fetchLog records the fetch offsets of one topic's partitions.
type fetchLog struct {
	mu      sync.Mutex
	stopped bool
	count   map[int32]int
	low     map[int32]int64
}

// stop ends the recording.
func (f *fetchLog) stop() {
	f.mu.Lock()
	f.stopped = true
	f.mu.Unlock()
}

func (f *fetchLog) of(part int32) (n int, low int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.count[part], f.low[part]
}

// watchFetches records, from now on, every fetch of topic that goka's
// consumers send to the embedded broker kc (sarama sends Fetch v11 at most,
// with topic names; the test's own franz-go clients send newer versions and
// are not recorded). With no embedded broker it returns nil.
func watchFetches(t *testing.T, kc *kfake.Cluster, topic string) *fetchLog {
	t.Helper()
	if kc == nil {
		return nil
	}
	f := &fetchLog{count: map[int32]int{}, low: map[int32]int64{}}
	kc.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		kc.KeepControl()
		fr, ok := req.(*kmsg.FetchRequest)
		if !ok || fr.GetVersion() > 12 {
			return nil, nil, false
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, tp := range fr.Topics {
			if f.stopped || tp.Topic != topic {
				continue
			}
			for _, pp := range tp.Partitions {
				if n := f.count[pp.Partition]; n == 0 || pp.FetchOffset < f.low[pp.Partition] {
					f.low[pp.Partition] = pp.FetchOffset
				}
				f.count[pp.Partition]++
			}
		}
		return nil, nil, false
	})
	return f
}

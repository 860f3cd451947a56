package integration

import (
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/processors"
)

const (
	crashSensors    = 40
	crashPartitions = 4
	crashSeed       = 20261123
	// crashRoundTime is about how long a kill round takes; the input is
	// produced over kills times it.
	crashRoundTime = 2 * time.Second
)

// TestCrashKill9ExactlyOnce runs a pipeline's processors as OS processes
// and kills them with SIGKILL at random moments (twice with the local state
// deleted, twice only the route group), restarting them until every row has
// a prediction. The per-sensor models must then equal, bit for bit, those of
// a reference pipeline that ran on the same input without a crash, and every
// model must have learned every row exactly once. TestCrashKill9Long is the
// issue-sized run.
func TestCrashKill9ExactlyOnce(t *testing.T) {
	rows, kills := 50000, 8
	if testing.Short() {
		rows, kills = 10000, 4
	}
	crashKill9(t, rows, kills)
}

// TestCrashKill9Long: 20 kills during 200,000 rows (four with the local
// state deleted, five of the route group only). STREAMSGD_CRASH_LONG=1.
func TestCrashKill9Long(t *testing.T) {
	longOnly(t)
	crashKill9(t, 200000, 20)
}

// crashKill9 kills the processes kills times while rows arrive. Of every 8
// rounds, 4 and 7 delete the local state first (one waits for output, one
// kills at once, often during the restore), and 1 and 5 kill the route group
// only, with learn in a process of its own.
func crashKill9(t *testing.T, rows, kills int) {
	began := time.Now()
	brokers := cluster(t)
	adm := admin(t, brokers)
	bin := buildCLI(t)
	input := inputTopic(t, brokers, "crash-sensors", crashPartitions)
	keys, values := sensorCSV(rows, crashSensors, crashSeed)

	// The reference runs in this process, meanwhile, and is never killed.
	ref := startReference(t, brokers, input)

	name := unique("crash")
	yaml := sensorYAML(name, input, crashPartitions)
	config := writeFile(t, "crash.yaml", []byte(yaml))
	p := pipeline(t, brokers, config, yaml)
	watch := watchTable(t, brokers, p)
	c := &crasher{t: t, bin: bin, config: config, brokers: brokers, adm: adm, p: p,
		stateDir: t.TempDir(), rng: rand.New(rand.NewPCG(killSeed(t), 1))}

	// Rows keep arriving while the processes are killed, so that every
	// kill meets work in flight.
	produced := producePaced(t, brokers, input, keys, values, time.Duration(kills)*crashRoundTime)
	for k := 0; k < kills; k++ {
		c.round(k, k%8 == 4 || k%8 == 7, k%4 == 1)
	}
	produced()
	if n := len(inputIDs(t, brokers, input)); n != rows {
		t.Fatalf("input topic holds %d records, want %d", n, rows)
	}
	t.Logf("%d kills done after %v", kills, time.Since(began).Round(time.Millisecond))

	last := startProc(t, bin, config, brokers, c.stateDir, "survivor")
	if verifyRun(t, brokers, p, input, ref, watch, last) == 0 {
		t.Errorf("the kills caused no redelivery: the test exercised nothing")
	}
	t.Logf("rows %d, kills %d, took %v", rows, kills, time.Since(began).Round(time.Millisecond))
}

// inputIDs are the prediction ids of the (one-row) messages of topic.
func inputIDs(t *testing.T, brokers []string, topic string) map[string]bool {
	t.Helper()
	ends, err := admin(t, brokers).ListEndOffsets(t.Context(), topic)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	ends.Each(func(o kadm.ListedOffset) {
		for off := int64(0); off < o.Offset; off++ {
			ids[processors.PredictionID(topic, o.Partition, off, 0)] = true
		}
	})
	return ids
}

// checkCovered fails the test unless every model predicted every row of
// want (repeats allowed) and nothing else. It returns the number of repeated
// predictions.
func checkCovered(t *testing.T, seen map[string]map[string]int, want map[string]bool) (repeated int) {
	t.Helper()
	for model, ids := range seen {
		var missing, extra []string
		repeats := 0
		for id := range want {
			if ids[id] == 0 {
				missing = append(missing, id)
			}
		}
		for id, n := range ids {
			if !want[id] {
				extra = append(extra, id)
			}
			repeats += n - 1
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing)+len(extra) > 0 {
			t.Errorf("model %s: %d rows, %d predicted; missing %d %v, unexpected %d %v",
				model, len(want), len(ids), len(missing), head(missing), len(extra), head(extra))
		}
		t.Logf("model %s: %d distinct rows predicted, %d repeated predictions", model, len(ids), repeats)
		repeated += repeats
	}
	return repeated
}

// compareStates fails the test unless the crashed pipeline's models learned
// as many rows as the reference's and the per-sensor weights are equal bit
// for bit.
func compareStates(t *testing.T, ref, got map[string]*table.ModelState, rows int) {
	t.Helper()
	perSensor := 0
	total := map[string]int64{}
	for key, a := range ref {
		total[a.Model] += a.Rows
		b, ok := got[key]
		if !ok {
			t.Errorf("key %q: in the reference, not in the crashed pipeline", key)
			continue
		}
		if a.Rows != b.Rows || a.Invalid != b.Invalid {
			t.Errorf("key %q: rows %d invalid %d (reference) vs rows %d invalid %d (crashed)",
				key, a.Rows, a.Invalid, b.Rows, b.Invalid)
		}
		if a.Model != "per_sensor" {
			continue // the global model sees partitions interleaved at random
		}
		perSensor++
		wa, wb := a.Learner.Weights(), b.Learner.Weights()
		if len(wa) != len(wb) {
			t.Errorf("key %q: %d weights (reference) vs %d (crashed)", key, len(wa), len(wb))
			continue
		}
		for i := range wa {
			if math.Float64bits(wa[i]) != math.Float64bits(wb[i]) {
				t.Errorf("key %q: weight %d: %v (reference) vs %v (crashed)", key, i, wa[i], wb[i])
				break
			}
		}
	}
	for key := range got {
		if _, ok := ref[key]; !ok {
			t.Errorf("key %q: in the crashed pipeline, not in the reference", key)
		}
	}
	if perSensor != crashSensors {
		t.Errorf("per-sensor models: %d, want %d", perSensor, crashSensors)
	}
	for model, n := range total {
		if n != int64(rows) {
			t.Errorf("reference model %s learned %d rows, want %d", model, n, rows)
		}
	}
}

// killSeed seeds the kill moments: STREAMSGD_CRASH_SEED, or crashSeed.
func killSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(crashSeed)
	if env := os.Getenv("STREAMSGD_CRASH_SEED"); env != "" {
		n, err := strconv.ParseUint(env, 10, 64)
		if err != nil {
			t.Fatalf("STREAMSGD_CRASH_SEED: %v", err)
		}
		seed = n
	}
	t.Logf("kill seed %d (set STREAMSGD_CRASH_SEED to vary)", seed)
	return seed
}

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
// deleted, once only the route group), restarting them until every row has
// a prediction. The per-sensor models must then equal, bit for bit, those of
// a reference pipeline that ran on the same input without a crash, and every
// model must have learned every row exactly once.
func TestCrashKill9ExactlyOnce(t *testing.T) {
	rows, kills := 50000, 8
	if testing.Short() {
		rows, kills = 10000, 4
	}
	began := time.Now()
	brokers := cluster(t)
	adm := admin(t, brokers)
	bin := buildCLI(t)
	input := inputTopic(t, brokers, "crash-sensors", crashPartitions)
	keys, values := sensorCSV(rows, crashSensors, crashSeed)

	// The reference runs in this process, meanwhile, and is never killed.
	ref := pipeline(t, brokers, "ref.yaml", sensorYAML(unique("ref"), input, crashPartitions))
	refIn := start(t, ref, brokers, "ref")

	name := unique("crash")
	yaml := sensorYAML(name, input, crashPartitions)
	config := writeFile(t, "crash.yaml", []byte(yaml))
	p := pipeline(t, brokers, config, yaml)
	c := &crasher{t: t, bin: bin, config: config, brokers: brokers, adm: adm, p: p,
		stateDir: t.TempDir(), rng: rand.New(rand.NewPCG(killSeed(t), 1))}

	// Rows keep arriving while the processes are killed, so that every
	// kill meets work in flight.
	produced := producePaced(t, brokers, input, keys, values, time.Duration(kills)*crashRoundTime)
	for k := 0; k < kills; k++ {
		// The state is deleted before one round that waits for output and
		// one that kills at once (often while the table is restored).
		c.round(k, k == kills/2 || k == kills-1, k == kills/2+1)
	}
	produced()
	want := inputIDs(t, brokers, input)
	if len(want) != rows {
		t.Fatalf("input topic holds %d records, want %d", len(want), rows)
	}
	t.Logf("%d kills done after %v", kills, time.Since(began).Round(time.Millisecond))

	last := startProc(t, bin, config, brokers, c.stateDir, "survivor")
	seen := predictions(t, brokers, p, rows, 2*time.Minute)
	if !complete(seen, rows) {
		// Stuck: show where the groups are and what the survivor is doing.
		c.logOffsets()
		last.dump()
	}
	last.stop()
	if checkCovered(t, seen, want) == 0 {
		t.Errorf("the kills caused no redelivery: the test exercised nothing")
	}

	refSeen := predictions(t, brokers, ref, rows, time.Minute, refIn)
	refIn.stop()
	checkCovered(t, refSeen, want)

	compareStates(t, tableStates(t, brokers, ref), tableStates(t, brokers, p), rows)
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
func compareStates(t *testing.T, ref, got map[string]*processors.ModelState, rows int) {
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

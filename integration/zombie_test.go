package integration

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/registry"
	"github.com/streamsgd/streamsgd/topology"
)

// zombie test sizes: rows flow for zombieFlow; the paused instance sleeps
// zombiePause, past the session timeout (10 s by default) and the new
// owner's takeover (a rebalance, then goka's 5 s wait), so that the new
// owner has written newer states before the zombie resumes.
const (
	zombieRows  = 40000
	zombieFlow  = 60 * time.Second
	zombiePause = 25 * time.Second
	zombieBurst = 30000
)

// TestZombieFenced runs two `streamsgd run` instances and pauses one with
// SIGSTOP, while rows flow, for longer than its session timeout: the other
// takes its partitions over. Then it resumes (SIGCONT) with model states
// it computed before the pause still to write. Fencing (one transactional
// producer per learn table partition, initialised by the new owner when it
// is assigned the partition) must keep every such write out of the table:
// reading the whole changelog, read committed, no key's rows go backwards.
// Every row must then be predicted and the models must equal a reference
// run's, bit for bit. STREAMSGD_ZOMBIE_ROUNDS pauses that many times
// (alternating the instances; default 1).
func TestZombieFenced(t *testing.T) {
	rounds := 1
	if s := os.Getenv("STREAMSGD_ZOMBIE_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("STREAMSGD_ZOMBIE_ROUNDS=%q", s)
		}
		rounds = n
	}
	began := time.Now()
	brokers := cluster(t)
	adm := admin(t, brokers)
	bin := buildCLI(t)
	input := inputTopic(t, brokers, "zombie-sensors", crashPartitions)
	keys, values := sensorCSV(zombieRows, crashSensors, crashSeed)
	ref := startReference(t, brokers, input)

	name := unique("zombie")
	yaml := sensorYAML(name, input, crashPartitions)
	config := writeFile(t, "zombie.yaml", []byte(yaml))
	p := pipeline(t, brokers, config, yaml)
	learn := string(p.Topics.LearnGroup)
	flow := zombieFlow * time.Duration(rounds)
	// The table is compacted as it is written: a stale record would not
	// outlive the next write of its key. The watch reads every record as
	// it is committed.
	watch := watchTable(t, brokers, p)
	produced := producePaced(t, brokers, input, keys, values, flow)

	a := startRun(t, bin, config, brokers, t.TempDir(), "zombie-a")
	b := startRun(t, bin, config, brokers, t.TempDir(), "zombie-b")
	t.Logf("learn group: %s", waitSettled(t, adm, learn, 2, 60*time.Second))
	for round := range rounds {
		victim := b
		if round%2 == 1 {
			victim = a
		}
		// A burst of rows first: the instance is paused with fetched
		// input in its buffers, which it processes as soon as it resumes.
		bk, bv := sensorCSV(zombieBurst, crashSensors, crashSeed+uint64(round)+1)
		produceRecords(t, brokers, input, bk, bv)
		time.Sleep(200 * time.Millisecond)
		owned, _ := assignment(t, adm, learn)
		t.Logf("round %d: pausing %s (it owns %v of the learn group)", round, victim.id, owned[victim.id])
		if err := victim.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		time.Sleep(zombiePause)
		owned, _ = assignment(t, adm, learn)
		t.Logf("round %d: after %v, the learn group: %v; resuming %s", round, zombiePause, owned, victim.id)
		if err := victim.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		// Let the zombie write (or try to), and the group settle again.
		t.Logf("round %d: learn group: %s", round, waitSettled(t, adm, learn, 2, 60*time.Second))
	}
	produced()
	// Every key's newest state gets its version (by the idle trigger):
	// none is lost with the zombie's failed registry writes.
	reg, err := registry.New(p, brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	live := awaitLearned(t, brokers, p, "global", int64(zombieRows+rounds*zombieBurst), a, b)
	awaitVersioned(t, reg, live, time.Minute, a, b)
	verifyRun(t, brokers, p, input, ref, watch, a, b)
	watch.close()
	t.Logf("learn table changelog, read as written: %d records, %d of them with fewer rows than the previous record of their key", watch.writes, len(watch.regressions))
	if n := len(watch.regressions); n != 0 {
		t.Errorf("%d stale records in the learn table (first: %s): a paused instance rolled a model back", n, watch.regressions[0])
	}
	n, total, example := backwards(t, brokers, p, string(p.Topics.LearnTable))
	t.Logf("learn table changelog, read at the end (compacted): %d records, %d with fewer rows than an earlier record of their key", total, n)
	if n != 0 {
		t.Errorf("%d stale records in the learn table at the end (e.g. %s)", n, example)
	}
	// What the zombie was told: its writes after the pause failed
	// (fenced), and its groups restarted.
	for _, pr := range []*proc{a, b} {
		fenced, restarts := 0, 0
		var first string
		for _, line := range strings.Split(pr.stderr.String(), "\n") {
			l := strings.ToLower(line)
			if strings.Contains(l, "fenc") || strings.Contains(l, "epoch") {
				fenced++
				if first == "" {
					first = line
				}
			}
			if strings.Contains(l, "restarting") {
				restarts++
			}
		}
		t.Logf("%s: %d lines of fenced writes, %d restarts; first: %.300s", pr.id, fenced, restarts, first)
	}
	t.Logf("rows %d, %d pauses of %v, took %v", zombieRows+rounds*zombieBurst, rounds, zombiePause, time.Since(began).Round(time.Millisecond))
}

// backwards reads the whole changelog of a table of model states (as every
// reader of it does: operations.ScanTable) and counts the records whose
// rows are fewer than those of an earlier record of the same key.
func backwards(t *testing.T, brokers []string, p *topology.Pipeline, topic string) (n, total int, example string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	high := map[string]int64{}
	err := operations.ScanTable(ctx, brokers, nil, topic, func(r *kgo.Record) error {
		if r.Value == nil {
			return nil
		}
		v, err := p.StateCodec.Decode(r.Value)
		if err != nil {
			return fmt.Errorf("decode state %q: %w", r.Key, err)
		}
		st := v.(*table.ModelState)
		total++
		k := string(r.Key)
		if h, ok := high[k]; ok && st.Rows < h {
			if n == 0 {
				example = fmt.Sprintf("key %s at %d/%d: rows %d after rows %d", k, r.Partition, r.Offset, st.Rows, h)
			}
			n++
			return nil
		}
		high[k] = st.Rows
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, total, example
}

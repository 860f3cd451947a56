package integration

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/streamsgd/streamsgd/topology"
)

// TestCrashDelayedLabels runs a pipeline with delayed labels as OS
// processes and kills them with SIGKILL at random moments (every third
// round with its local state deleted), while the features and then the
// labels arrive. In the end every model must have learned every good
// first label exactly once, and each sensor's model must equal, bit for
// bit, a reference that learned its examples in its labels' order: no
// label learned twice or lost across the kills, the feature-time
// predictions kept, the balances of TestDelayedLabels held.
func TestCrashDelayedLabels(t *testing.T) {
	n, kills := 4000, 6
	if testing.Short() {
		n, kills = 2000, 4
	}
	crashDelayed(t, n, kills)
}

// TestCrashDelayedLabelsLong: 16 kills during 30,000 examples and their
// labels. STREAMSGD_CRASH_LONG=1 (make crash).
func TestCrashDelayedLabelsLong(t *testing.T) {
	longOnly(t)
	crashDelayed(t, 30000, 16)
}

func crashDelayed(t *testing.T, n, kills int) {
	const partitions, sensors = 3, 12
	began := time.Now()
	brokers := cluster(t)
	adm := admin(t, brokers)
	bin := buildCLI(t)
	input := inputTopic(t, brokers, "crash-delayed-features", partitions)
	labels := inputTopic(t, brokers, "crash-delayed-labels", partitions)
	s := makeDelayedStream(n, sensors, partitions, crashSeed, false)
	name := unique("crash-delayed")
	yaml := delayedYAML(name, input, labels, partitions, 45, false)
	config := writeFile(t, "crash-delayed.yaml", []byte(yaml))
	p := pipeline(t, brokers, config, yaml)
	dc := &delayedCrasher{t: t, bin: bin, config: config, brokers: brokers, adm: adm, p: p,
		stateDir: t.TempDir(), rng: rand.New(rand.NewPCG(killSeed(t), 2))}
	models := []string{"per_sensor", "global"}

	// The early labels, held by the join before any features come.
	steady := startProc(t, bin, config, brokers, dc.stateDir, "steady-0")
	produceRecords(t, brokers, labels, s.lkeys[:s.early], s.lvalues[:s.early])
	ids := map[string]bool{}
	for _, k := range s.lkeys[:s.early] {
		ids[string(k)] = true
	}
	waitEntries(t, brokers, p, len(ids), 2*time.Minute)
	steady.stop()

	// The features, during kills, until all are predicted.
	produced := producePaced(t, brokers, input, s.fkeys, s.fvalues, time.Duration(kills/2)*crashRoundTime)
	for k := 0; k < kills/2; k++ {
		dc.round(k, string(p.Topics.Predictions))
	}
	produced()
	steady = startProc(t, bin, config, brokers, dc.stateDir, "steady-1")
	seen := predictions(t, brokers, p, len(s.ids), 3*time.Minute)
	repeated := 0
	for _, m := range models {
		if len(seen[m]) != len(s.ids) {
			t.Fatalf("model %s: %d examples predicted, want %d", m, len(seen[m]), len(s.ids))
		}
		for _, c := range seen[m] {
			repeated += c - 1
		}
	}
	steady.stop()
	if repeated == 0 {
		t.Errorf("the kills caused no redelivery of features: the test exercised nothing")
	}

	// The other labels, during kills.
	produced = producePaced(t, brokers, labels, s.lkeys[s.early:], s.lvalues[s.early:], time.Duration(kills-kills/2)*crashRoundTime)
	for k := kills / 2; k < kills; k++ {
		dc.round(k, string(p.Topics.Examples))
	}
	produced()

	pairs := endOffsets(t, adm, string(p.Topics.Examples))
	survivor := startProc(t, bin, config, brokers, dc.stateDir, "survivor")
	c := waitDelayed(t, brokers, p, s, models, 4*time.Minute)
	survivor.stop()
	for _, e := range c.check(s, models) {
		t.Error(e)
	}
	checkSensors(t, brokers, p, s, c.expired)
	_, gone := s.expect(models, c.expired)
	t.Logf("%d examples, %d label records, %d kills: %d predictions repeated, %d pair records written by the killed processes for %d pairs; %d examples expired before their labels came; learned %v, dead letters %v; took %v",
		n, len(s.lkeys), kills, repeated, pairs, 2*len(s.learned), gone, c.learned, c.dead, time.Since(began).Round(time.Millisecond))
}

// delayedCrasher runs and kills the processes of a delayed-label pipeline.
type delayedCrasher struct {
	t        *testing.T
	bin      string
	config   string
	brokers  []string
	adm      *kadm.Client
	p        *topology.Pipeline
	stateDir string
	rng      *rand.Rand
}

// round k runs every group in one process and kills it with SIGKILL
// 0.3–2 s after watched grew (even rounds) or after it started (odd
// rounds); every third round deletes the local state first.
func (c *delayedCrasher) round(k int, watched string) {
	t := c.t
	t.Helper()
	if k%3 == 2 {
		if err := os.RemoveAll(c.stateDir); err != nil {
			t.Fatal(err)
		}
	}
	id := fmt.Sprintf("victim-%d", k)
	victim := startProc(t, c.bin, c.config, c.brokers, c.stateDir, id)
	started := time.Now()
	from := endOffsets(t, c.adm, watched)
	if k%2 == 0 && !waitGrowth(t, c.adm, watched, from, 10*time.Second, victim) {
		t.Logf("round %d: %s did not grow within 10s", k, watched)
	}
	time.Sleep(300*time.Millisecond + time.Duration(c.rng.Int64N(int64(1700*time.Millisecond))))
	if victim.exited() {
		t.FailNow()
	}
	victim.kill()
	tp := c.p.Topics
	evict(t, c.brokers, id, string(tp.RouteGroup), string(tp.JoinGroup), string(tp.LearnGroup), string(tp.CheckpointGroup))
	t.Logf("round %d (wipe %v): killed %v after start, %s %d -> %d", k, k%3 == 2,
		time.Since(started).Round(time.Millisecond), watched, from, endOffsets(t, c.adm, watched))
}

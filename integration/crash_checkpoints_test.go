package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/registry"
	"github.com/streamsgd/streamsgd/topology"
)

// pendingYAML versions its models only by the idle trigger (idle seconds
// after the last state of a key): every state after a key's first waits
// in the checkpoint group's memory until then.
func pendingYAML(name, input string, idle int) string {
	return fmt.Sprintf(`
name: %s
partitions: 2
input:
  topics: [%s]
  columns: [sensor, y, x0, x1, x2]
  features: [x0, x1, x2]
  label: {from: column, column: y}
models:
  - name: per_sensor
    task: regression
    key: sensor
    optimizer: {name: sgd, learning_rate: 0.05}
    checkpoints: {every_rows: 1000000, every_seconds: 3600, idle_seconds: %d}
  - name: global
    task: regression
    optimizer: {name: adam, learning_rate: 0.01}
    checkpoints: {every_rows: 1000000, every_seconds: 3600, idle_seconds: %d}
`, name, input, idle, idle)
}

// TestCrashCheckpointsLong: a key that stops learning gets a version of
// its last state by the idle trigger even when the run that read that
// state is killed (kill -9) or stopped before the trigger fired: the
// restarted run reads the state again and versions it. Before, pending
// states lived only in the memory of the run that read them, and such a
// key kept its older version for good.
func TestCrashCheckpointsLong(t *testing.T) {
	longOnly(t)
	const (
		idle    = 12 // seconds; a run is stopped well within it
		sensors = 4
		first   = 1500 // rows before the kill
		second  = 500  // rows before the clean stop
	)
	brokers := cluster(t)
	bin := buildCLI(t)
	name, input := unique("ckkill"), unique("ckkill-in")
	if err := operations.CreateTopic(context.Background(), admin(t, brokers), input, 2, 1); err != nil {
		t.Fatal(err)
	}
	yaml := pendingYAML(name, input, idle)
	p := pipeline(t, brokers, "ckkill.yaml", yaml)
	file := writeFile(t, "ckkill.yaml", []byte(yaml))
	c, err := registry.New(p, brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	keys, values := sensorCSV(first+second, sensors, 7)

	// kill -9 with every key's last state pending.
	produceRecords(t, brokers, input, keys[:first], values[:first])
	a := startRun(t, bin, file, brokers, t.TempDir(), "a")
	live := awaitLearned(t, brokers, p, "global", first, a)
	// Past the consumer's commit interval (1 s): the checkpoint group has
	// committed what it read, as a run that goes on does.
	time.Sleep(3 * time.Second)
	a.kill()
	stale := staleKeys(t, c, live)
	if len(stale) == 0 {
		t.Fatalf("every key had a version of its last state %ds after it was read: the kill came too late to test anything", idle)
	}
	t.Logf("killed with %d of %d keys' last states not versioned: %v", len(stale), len(live), stale)
	b := startRun(t, bin, file, brokers, t.TempDir(), "b")
	awaitVersioned(t, c, live, 2*idle*time.Second+time.Minute, b)

	// A clean stop (SIGTERM) with every key's last state pending.
	produceRecords(t, brokers, input, keys[first:], values[first:])
	live = awaitLearned(t, brokers, p, "global", first+second, b)
	time.Sleep(3 * time.Second)
	b.stop()
	if len(staleKeys(t, c, live)) == 0 {
		t.Fatalf("every key had a version of its last state %ds after it was read: the stop came too late to test anything", idle)
	}
	c2 := startRun(t, bin, file, brokers, t.TempDir(), "c")
	awaitVersioned(t, c, live, 2*idle*time.Second+time.Minute, c2)
	c2.stop()
}

// awaitLearned waits until key's state in the learn table has learned
// rows, and returns the rows of every key's newest state.
func awaitLearned(t *testing.T, brokers []string, p *topology.Pipeline, key string, rows int64, ps ...*proc) map[string]int64 {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		live := map[string]int64{}
		for k, states := range learnHistory(t, brokers, p) {
			for r := range states {
				live[k] = max(live[k], r)
			}
		}
		if live[key] == rows {
			return live
		}
		for _, pr := range ps {
			if pr.exited() {
				t.Fatalf("%s exited\n%s", pr.id, pr.stderr)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("key %s: %d rows learned after 2 minutes, want %d", key, live[key], rows)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// registries reads every key's registry.
func registries(t *testing.T, c *registry.Client) map[string]*table.Registry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	regs, err := c.Registries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return regs
}

// staleKeys lists the keys whose newest version has fewer rows than live.
func staleKeys(t *testing.T, c *registry.Client, live map[string]int64) []string {
	t.Helper()
	regs := registries(t, c)
	var out []string
	for k, rows := range live {
		if v := regs[k].Latest(); v == nil || v.Rows != rows {
			out = append(out, k)
		}
	}
	return out
}

// awaitVersioned waits until every key's newest version has its live rows.
func awaitVersioned(t *testing.T, c *registry.Client, live map[string]int64, within time.Duration, ps ...*proc) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		stale := staleKeys(t, c, live)
		if len(stale) == 0 {
			return
		}
		for _, pr := range ps {
			if pr.exited() {
				t.Fatalf("%s exited\n%s", pr.id, pr.stderr)
			}
		}
		if time.Now().After(deadline) {
			regs := registries(t, c)
			for _, k := range stale {
				if v := regs[k].Latest(); v != nil {
					t.Errorf("key %s: newest version %d of %d rows, live state of %d rows", k, v.ID, v.Rows, live[k])
				} else {
					t.Errorf("key %s: no version, live state of %d rows", k, live[k])
				}
			}
			t.FailNow()
		}
		time.Sleep(500 * time.Millisecond)
	}
}

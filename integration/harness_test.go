package integration

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/broker"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/topology"
)

// cluster returns bootstrap brokers: STREAMSGD_BROKERS, or a fresh embedded
// broker on a free port for this test.
func cluster(t *testing.T) []string {
	t.Helper()
	if env := os.Getenv("STREAMSGD_BROKERS"); env != "" {
		return strings.Split(env, ",")
	}
	b, err := broker.Start(broker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addrs()
}

// unique prefixes names so that runs against a shared cluster never meet.
func unique(name string) string {
	return fmt.Sprintf("%s-%d", name, time.Now().UnixNano()%1e9)
}

func admin(t *testing.T, brokers []string) *kadm.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl)
}

// sensorCSV makes rows "sensor,y,x0,x1,x2" of per-sensor linear models,
// keyed by sensor so that each sensor's rows stay in one partition in order.
func sensorCSV(rows, sensors int, seed uint64) (keys, values [][]byte) {
	r := rand.New(rand.NewPCG(seed, 7))
	for i := 0; i < rows; i++ {
		s := r.IntN(sensors)
		x := [3]float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
		y := float64(s%5) + 0.5*x[0] - float64(s%3)*x[1] + 0.25*x[2] + 0.1*r.NormFloat64()
		keys = append(keys, []byte(fmt.Sprintf("s%03d", s)))
		values = append(values, []byte(fmt.Sprintf("s%03d,%g,%g,%g,%g", s, y, x[0], x[1], x[2])))
	}
	return keys, values
}

// sensorYAML is the pipeline config of the sensor data: a per-sensor model
// keyed by the sensor column and a global one.
func sensorYAML(name, input string, partitions int) string {
	return fmt.Sprintf(`
name: %s
partitions: %d
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
    metrics: {window: 100, buckets: 5, emit_every: 50}
  - name: global
    task: regression
    optimizer: {name: adam, learning_rate: 0.01}
    metrics: {window: 1000, buckets: 5, emit_every: 500}
`, name, partitions, input)
}

func sensorConfig(name, input string, partitions int) *config.Pipeline {
	cfg, err := config.Parse([]byte(sensorYAML(name, input, partitions)), name+".yaml")
	if err != nil {
		panic(err)
	}
	return cfg
}

func produceRecords(t *testing.T, brokers []string, topic string, keys, values [][]byte, opts ...kgo.Opt) {
	t.Helper()
	cl, err := kafkaclient.NewClient(brokers, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	for i := range values {
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: keys[i], Value: values[i]}, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Errorf("produce: %v", err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// instance is one running copy of a pipeline's processors.
type instance struct {
	t      *testing.T
	id     string
	cancel context.CancelFunc
	done   chan error
	err    error
	ended  bool
	// restarts counts the in-process restarts of its run after a fault
	// (operations.Run heals): in a test that causes no fault, a restart
	// is a failure that healing would otherwise hide.
	restarts atomic.Int64
}

func start(t *testing.T, p *topology.Pipeline, brokers []string, id string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{t: t, id: id, cancel: cancel, done: make(chan error, 1)}
	dir := t.TempDir()
	go func() {
		in.done <- operations.Run(ctx, p, operations.RunOptions{Brokers: brokers, StateDir: dir, ClientID: id,
			Restarted: func(e operations.RestartEvent) {
				in.restarts.Add(1)
				t.Errorf("instance %s: %v", id, e)
			}})
	}()
	t.Cleanup(in.stop)
	return in
}

// stop cancels the instance and waits for it; an error other than the
// cancellation fails the test.
func (in *instance) stop() {
	in.cancel()
	if in.ended {
		return
	}
	select {
	case err := <-in.done:
		in.end(err)
	case <-time.After(90 * time.Second):
		in.t.Errorf("instance %s did not stop within 90s", in.id)
	}
}

func (in *instance) end(err error) {
	in.ended = true
	if err != nil && !errors.Is(err, context.Canceled) {
		in.err = err
		in.t.Errorf("instance %s: %v", in.id, err)
	}
}

// failed reports whether the instance stopped by itself with an error or
// had to restart its run.
func (in *instance) failed() bool {
	if in.restarts.Load() > 0 {
		return true
	}
	if in.ended {
		return in.err != nil
	}
	select {
	case err := <-in.done:
		in.end(err)
		return in.err != nil
	default:
		return false
	}
}

// predictions consumes a predictions topic until want distinct ids were
// seen per model (or the deadline), returning how often each id was seen.
func predictions(t *testing.T, brokers []string, p *topology.Pipeline, want int, deadline time.Duration, ins ...*instance) map[string]map[string]int {
	t.Helper()
	dec, err := wire.PredictionCodec(p.Config.Output.Predictions)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(string(p.Topics.Predictions)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	seen := map[string]map[string]int{}
	for _, m := range p.Models {
		seen[m.Name] = map[string]int{}
	}
	end := time.Now().Add(deadline)
	for time.Now().Before(end) && !complete(seen, want) {
		for _, in := range ins {
			if in.failed() {
				t.FailNow()
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(ctx)
		cancel()
		for it := fs.RecordIter(); !it.Done(); {
			v, err := dec.Decode(it.Next().Value)
			if err != nil {
				t.Fatalf("decode prediction: %v", err)
			}
			for _, pr := range v.(*wire.PredictionBatch).Predictions {
				seen[pr.Model][pr.ID]++
			}
		}
	}
	return seen
}

func complete(seen map[string]map[string]int, want int) bool {
	for _, ids := range seen {
		if len(ids) < want {
			return false
		}
	}
	return true
}

// tableStates reads a learn table's changelog to its end: the last state
// of every key.
func tableStates(t *testing.T, brokers []string, p *topology.Pipeline) map[string]*table.ModelState {
	t.Helper()
	return readStates(t, brokers, p, string(p.Topics.LearnTable))
}

// readStates reads the changelog of a table of model states (the learn or
// the merge table) to its end: the last state of every key.
func readStates(t *testing.T, brokers []string, p *topology.Pipeline, topic string) map[string]*table.ModelState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := map[string]*table.ModelState{}
	err := operations.ScanTable(ctx, brokers, nil, topic, func(r *kgo.Record) error {
		if r.Value == nil {
			delete(out, string(r.Key))
			return nil
		}
		v, err := p.StateCodec.Decode(r.Value)
		if err != nil {
			return fmt.Errorf("decode state %q: %w", r.Key, err)
		}
		out[string(r.Key)] = v.(*table.ModelState)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

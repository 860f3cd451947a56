package main

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

// Per-entity models at scale (issue 4, point 5): one small regression model
// per sensor, -rows sensors (1,000,000 by default), every sensor seen
// perEntityPasses times. The processors run in a child process (as
// `streamsgd run`, GOGC as -gogc) so that their peak resident memory is
// measured alone, without the bench's producer and counter or the broker.
const perEntityPasses = 2

// perEntityMemLimit is the processors' GOMEMLIMIT: a soft limit on the Go
// runtime's memory (which, in a pure Go build as `make build`, holds
// pebble's block caches and memtables too). Without one, at -gogc 400 the
// heap grows to 5x its live data before a collection.
const perEntityMemLimit = "768MiB"

// perEntityState sizes the stores of a table of 1M keys: 16 MiB of cache
// and 16 MiB memtables per partition, the sizes every store had before
// state.memory_mb (whose default, 64 MiB for all of them, is sized for
// tables of thousands of keys), so that the figures stay comparable.
const perEntityState = "state: {cache_mb: 16, memtable_mb: 16}\n"

// sensorFeatures is the width of the sensor stream: as SUSY's.
const sensorFeatures = 18

func perEntity(ctx context.Context, o options) ([]result, error) {
	// The broker keeps every record in memory (~5 GB for 1M sensors): its
	// GOGC is 100, not -gogc, lest its heap outgrow the machine.
	brokers, closeBroker, err := benchBrokers(o, "GOGC=100")
	if err != nil {
		return nil, err
	}
	defer closeBroker()
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	keys := o.rows
	suffix := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	input := "bench-sensors-" + suffix
	if err := operations.CreateTopic(ctx, adm, input, partitions, 1); err != nil {
		return nil, err
	}
	order := newSensorOrder(keys)
	rows := keys * perEntityPasses
	start := time.Now()
	if err := produceSensors(ctx, cl, input, rows, order.sensor); err != nil {
		return nil, err
	}
	prod := result{name: "produce input (franz-go), per-sensor rows", rows: rows, elapsed: time.Since(start),
		note: fmt.Sprintf("%d sensors x %d rows, keyed by sensor", keys, perEntityPasses)}
	yaml := sensorYAML("bench-entity-"+suffix, input, o.stateMemoryMB)
	if o.stateMemoryMB <= 0 {
		yaml += perEntityState
	}
	run, err := runPipelineChild(ctx, brokers, adm, yaml, rows, pipelineChildOptions{
		HeapProfile: os.Getenv("STREAMSGD_BENCH_HEAPPROFILE"),
		CPUProfile:  os.Getenv("STREAMSGD_BENCH_CPUPROFILE"),
		Env:         []string{"GOMEMLIMIT=" + perEntityMemLimit},
	})
	if err != nil {
		return nil, err
	}
	res := run.result
	res.name = fmt.Sprintf("per-entity: %d models (regression, %d features)", keys, sensorFeatures)
	res.note = fmt.Sprintf("peak RSS %s of the processors' process (target < 1 GiB) with GOMEMLIMIT=%s, Go heap in use %s at stop; store %s on disk; %s; %s",
		mib(run.stats.maxRSS), perEntityMemLimit, mib(int64(run.stats.mem.HeapInuse)), mib(run.storeBytes), res.note, buildKind)
	floor, err := perEntityFloor(ctx, o, yaml, rows, order.sensor)
	if err != nil {
		return nil, err
	}
	floor.note = fmt.Sprintf("%.2fx of it is streamsgd's rate; %s", res.rate()/floor.rate(), floor.note)
	return []result{prod, res, floor}, nil
}

// perEntityFloor measures gokaTableFloor on the same sensor rows, on a
// fresh embedded broker of its own (or, with STREAMSGD_BROKERS, a topic of
// its own), with the stores sized as the pipeline's (yaml).
func perEntityFloor(ctx context.Context, o options, yaml string, rows int64, sensorOf func(int64) int64) (result, error) {
	cfg, err := config.Parse([]byte(yaml), "bench.yaml")
	if err != nil {
		return result{}, err
	}
	p, err := topology.Build(cfg)
	if err != nil {
		return result{}, err
	}
	size, err := processors.EncodedStateSize(p.Models[0], p.Models[0].Name+"/s"+strconv.FormatInt(rows/perEntityPasses, 10))
	if err != nil {
		return result{}, err
	}
	brokers, closeBroker, err := benchBrokers(o, "GOGC=100")
	if err != nil {
		return result{}, err
	}
	defer closeBroker()
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		return result{}, err
	}
	defer cl.Close()
	suffix := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	input := "bench-sensors-floor-" + suffix
	if err := operations.CreateTopic(ctx, kadm.NewClient(cl), input, partitions, 1); err != nil {
		return result{}, err
	}
	if err := produceSensors(ctx, cl, input, rows, sensorOf); err != nil {
		return result{}, err
	}
	dir, err := os.MkdirTemp("", "streamsgd-bench-floor-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	return gokaTableFloor(ctx, brokers, input, rows, size, operations.StoreOptions(p, dir), suffix)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// benchBrokers returns the brokers of a scenario: STREAMSGD_BROKERS, or a
// fresh embedded broker in a child process (env added to its environment),
// closed by the returned func.
func benchBrokers(o options, env ...string) ([]string, func(), error) {
	if len(o.brokers) > 0 {
		return o.brokers, func() {}, nil
	}
	b, err := startChildBroker(env...)
	if err != nil {
		return nil, nil, err
	}
	return b.addrs, b.Close, nil
}

// sensorOrder visits every sensor once per pass, in an order that spreads
// consecutive rows over sensors (a stride coprime with the sensor count),
// shifted at every pass.
type sensorOrder struct{ n, stride int64 }

func newSensorOrder(n int64) sensorOrder {
	stride := int64(7919)
	for gcd(stride, n) != 1 {
		stride++
	}
	return sensorOrder{n: n, stride: stride % n}
}

func (s sensorOrder) sensor(i int64) int64 {
	pass, j := i/s.n, i%s.n
	return (j*s.stride + pass*104729) % s.n
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// sensorRows makes the rows of the sensor stream: "sensor,y,f0,...,f17"
// where y is a linear function of the features, with weights and bias of
// the sensor's own, plus noise.
type sensorRows struct {
	rng *rand.Rand
	x   [sensorFeatures]float64
}

func newSensorRows(seed uint64) *sensorRows {
	return &sensorRows{rng: rand.New(rand.NewPCG(seed, 11))}
}

// appendRow appends the sensor's name to key and its CSV line to line.
func (g *sensorRows) appendRow(key, line []byte, sensor int64) ([]byte, []byte) {
	key = append(key, 's')
	key = strconv.AppendInt(key, sensor, 10)
	y := float64(sensor%7) - 3 + 0.1*g.rng.NormFloat64()
	for i := range g.x {
		g.x[i] = g.rng.NormFloat64()
		y += float64((sensor+7*int64(i))%9-4) / 4 * g.x[i]
	}
	line = append(line, key...)
	line = append(line, ',')
	line = strconv.AppendFloat(line, y, 'f', 4, 64)
	for _, v := range g.x {
		line = append(line, ',')
		line = strconv.AppendFloat(line, v, 'f', 4, 64)
	}
	return key, line
}

// produceSensors writes rows rows of the sensor stream, row i for sensor
// sensorOf(i), keyed by sensor, and waits until all are acknowledged.
func produceSensors(ctx context.Context, cl *kgo.Client, topic string, rows int64, sensorOf func(int64) int64) error {
	g := newSensorRows(1)
	errs := make(chan error, 1)
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			select {
			case errs <- err:
			default:
			}
		}
	}
	for i := range rows {
		key, line := g.appendRow(nil, nil, sensorOf(i))
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: key, Value: line}, done)
	}
	if err := cl.Flush(ctx); err != nil {
		return fmt.Errorf("produce %s: %w", topic, err)
	}
	select {
	case err := <-errs:
		return fmt.Errorf("produce %s: %w", topic, err)
	default:
		return nil
	}
}

// sensorYAML is the per-sensor pipeline: one small linear regression per
// sensor (plain SGD, online standardisation), keyed by the sensor column.
func sensorYAML(name, input string, memoryMB int) string {
	fs := make([]string, sensorFeatures)
	for i := range fs {
		fs[i] = "f" + strconv.Itoa(i)
	}
	features := strings.Join(fs, ", ")
	return fmt.Sprintf(`
name: %s
partitions: %d
input:
  topics: [%s]
  columns: [sensor, y, %s]
  features: [%s]
  label: {from: column, column: y}
models:
  - name: per_sensor
    task: regression
    key: sensor
    optimizer: {name: sgd, learning_rate: 0.02}
    metrics: {window: 100, buckets: 5, emit_every: 1000}
`, name, partitions, input, features, features) + stateSection(memoryMB)
}

// stateSection is the pipeline's state section giving the stores memoryMB
// (-state-memory-mb), or none (the default, state.memory_mb's) for 0.
func stateSection(memoryMB int) string {
	if memoryMB <= 0 {
		return ""
	}
	return fmt.Sprintf("state: {memory_mb: %d}\n", memoryMB)
}

// childRun is one run of a pipeline child over an input.
type childRun struct {
	result     result
	stats      childStats
	peakRSS    int64    // highest VmRSS sampled while it ran
	storeBytes int64    // size of its state dir when it stopped
	topics     []string // the topics the pipeline created
}

// runPipelineChild creates the pipeline's topics, runs its processors in a
// child process until the predictions of rows rows are acknowledged, and
// stops it. As in streamsgd(), the rate is measured from the first
// prediction on; the start-up goes in the note.
func runPipelineChild(ctx context.Context, brokers []string, adm *kadm.Client, yaml string, rows int64, co pipelineChildOptions) (childRun, error) {
	var run childRun
	cfg, err := config.Parse([]byte(yaml), "bench.yaml")
	if err != nil {
		return run, err
	}
	p, err := topology.Build(cfg)
	if err != nil {
		return run, err
	}
	if err := operations.EnsureTopics(ctx, adm, p); err != nil {
		return run, err
	}
	for _, t := range p.Topics.Created() {
		run.topics = append(run.topics, t.Name)
	}
	dir, err := os.MkdirTemp("", "streamsgd-bench-")
	if err != nil {
		return run, err
	}
	defer os.RemoveAll(dir)
	co.Brokers, co.Config, co.StateDir, co.ClientID = brokers, yaml, dir, "bench"
	begin := time.Now()
	child, err := startPipelineChild(co)
	if err != nil {
		return run, err
	}
	defer child.kill() // no-op once stopped
	counted := make(chan progress, 64)
	cctx, stopCount := context.WithCancel(ctx)
	defer stopCount()
	go countPredictions(cctx, brokers, string(p.Topics.Predictions), counted)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var t1 time.Time
	var n1 int64
	for {
		var pr progress
		select {
		case <-child.exited():
			return run, child.failed()
		case <-tick.C:
			if rss, err := child.rss(); err == nil {
				run.peakRSS = max(run.peakRSS, rss)
			}
			continue
		case pr = <-counted:
		}
		if pr.err != nil {
			return run, pr.err
		}
		if t1.IsZero() {
			t1, n1 = pr.at, pr.rows
		}
		if pr.rows >= rows {
			run.result = result{rows: rows - n1, elapsed: pr.at.Sub(t1), note: fmt.Sprintf("start-up %.1fs", t1.Sub(begin).Seconds())}
			break
		}
	}
	if rss, err := child.rss(); err == nil {
		run.peakRSS = max(run.peakRSS, rss)
	}
	if run.stats, err = child.stop(); err != nil {
		return run, err
	}
	run.storeBytes, err = dirSize(dir)
	return run, err
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	return n, err
}

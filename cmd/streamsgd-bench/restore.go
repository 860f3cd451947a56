package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/topology"
)

// restoreTrials of the restore; the table reports the median.
const restoreTrials = 3

// restoreBench measures `streamsgd restore`: a learn table of -rows
// records (one per-entity model state per key, all keys distinct, so that
// compaction removes nothing and every record is read) is restored three
// times into an empty state directory by operations.Restore (goka views on
// the pebble stores, as run uses). The states are produced straight into
// the table's changelog with franz-go (goka's partitioner), encoded by the
// pipeline's StateCodec: running the pipeline over a million entities
// would take minutes for the same table.
func restoreBench(ctx context.Context, o options) ([]result, error) {
	brokers := o.brokers
	if len(brokers) == 0 {
		b, err := startChildBroker()
		if err != nil {
			return nil, err
		}
		defer b.Close()
		brokers = b.addrs
	}
	name := fmt.Sprintf("bench-restore-%d", time.Now().Unix()%100000)
	p, err := restorePipeline(name)
	if err != nil {
		return nil, err
	}
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if err := operations.CreateTopic(ctx, adm, p.Config.Input.Topics[0], partitions, 1); err != nil {
		return nil, err
	}
	if err := operations.EnsureTopics(ctx, adm, p); err != nil {
		return nil, err
	}
	start := time.Now()
	bytes, err := fillTable(ctx, cl, p, o.rows)
	if err != nil {
		return nil, err
	}
	fill := result{name: "fill learn table (franz-go, ModelStates)", rows: o.rows, elapsed: time.Since(start),
		note: fmt.Sprintf("%d distinct keys, %d B per value, %d partitions", o.rows, bytes/max(o.rows, 1), partitions)}
	var trials []result
	for range restoreTrials {
		r, err := restoreOnce(ctx, brokers, p, o.rows)
		if err != nil {
			return nil, err
		}
		trials = append(trials, r)
	}
	res := median(trials)
	res.note += "; table topic: " + topicConfig(ctx, adm, string(p.Topics.LearnTable))
	return []result{fill, res}, nil
}

// restorePipeline is a pipeline with one per-entity regression model
// (3 features, SGD): small states, as with one model per sensor.
func restorePipeline(name string) (*topology.Pipeline, error) {
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
name: %s
partitions: %d
input:
  topics: [%s.in]
  columns: [entity, y, x0, x1, x2]
  features: [x0, x1, x2]
  label: {from: column, column: y}
models:
  - name: per_entity
    task: regression
    key: entity
    optimizer: {name: sgd, learning_rate: 0.05}
    metrics: {window: 20, buckets: 4, emit_every: 1000}
`, name, partitions, name)), name+".yaml")
	if err != nil {
		return nil, err
	}
	return topology.Build(cfg)
}

// fillTable produces n model states with distinct entity keys into the
// learn table's changelog and returns the bytes of values written. The
// i-th state holds one model after i+1 rows (one learner learning on, so
// that the values differ without building a million learners).
func fillTable(ctx context.Context, cl *kgo.Client, p *topology.Pipeline, n int64) (int64, error) {
	spec := p.Models[0]
	topic := string(p.Topics.LearnTable)
	m, err := model.New(spec.Model)
	if err != nil {
		return 0, err
	}
	w, err := metrics.NewWindow(spec.Window)
	if err != nil {
		return 0, err
	}
	var bytes int64
	errs := make(chan error, 1)
	for i := range n {
		x := float64(i%1000) / 1000
		if err := m.Learn([]float64{x, 1, -x}, 0.5*x); err != nil {
			return 0, err
		}
		key := table.EntityKey(spec.Name, fmt.Sprintf("e%08d", i))
		st := &table.ModelState{Model: spec.Name, Key: key, Learner: m, Window: w, Rows: i + 1, NextEmit: spec.EmitEvery}
		v, err := p.StateCodec.Encode(st)
		if err != nil {
			return 0, err
		}
		bytes += int64(len(v))
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(key), Value: v}, func(_ *kgo.Record, err error) {
			if err != nil {
				select {
				case errs <- err:
				default:
				}
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, err
	}
	select {
	case err := <-errs:
		return 0, fmt.Errorf("fill %s: %w", topic, err)
	default:
	}
	return bytes, nil
}

// restoreOnce restores the learn table into an empty directory.
func restoreOnce(ctx context.Context, brokers []string, p *topology.Pipeline, want int64) (result, error) {
	dir, err := os.MkdirTemp("", "streamsgd-bench-restore-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	cpu := processCPU()
	rep, err := operations.Restore(ctx, p, operations.RestoreOptions{RunOptions: operations.RunOptions{
		Brokers: brokers, StateDir: dir, Groups: []goka.Group{p.Topics.LearnGroup},
	}})
	if err != nil {
		return result{}, err
	}
	var t operations.TableRestore
	for _, tr := range rep.Tables {
		if tr.Table == p.Topics.LearnTable {
			t = tr
		}
	}
	cpu = processCPU() - cpu
	if t.Records != want {
		return result{}, fmt.Errorf("restored %d records of %s, want %d", t.Records, p.Topics.LearnTable, want)
	}
	return result{name: "restore learn table into an empty dir", rows: t.Records, elapsed: t.Elapsed,
		note: fmt.Sprintf("recovered in %.2fs, stores closed (memtables flushed) at %.2fs, %.2fs with metadata; %.2f µs CPU/record in this process",
			t.Recovered.Seconds(), t.Elapsed.Seconds(), rep.Elapsed.Seconds(), float64(cpu.Microseconds())/float64(max(t.Records, 1)))}, nil
}

// topicConfig describes the compaction settings of a table topic as the
// broker reports them (the keys of operations.TableTopicConfig, falling back
// to what streamsgd asks for), and the broker's cleaner interval.
func topicConfig(ctx context.Context, adm *kadm.Client, topic string) string {
	want := operations.TableTopicConfig()
	got := map[string]string{}
	if rcs, err := adm.DescribeTopicConfigs(ctx, topic); err == nil {
		for _, rc := range rcs {
			for _, c := range rc.Configs {
				if _, ok := want[c.Key]; ok && c.Value != nil {
					got[c.Key] = *c.Value
				}
			}
		}
	}
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		v, ok := got[k]
		if !ok {
			v = want[k] + " (asked)"
		}
		kv = append(kv, k+"="+v)
	}
	if rcs, err := adm.DescribeBrokerConfigs(ctx); err == nil {
		for _, rc := range rcs {
			for _, c := range rc.Configs {
				if c.Key == "log.cleaner.backoff.ms" && c.Value != nil {
					kv = append(kv, "broker log.cleaner.backoff.ms="+*c.Value)
				}
			}
		}
	}
	return strings.Join(kv, " ")
}

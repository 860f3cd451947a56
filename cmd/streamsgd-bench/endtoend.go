package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/produce"
	"github.com/streamsgd/streamsgd/topology"
)

const partitions = 4

// trials of each message shape; the table reports medians.
const trials = 3

// endToEnd runs one message shape several times, each trial on a fresh
// embedded broker in a child process (unless STREAMSGD_BROKERS is set):
// produce the input, measure the franz-go ceiling on it, then streamsgd on
// the same topic.
func endToEnd(ctx context.Context, o options, rowsPerMessage int) ([]result, error) {
	var prods, ceils, floors, dags, sgds []result
	for i := range trials {
		t, err := trial(ctx, o, rowsPerMessage, i)
		if err != nil {
			return nil, err
		}
		prods, ceils, floors, dags, sgds = append(prods, t.prod), append(ceils, t.ceil), append(floors, t.floor), append(dags, t.dag), append(sgds, t.sgd)
	}
	prod, ceil, floor, dag, sgd := median(prods), median(ceils), median(floors), median(dags), median(sgds)
	ceil.note += "; same broker, same topic"
	floor.note = fmt.Sprintf("%s ceiling; %s", ratioRange(floors, ceils), floor.note)
	dag.note = fmt.Sprintf("%s ceiling; %s", ratioRange(dags, ceils), dag.note)
	sgd.note = fmt.Sprintf("%s ceiling, %s goka floor, %s two-stage floor; %s", ratioRange(sgds, ceils), ratioRange(sgds, floors), ratioRange(sgds, dags), sgd.note)
	return []result{prod, ceil, floor, dag, sgd}, nil
}

// ratioRange is the median and range of the per-trial ratios of a's rates
// to b's.
func ratioRange(a, b []result) string {
	ratios := make([]float64, len(a))
	for i := range ratios {
		ratios[i] = a[i].rate() / b[i].rate()
	}
	slices.Sort(ratios)
	return fmt.Sprintf("%.2fx (per trial %.2f-%.2f)", ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1])
}

// trialResults are one trial's rows of the table.
type trialResults struct{ prod, ceil, floor, dag, sgd result }

// median returns the median result by rate, its note giving the range.
func median(rs []result) result {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.rate(), b.rate()) })
	m := rs[len(rs)/2]
	note := fmt.Sprintf("median of %d (%.0f-%.0f rows/s)", len(rs), rs[0].rate(), rs[len(rs)-1].rate())
	if m.note != "" {
		note += "; " + m.note
	}
	m.note = note
	return m
}

// trial produces the input, measures the franz-go ceiling and the goka
// floors on it, then streamsgd on the same topic.
func trial(ctx context.Context, o options, rowsPerMessage, n int) (res trialResults, err error) {
	brokers := o.brokers
	if len(brokers) == 0 {
		b, err := startChildBroker()
		if err != nil {
			return res, err
		}
		defer b.Close()
		brokers = b.addrs
	}
	suffix := fmt.Sprintf("%d-%d-%d", rowsPerMessage, n, time.Now().Unix()%100000)
	input := "bench-in-" + suffix
	cl, err := kafkaclient.NewClient(brokers)
	if err != nil {
		return res, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if err := operations.CreateTopic(ctx, adm, input, partitions, 1); err != nil {
		return res, err
	}
	labelIn := produce.LabelInKey
	if rowsPerMessage > 1 {
		labelIn = produce.LabelInValue
	}
	start := time.Now()
	st, err := produce.Run(ctx, cl, produce.NewSynthetic(1, o.rows), produce.Options{Topic: input, LabelIn: labelIn, RowsPerMessage: rowsPerMessage})
	if err != nil {
		return res, err
	}
	shape := fmt.Sprintf("%d-row msgs", rowsPerMessage)
	res.prod = result{name: "produce input (franz-go), " + shape, rows: st.Rows, elapsed: time.Since(start)}
	if res.ceil, err = ceiling(ctx, brokers, adm, input, "bench-ceiling-"+suffix, st); err != nil {
		return res, err
	}
	if res.floor, err = gokaFloor(ctx, brokers, input, st.Messages, st.Rows, suffix); err != nil {
		return res, err
	}
	cfg, err := benchConfig("bench"+suffix, input, rowsPerMessage)
	if err != nil {
		return res, err
	}
	if res.dag, err = dagFloor(ctx, brokers, adm, cfg, st, suffix); err != nil {
		return res, err
	}
	res.sgd, err = streamsgd(ctx, brokers, adm, cfg, st, false)
	return res, err
}

// dagFloor measures gokaDAGFloor on the input of cfg's pipeline, with
// table values the size of its model's encoded state.
func dagFloor(ctx context.Context, brokers []string, adm *kadm.Client, cfg *config.Pipeline, st produce.Stats, suffix string) (result, error) {
	p, err := topology.Build(cfg)
	if err != nil {
		return result{}, err
	}
	size, err := processors.EncodedStateSize(p.Models[0], p.Models[0].Name)
	if err != nil {
		return result{}, err
	}
	return gokaDAGFloor(ctx, brokers, adm, cfg.Input.Topics[0], cfg.Partitions, st, size, suffix)
}

// ceiling consumes the input and produces every record to another topic
// with franz-go, until all are acknowledged.
func ceiling(ctx context.Context, brokers []string, adm *kadm.Client, input, output string, st produce.Stats) (result, error) {
	if err := operations.CreateTopic(ctx, adm, output, partitions, 1); err != nil {
		return result{}, err
	}
	cons, err := kafkaclient.New(brokers, kgo.ConsumeTopics(input),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		return result{}, err
	}
	defer cons.Close()
	prod, err := kafkaclient.NewClient(brokers)
	if err != nil {
		return result{}, err
	}
	defer prod.Close()
	start := time.Now()
	var n int64
	for n < st.Messages {
		fs := cons.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			return result{}, err
		}
		fs.EachRecord(func(r *kgo.Record) {
			n++
			prod.Produce(ctx, &kgo.Record{Topic: output, Key: r.Key, Value: r.Value}, nil)
		})
	}
	if err := prod.Flush(ctx); err != nil {
		return result{}, err
	}
	return result{name: "ceiling: franz-go consume+produce", rows: st.Rows, elapsed: time.Since(start)}, nil
}

// streamsgd runs the SUSY pipeline (one logistic model, Adam) on the input
// until the predictions of every message are acknowledged. The rate is
// measured from the first prediction on, so that goka's start-up (group
// join and its fixed pause after a rebalance) is reported apart. With
// stats, the processors count what they do (runstats, as `streamsgd run`
// does for its progress lines and --http).
func streamsgd(ctx context.Context, brokers []string, adm *kadm.Client, cfg *config.Pipeline, st produce.Stats, stats bool) (result, error) {
	p, err := topology.Build(cfg)
	if err != nil {
		return result{}, err
	}
	if err := operations.EnsureTopics(ctx, adm, p); err != nil {
		return result{}, err
	}
	dir, err := os.MkdirTemp("", "streamsgd-bench-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	// As in `streamsgd run`; the limit is this process's, which also
	// counts the predictions, and only while the pipeline runs.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1)) // -1 reads it
	operations.SetMemoryLimit(memoryLimitMB, p)
	begin := time.Now()
	ro := operations.RunOptions{Brokers: brokers, StateDir: dir}
	if stats {
		ro.Stats = p.NewStats()
	}
	go func() { done <- operations.Run(rctx, p, ro) }()
	finished := false
	defer func() {
		if !finished {
			cancel()
			<-done // the stores are closed before their directory is removed
		}
	}()
	counted := make(chan progress, 64)
	cctx, stopCount := context.WithCancel(ctx)
	defer stopCount()
	go countPredictions(cctx, brokers, string(p.Topics.Predictions), counted)
	first, last, stopped, err := awaitRows(counted, done, st.Rows, 0)
	if err != nil {
		finished = stopped
		return result{}, err
	}
	return result{name: "streamsgd: route+learn+predict", rows: st.Rows - first.rows, elapsed: last.at.Sub(first.at),
		note: fmt.Sprintf("start-up %.1fs", first.at.Sub(begin).Seconds())}, nil
}

// awaitRows reads counted until it reaches rows and returns the first
// progress and that last one. A value from stopped (the processors ended)
// is an error, and so is the end of limit (none if 0); stoppedEarly
// reports the former.
func awaitRows(counted <-chan progress, stopped <-chan error, rows int64, limit time.Duration) (first, last progress, stoppedEarly bool, err error) {
	var timeout <-chan time.Time
	if limit > 0 {
		timeout = time.After(limit)
	}
	for {
		var pr progress
		select {
		case pr = <-counted:
		case err := <-stopped:
			return first, last, true, fmt.Errorf("processors stopped: %w", err)
		case <-timeout:
			return first, last, false, fmt.Errorf("%d of %d rows in %s", last.rows, rows, limit)
		}
		if pr.err != nil {
			return first, last, false, pr.err
		}
		if first.at.IsZero() {
			first = pr
		}
		last = pr
		if pr.rows >= rows {
			return first, last, false, nil
		}
	}
}

// progress is the number of predictions seen at a moment.
type progress struct {
	rows int64
	at   time.Time
	err  error
}

// countPredictions counts the predictions (JSON lines) written to topic.
func countPredictions(ctx context.Context, brokers []string, topic string, out chan<- progress) {
	cl, err := kafkaclient.New(brokers, kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		out <- progress{err: err}
		return
	}
	defer cl.Close()
	var n int64
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) {
			n += int64(bytes.Count(r.Value, []byte{'\n'})) + 1
		})
		if fs.NumRecords() > 0 {
			select {
			case out <- progress{rows: n, at: time.Now()}:
			case <-ctx.Done():
			}
		}
	}
}

func benchConfig(name, input string, rowsPerMessage int) (*config.Pipeline, error) {
	label := "label: {from: key}"
	cols := ""
	if rowsPerMessage > 1 {
		label = "label: {from: column, column: label}"
		cols = "label, "
	}
	yaml := fmt.Sprintf(`
name: %s
partitions: %d
input:
  topics: [%s]
  columns: [%sf0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17]
  %s
models:
  - name: logreg
    optimizer: {name: adam, learning_rate: 0.01}
`, name, partitions, input, cols, label)
	return config.Parse([]byte(yaml), "bench.yaml")
}

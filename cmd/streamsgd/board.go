package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/topology"
)

// board follows a pipeline's metrics and predictions topics and prints a
// live table of rolling metrics per model.
type board struct {
	p       *topology.Pipeline
	total   int64
	start   time.Time
	models  []string
	latest  map[string]map[string]*wire.MetricSnapshot // model -> key -> snapshot
	preds   map[string]*rowSet                         // model -> rows predicted
	overall map[string][]metrics.Metric                // model -> metrics over every prediction
	dead    int64
	lastN   map[string]int64
	lastT   time.Time
	predDec goka.Codec
	metDec  goka.Codec
}

// newBoard follows p until every model predicted total rows, sent
// perMessage rows per input message.
func newBoard(p *topology.Pipeline, total int64, perMessage int) *board {
	b := &board{p: p, total: total, start: time.Now(), lastT: time.Now(),
		latest: map[string]map[string]*wire.MetricSnapshot{}, preds: map[string]*rowSet{}, lastN: map[string]int64{},
		overall: map[string][]metrics.Metric{}}
	for _, m := range p.Models {
		b.models = append(b.models, m.Name)
		b.latest[m.Name] = map[string]*wire.MetricSnapshot{}
		b.preds[m.Name] = newRowSet(perMessage)
		b.overall[m.Name] = overallMetrics(m.Model.Task)
	}
	return b
}

// watch consumes until every model predicted every row, or an error.
func (b *board) watch(ctx context.Context, brokers Brokers, opts []kgo.Opt, every time.Duration, prodErr, runErr <-chan error) error {
	var err error
	t := b.p.Topics
	if b.predDec, err = wire.PredictionCodec(b.p.Config.Output.Predictions); err != nil {
		return err
	}
	if b.metDec, err = wire.MetricSnapshotCodec(b.p.Config.Output.Metrics); err != nil {
		return err
	}
	cl, err := kafkaclient.New(brokers.List(), append([]kgo.Opt{
		kgo.ConsumeTopics(string(t.Predictions), string(t.Metrics), string(t.DeadLetter)),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	tick := time.NewTicker(every)
	defer tick.Stop()
	b.header(os.Stdout)
	for !b.done() {
		select {
		case err := <-prodErr:
			if err != nil {
				return fmt.Errorf("producer: %w", err)
			}
		case err := <-runErr:
			return fmt.Errorf("processors stopped: %w", err)
		case <-tick.C:
			b.print(os.Stdout)
		default:
		}
		if err := b.poll(ctx, cl); err != nil {
			return err
		}
	}
	b.print(os.Stdout)
	return nil
}

func (b *board) poll(ctx context.Context, cl *kgo.Client) error {
	pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	fs := cl.PollFetches(pctx)
	if ctx.Err() != nil {
		return fmt.Errorf("demo: %w", ctx.Err())
	}
	for it := fs.RecordIter(); !it.Done(); {
		if err := b.record(it.Next()); err != nil {
			return err
		}
	}
	return nil
}

func (b *board) record(r *kgo.Record) error {
	t := b.p.Topics
	switch r.Topic {
	case string(t.DeadLetter):
		b.dead++
	case string(t.Metrics):
		v, err := b.metDec.Decode(r.Value)
		if err != nil {
			return fmt.Errorf("demo: decode metrics: %w", err)
		}
		s := v.(*wire.MetricSnapshot)
		if m := b.latest[s.Model]; m != nil {
			m[s.Key] = s
		}
	case string(t.Predictions):
		v, err := b.predDec.Decode(r.Value)
		if err != nil {
			return fmt.Errorf("demo: decode predictions: %w", err)
		}
		for _, p := range v.(*wire.PredictionBatch).Predictions {
			b.prediction(p)
		}
	}
	return nil
}

// prediction counts a prediction once per row and, if the row was labeled,
// scores it in the model's metrics over the whole stream.
func (b *board) prediction(p wire.Prediction) {
	rows := b.preds[p.Model]
	if rows == nil || !rows.add(p) {
		return
	}
	if p.Label == nil {
		return
	}
	for _, m := range b.overall[p.Model] {
		m.Update(*p.Label, p.Scores)
	}
}

// boardAUCBins bins the scores of the whole-stream AUC: 1 MiB of counts
// for any number of rows, within about 1e-5 of the exact AUC.
const boardAUCBins = 1 << 16

func overallMetrics(task model.Task) []metrics.Metric {
	if task == model.TaskRegression {
		return []metrics.Metric{metrics.NewRMSE(), metrics.NewMAE(), metrics.NewR2()}
	}
	if task == model.TaskBinary {
		return []metrics.Metric{metrics.NewAccuracy(), metrics.NewLogLoss(), metrics.NewBinnedAUC(boardAUCBins)}
	}
	return []metrics.Metric{metrics.NewAccuracy(), metrics.NewLogLoss()}
}

func (b *board) done() bool {
	for _, m := range b.models {
		if b.preds[m].n < b.total {
			return false
		}
	}
	return true
}

func (b *board) header(w io.Writer) {
	fmt.Fprintf(w, "%-8s %-10s %10s %10s %10s %9s %9s %9s\n", "elapsed", "model", "predicted", "learned", "rows/s", "accuracy", "logloss", "auc")
}

func (b *board) print(w io.Writer) {
	now := time.Now()
	dt := now.Sub(b.lastT).Seconds()
	for _, m := range b.models {
		n := b.preds[m].n
		rate := float64(n-b.lastN[m]) / math.Max(dt, 1e-9)
		b.lastN[m] = n
		learned, vals := b.aggregate(m)
		fmt.Fprintf(w, "%-8s %-10s %10d %10d %10.0f %9s %9s %9s\n", now.Sub(b.start).Truncate(time.Second), m, n, learned, rate,
			fmtMetric(vals["accuracy"]), fmtMetric(vals["logloss"]), fmtMetric(vals["auc"]))
	}
	b.lastT = now
}

// aggregate sums rows over a model's keys and averages their metrics
// weighted by the rows each window covers.
func (b *board) aggregate(model string) (int64, map[string]float64) {
	var rows int64
	sum, weight := map[string]float64{}, map[string]float64{}
	keys := make([]string, 0, len(b.latest[model]))
	for k := range b.latest[model] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := b.latest[model][k]
		rows += s.Rows
		for _, m := range s.Metrics {
			if !math.IsNaN(m.Value) {
				sum[m.Name] += m.Value * float64(s.Window)
				weight[m.Name] += float64(s.Window)
			}
		}
	}
	out := map[string]float64{}
	for n, s := range sum {
		out[n] = s / weight[n]
	}
	return rows, out
}

func fmtMetric(v float64) string {
	if v == 0 || math.IsNaN(v) {
		return "-"
	}
	return metricText(v)
}

func (b *board) summary(w io.Writer) {
	el := time.Since(b.start)
	fmt.Fprintf(w, "\nsummary: %d rows in %.1fs, %.0f rows/s end to end, %d dead letters\n", b.total, el.Seconds(), float64(b.total)/el.Seconds(), b.dead)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "model\tpredicted\tlearned\tprequential, whole stream (predicted before learned)")
	for _, m := range b.models {
		learned, _ := b.aggregate(m)
		var parts []string
		for _, mt := range b.overall[m] {
			parts = append(parts, mt.Name()+"="+metricText(mt.Value()))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", m, b.preds[m].n, learned, strings.Join(parts, " "))
	}
	tw.Flush()
}

// rowSet is a set of input rows, a bit per row by source topic and
// partition (offset × rows per message + index): a stream of any length
// costs a bit per row, not an id string.
type rowSet struct {
	perMessage int64
	bits       map[source][]uint64
	n          int64 // rows in the set
}

type source struct {
	topic     string
	partition int32
}

func newRowSet(perMessage int) *rowSet {
	return &rowSet{perMessage: int64(max(perMessage, 1)), bits: map[source][]uint64{}}
}

// add adds p's row and reports whether it was new.
func (s *rowSet) add(p wire.Prediction) bool {
	src := source{p.Topic, p.Partition}
	i := p.Offset*s.perMessage + int64(p.Index)
	w := s.bits[src]
	for int64(len(w)) <= i>>6 {
		w = append(w, 0)
	}
	s.bits[src] = w
	bit := uint64(1) << (i & 63)
	if w[i>>6]&bit != 0 {
		return false
	}
	w[i>>6] |= bit
	s.n++
	return true
}

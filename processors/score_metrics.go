package processors

import (
	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/metrics"
)

// ScorePartition is what the score group keeps per input partition, in
// memory: decoding scratch and the rolling metrics of each deployment's
// served model over the partition's labeled rows. The windows start empty
// when an instance starts (or takes the partition over): they are
// monitoring, not state, and the score group has no table.
type ScorePartition struct {
	rows    []input.Row
	windows map[windowKey]*scoreWindow
}

// windowKey names the rolling window of a deployment's served model: a
// promoted model starts a window of its own.
type windowKey struct{ deployment, model string }

// scoreWindow is the rolling metrics of one deployment's served model in
// one input partition.
type scoreWindow struct {
	w       *metrics.Window
	every   int64 // a snapshot every this many labeled rows
	next    int64 // rows at which the next snapshot is due
	rows    int64 // labeled rows scored
	invalid int64 // rows dead-lettered
	version int64 // of the last labeled row's served state
}

// window returns the window of deployment's model spec, made on first use.
func (p *ScorePartition) window(deployment string, spec ModelSpec) (*scoreWindow, error) {
	k := windowKey{deployment, spec.Name}
	if w := p.windows[k]; w != nil {
		return w, nil
	}
	mw, err := metrics.NewWindow(spec.Window)
	if err != nil {
		return nil, err
	}
	every := max(spec.EmitEvery, 1)
	w := &scoreWindow{w: mw, every: every, next: every}
	p.windows[k] = w
	return w, nil
}

// update adds a labeled row predicted by the served state of version.
func (w *scoreWindow) update(y float64, scores []float64, version int64) {
	w.w.Update(y, scores)
	w.rows++
	w.version = version
}

// due returns a snapshot when one is due (its Key is left for the caller:
// the deployment's name), after the rows of a record from src.
func (w *scoreWindow) due(spec ModelSpec, src wire.Source) *wire.MetricSnapshot {
	if w.rows < w.next {
		return nil
	}
	for w.next <= w.rows {
		w.next += w.every
	}
	vals := w.w.Values()
	ms := make([]wire.Metric, len(vals))
	for i, v := range vals {
		ms[i] = wire.Metric{Name: v.Name, Value: v.Value}
	}
	return &wire.MetricSnapshot{
		Model: spec.Name, Version: w.version, Rows: w.rows, Invalid: w.invalid,
		Window: w.w.Rows(), Metrics: ms,
		SourceTopic: src.Topic, SourcePartition: src.Partition, SourceOffset: src.Offset,
	}
}

package batchscore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/score"
)

// TopicOptions configure ScoreTopic. Zero fields take the defaults
// documented beside them.
type TopicOptions struct {
	// Brokers to bootstrap from, and the clients' options (security).
	Brokers []string
	Kgo     []kgo.Opt
	// Input is the topic to score, read from its start to the end offsets
	// it has when ScoreTopic starts; Output receives the predictions
	// (it must exist). Required.
	Input, Output string
	// Spec decodes the records: the pipeline's input spec. Required.
	Spec input.Spec
	// Models serve the rows. Required.
	Models *Models
	// Codec encodes the prediction batches: the pipeline's prediction
	// codec (wire.PredictionCodec). Required.
	Codec goka.Codec
	// MaxBatch is the most predictions per output message. Default 256,
	// route's batch.
	MaxBatch int
	// Evaluate, OnReject and Progress are as in Options.
	Evaluate bool
	OnReject func(Reject)
	Progress func(rows int64)
}

// ScoreTopic scores every row of o.Input with o.Models and writes one
// prediction batch per input record and model key to o.Output, keyed by
// the model key, with the ids and fields of the pipeline's predictions
// (version: the rows the served model had learned). Rejected rows, and
// records without rows, go to o.OnReject.
func ScoreTopic(ctx context.Context, o TopicOptions) (Stats, error) {
	start := time.Now()
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.OnReject == nil {
		o.OnReject = func(Reject) {}
	}
	if o.Progress == nil {
		o.Progress = func(int64) {}
	}
	dec, err := newDecoder(o.Spec)
	if err != nil {
		return Stats{}, err
	}
	bounds, err := topicBounds(ctx, o)
	if err != nil {
		return Stats{}, err
	}
	t := &topicRun{o: o, dec: dec, s: newScorer(o.Models)}
	if o.Evaluate {
		t.eval = newEvaluation(o.Models.Config().Task)
	}
	if err := t.run(ctx, bounds); err != nil {
		return t.st, err
	}
	t.st.Elapsed = time.Since(start)
	if t.eval != nil {
		t.st.Metrics = t.eval.values()
	}
	return t.st, nil
}

// span is the offsets of one partition to read: [start, end).
type span struct{ start, end int64 }

// topicBounds lists the input's partitions with records, and their spans.
func topicBounds(ctx context.Context, o TopicOptions) (map[int32]span, error) {
	cl, err := kafkaclient.New(o.Brokers, o.Kgo...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	starts, err := adm.ListStartOffsets(ctx, o.Input)
	if err != nil {
		return nil, fmt.Errorf("batchscore: offsets of %s: %w", o.Input, err)
	}
	ends, err := adm.ListEndOffsets(ctx, o.Input)
	if err != nil {
		return nil, fmt.Errorf("batchscore: offsets of %s: %w", o.Input, err)
	}
	if err := errors.Join(starts.Error(), ends.Error()); err != nil {
		return nil, fmt.Errorf("batchscore: offsets of %s: %w", o.Input, err)
	}
	if len(ends) == 0 {
		return nil, fmt.Errorf("batchscore: topic %s does not exist", o.Input)
	}
	out := map[int32]span{}
	ends.Each(func(e kadm.ListedOffset) {
		s, _ := starts.Lookup(o.Input, e.Partition)
		if e.Offset > s.Offset {
			out[e.Partition] = span{s.Offset, e.Offset}
		}
	})
	return out, nil
}

// topicRun is one ScoreTopic.
type topicRun struct {
	o    TopicOptions
	dec  input.Decoder
	s    *scorer
	eval *evaluation
	st   Stats
	rows []input.Row

	mu      sync.Mutex
	sendErr error
}

func (t *topicRun) run(ctx context.Context, bounds map[int32]span) error {
	if len(bounds) == 0 {
		return nil
	}
	offsets := map[int32]kgo.Offset{}
	for p, s := range bounds {
		offsets[p] = kgo.NewOffset().At(s.start)
	}
	in, err := kafkaclient.New(t.o.Brokers, append([]kgo.Opt{
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{t.o.Input: offsets})}, t.o.Kgo...)...)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := kafkaclient.NewClient(t.o.Brokers, t.o.Kgo...)
	if err != nil {
		return err
	}
	defer out.Close()
	for len(bounds) > 0 {
		fs := in.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fs.Err0(); err != nil {
			return fmt.Errorf("batchscore: read %s: %w", t.o.Input, err)
		}
		for it := fs.RecordIter(); !it.Done(); {
			r := it.Next()
			b, ok := bounds[r.Partition]
			if !ok || r.Offset >= b.end {
				continue
			}
			if err := t.record(ctx, out, r); err != nil {
				return err
			}
			if r.Offset+1 >= b.end {
				delete(bounds, r.Partition)
			}
		}
		t.o.Progress(t.st.Rows)
	}
	if err := out.Flush(ctx); err != nil {
		return err
	}
	return t.failed()
}

// record scores the rows of one input record and writes their
// predictions.
func (t *topicRun) record(ctx context.Context, out *kgo.Client, r *kgo.Record) error {
	if err := t.failed(); err != nil {
		return err
	}
	id := func(i int32) string { return processors.PredictionID(r.Topic, r.Partition, r.Offset, i) }
	if len(r.Value) == 0 {
		t.reject(Reject{Source: id(wire.WholeMessage), Reason: input.ReasonEmptyMessage})
		return nil
	}
	rows, bad, err := t.dec.Decode(r.Key, r.Value, t.rows[:0])
	t.rows = rows
	switch {
	case err != nil:
		t.reject(Reject{Source: id(wire.WholeMessage), Reason: err.Error(), Raw: r.Value})
		return nil
	case len(rows) == 0 && len(bad) == 0:
		t.reject(Reject{Source: id(wire.WholeMessage), Reason: input.ReasonNoRows, Raw: r.Value})
		return nil
	}
	for _, b := range bad {
		t.reject(Reject{Source: id(b.Index), Reason: cutRowPrefix(b.Reason, b.Index), Raw: b.Raw})
	}
	if err := t.s.scoreRows(rows); err != nil {
		return err
	}
	batches := t.predictions(r, rows, id)
	for _, pb := range batches {
		if err := t.send(ctx, out, pb); err != nil {
			return err
		}
	}
	return nil
}

// predictions builds the prediction batches of a record's scored rows,
// one per model key (in first-row order), and rejects the others.
func (t *topicRun) predictions(r *kgo.Record, rows []input.Row, id func(int32) string) []*wire.PredictionBatch {
	nk := t.s.nk
	task := t.s.cfg.Task
	var order []*wire.PredictionBatch
	byKey := map[string]*wire.PredictionBatch{}
	for i := range rows {
		row := &rows[i]
		sv := t.s.served[i]
		if sv == nil {
			t.reject(Reject{Source: id(row.Index), Reason: t.s.why[i], Raw: r.Value})
			continue
		}
		scores := append([]float64(nil), t.s.outs[i*nk:(i+1)*nk]...)
		p := wire.Prediction{
			ID: id(row.Index), Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Index: row.Index,
			Model: t.o.Models.Name(), Key: sv.Key, Version: sv.Scorer.Seen(),
			Scores: scores, Predicted: score.Predicted(task, scores),
		}
		if row.HasLabel {
			y := row.Label
			p.Label = &y
			t.st.Labeled++
			if t.eval != nil {
				t.eval.update(y, scores)
			}
		}
		pb := byKey[sv.Key]
		if pb == nil || len(pb.Predictions) == t.o.MaxBatch {
			pb = &wire.PredictionBatch{}
			byKey[sv.Key] = pb
			order = append(order, pb)
		}
		pb.Predictions = append(pb.Predictions, p)
		t.st.Scored++
		t.st.Rows++
	}
	return order
}

func (t *topicRun) reject(rj Reject) {
	t.st.Rejected++
	t.st.Rows++
	t.o.OnReject(rj)
}

// send produces one batch, keyed by its model key.
func (t *topicRun) send(ctx context.Context, out *kgo.Client, pb *wire.PredictionBatch) error {
	v, err := t.o.Codec.Encode(pb)
	if err != nil {
		return err
	}
	rec := &kgo.Record{Topic: t.o.Output, Key: []byte(pb.Predictions[0].Key), Value: v}
	out.Produce(ctx, rec, func(_ *kgo.Record, err error) {
		if err != nil {
			t.mu.Lock()
			t.sendErr = errors.Join(t.sendErr, err)
			t.mu.Unlock()
		}
	})
	return nil
}

func (t *topicRun) failed() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.sendErr != nil {
		return fmt.Errorf("batchscore: write %s: %w", t.o.Output, t.sendErr)
	}
	return nil
}

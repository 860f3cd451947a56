package operations

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

// EvaluateOptions configures Evaluate.
type EvaluateOptions struct {
	// Brokers and Kgo (security) of the clients.
	Brokers []string
	Kgo     []kgo.Opt
	// Deployment evaluated.
	Deployment string
	// Topic, if set, restricts the evaluation to the rows of one of the
	// deployment's topics.
	Topic string
	// Model, if set, restricts it to the rows served by one model (after a
	// promotion, a deployment's rows were served by several). Dead letters
	// are counted all the same.
	Model string
	// Wait, if > 0, first waits up to this long until the score group has
	// committed every partition of the deployment's topics up to its end
	// offset as of the call: until every row there has been scored.
	Wait time.Duration
	// Poll is how often the group's offsets are read while waiting.
	// Default 250 ms.
	Poll time.Duration
}

// Evaluation is a held-out evaluation: whole-set metrics of the
// predictions a deployment made, read from its output.
type Evaluation struct {
	Deployment processors.Deployment
	// Topics are those evaluated (the deployment's, or Topic); Model the
	// model whose rows were, if only one's.
	Topics []string
	Model  string
	// Scored counts the distinct rows predicted (by prediction id; a
	// repeated prediction, after a crash, counts once: the first);
	// Repeats the predictions dropped as repeats. Labeled counts the
	// scored rows with a label: the metrics are over them.
	Scored, Repeats, Labeled int64
	// Dead counts the deployment's dead letters of rows of Topics: rows it
	// could not score (their reasons start with "serve <deployment>: ").
	Dead int64
	// Models counts the scored rows per served model (several after a
	// promotion), and Versions spans the served versions (rows learned)
	// per model.
	Models   map[string]int64
	Versions map[string][2]int64
	// Metrics are the whole-set metrics of the labeled rows
	// (metrics.ForTask of the deployment's task), over every served model.
	Metrics []metrics.Value
	// Lag is the input offsets the score group had not committed when the
	// outputs were read (0: every record in the topics then was scored);
	// CaughtUp says whether the wait ended because there were none.
	Lag      int64
	CaughtUp bool
}

// Evaluate computes held-out metrics of a deployment: it reads the
// deployment's output and the dead-letter topic from their starts to their
// ends, keeps the predictions of rows of the deployment's topics (the
// first of each id), and computes the whole-set metrics of the labeled
// ones. With Wait it first waits until the score group has scored every
// row the topics hold.
func Evaluate(ctx context.Context, p *topology.Pipeline, o EvaluateOptions) (*Evaluation, error) {
	d, ok := p.Deployment(o.Deployment)
	if !ok {
		return nil, fmt.Errorf("operations: no deployment %q in pipeline %s (have: %s)", o.Deployment, p.Config.Name, p.DeploymentNames())
	}
	ev := &Evaluation{Deployment: d, Topics: d.Topics, Model: o.Model, Models: map[string]int64{}, Versions: map[string][2]int64{}}
	if o.Topic != "" {
		if !slices.Contains(d.Topics, o.Topic) {
			return nil, fmt.Errorf("operations: deployment %s does not score %s (it scores %s)", d.Name, o.Topic, strings.Join(d.Topics, ", "))
		}
		ev.Topics = []string{o.Topic}
	}
	lag, err := waitScored(ctx, p, o, ev.Topics)
	if err != nil {
		return nil, err
	}
	ev.Lag, ev.CaughtUp = lag, lag == 0
	task := string(p.Specs[d.Model].Model.Task)
	ms := metrics.ForTask(task)
	if err := ev.readPredictions(ctx, p, o, ms); err != nil {
		return nil, err
	}
	if err := ev.readDead(ctx, p, o); err != nil {
		return nil, err
	}
	for _, m := range ms {
		ev.Metrics = append(ev.Metrics, metrics.Value{Name: m.Name(), Value: m.Value()})
	}
	return ev, nil
}

func (ev *Evaluation) readPredictions(ctx context.Context, p *topology.Pipeline, o EvaluateOptions, ms []metrics.Metric) error {
	dec, err := wire.PredictionCodec(p.Config.Output.Predictions)
	if err != nil {
		return err
	}
	seen := map[string]struct{}{}
	return ScanTable(ctx, o.Brokers, o.Kgo, string(ev.Deployment.Output), func(r *kgo.Record) error {
		v, err := dec.Decode(r.Value)
		if err != nil {
			return fmt.Errorf("decode %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
		}
		for _, pr := range v.(*wire.PredictionBatch).Predictions {
			if !slices.Contains(ev.Topics, pr.Topic) || o.Model != "" && pr.Model != o.Model {
				continue
			}
			if _, dup := seen[pr.ID]; dup {
				ev.Repeats++
				continue
			}
			seen[pr.ID] = struct{}{}
			ev.count(pr)
			if pr.Label == nil {
				continue
			}
			ev.Labeled++
			for _, m := range ms {
				m.Update(*pr.Label, pr.Scores)
			}
		}
		return nil
	})
}

// count records a scored row's model and version.
func (ev *Evaluation) count(pr wire.Prediction) {
	n := ev.Models[pr.Model]
	ev.Models[pr.Model] = n + 1
	v, ok := ev.Versions[pr.Model]
	if !ok {
		v = [2]int64{pr.Version, pr.Version}
	}
	ev.Versions[pr.Model] = [2]int64{min(v[0], pr.Version), max(v[1], pr.Version)}
	ev.Scored++
}

func (ev *Evaluation) readDead(ctx context.Context, p *topology.Pipeline, o EvaluateOptions) error {
	dec, err := wire.DeadLetterCodec(p.Config.Output.DeadLetter)
	if err != nil {
		return err
	}
	prefix := "serve " + ev.Deployment.Name + ": "
	seen := map[string]struct{}{}
	return ScanTable(ctx, o.Brokers, o.Kgo, string(p.Topics.DeadLetter), func(r *kgo.Record) error {
		v, err := dec.Decode(r.Value)
		if err != nil {
			return fmt.Errorf("decode %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
		}
		dl := v.(*wire.DeadLetter)
		if !strings.HasPrefix(dl.Reason, prefix) || !slices.Contains(ev.Topics, dl.Topic) {
			return nil
		}
		id := processors.PredictionID(dl.Topic, dl.Partition, dl.Offset, dl.Index)
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			ev.Dead++
		}
		return nil
	})
}

// waitScored waits up to o.Wait until the score group has committed every
// partition of topics up to its end offset as of the call, and returns
// the offsets left (0 when it caught up). Without Wait it reads them once.
func waitScored(ctx context.Context, p *topology.Pipeline, o EvaluateOptions, topics []string) (int64, error) {
	cl, err := kafkaclient.New(o.Brokers, o.Kgo...)
	if err != nil {
		return 0, fmt.Errorf("operations: evaluate: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("operations: evaluate: end offsets of %v: %w", topics, err)
	}
	poll := o.Poll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	deadline := time.Now().Add(o.Wait)
	for {
		lag, err := scoreLag(ctx, adm, p, ends)
		if err != nil {
			return 0, err
		}
		if lag == 0 || !time.Now().Before(deadline) {
			return lag, nil
		}
		select {
		case <-ctx.Done():
			return lag, fmt.Errorf("operations: evaluate: %w", ctx.Err())
		case <-time.After(poll):
		}
	}
}

// scoreLag is the input offsets below ends the score group has not
// committed.
func scoreLag(ctx context.Context, adm *kadm.Client, p *topology.Pipeline, ends kadm.ListedOffsets) (int64, error) {
	committed, err := adm.FetchOffsets(ctx, string(p.Topics.ScoreGroup))
	if err == nil {
		err = committed.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("operations: evaluate: offsets of group %s: %w", p.Topics.ScoreGroup, err)
	}
	var lag int64
	for _, topic := range slices.Sorted(maps.Keys(ends)) {
		for _, e := range ends[topic] {
			at := int64(0)
			if c, ok := committed.Lookup(topic, e.Partition); ok && c.Err == nil && c.At > 0 {
				at = c.At
			}
			lag += max(0, e.Offset-at)
		}
	}
	return lag, nil
}

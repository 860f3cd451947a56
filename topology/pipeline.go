package topology

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/runstats"
)

// Pipeline is a config composed into the processors of its DAG; Graph
// (graph.go) declares how they are wired.
type Pipeline struct {
	Config *config.Pipeline
	Topics Topics
	// Specs of the models by name, and in config order.
	Specs  map[string]processors.ModelSpec
	Models []processors.ModelSpec
	// Route and Learn are the processors behind the route and learn groups.
	Route *processors.Route
	Learn *processors.Learn
	// Join pairs delayed labels with their examples; nil when the labels
	// are in the input records.
	Join *processors.Join
	// Merge averages the shards of data-parallel models; nil when no model
	// is sharded.
	Merge *processors.Merge
	// Checkpoint keeps the registry of model versions. Every graph built
	// from one pipeline shares it: its only state is the newest unversioned
	// state per key, read-only, for the time trigger (the tick writer). A
	// run has one of its own (WithHeldPending).
	Checkpoint *processors.Checkpoint
	// Deployments are the scoring deployments (config.Serve) and Score the
	// processor behind the score group, nil without deployments.
	Deployments []processors.Deployment
	Score       *processors.Score
	// StateCodec encodes the learn table.
	StateCodec *table.StateCodec
	// scoreDecoder decodes the input as the scorers do: labels optional.
	scoreDecoder input.Decoder
	// Codecs of the output topics.
	PredictionCodec, MetricsCodec, DeadLetterCodec, EventsCodec goka.Codec

	// stats, if set, is what the processors count (WithStats).
	stats *runstats.Run
}

// Build composes the pipeline of a validated config.
func Build(c *config.Pipeline) (*Pipeline, error) {
	dec, err := input.NewDecoder(c.InputSpec())
	if err != nil {
		return nil, fmt.Errorf("topology: input: %w", err)
	}
	scoreSpec := c.InputSpec()
	scoreSpec.LabelsOptional = true
	scoreDec, err := input.NewDecoder(scoreSpec)
	if err != nil {
		return nil, fmt.Errorf("topology: input: %w", err)
	}
	byName, ordered, err := modelSpecs(c)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{Config: c, Topics: TopicsOf(c), Specs: byName, Models: ordered, scoreDecoder: scoreDec}
	if err := p.buildCodecs(); err != nil {
		return nil, err
	}
	p.Route = &processors.Route{
		Decoder: dec, Models: ordered, Features: c.FeatureCount(), Partitions: c.Partitions,
		Examples: p.Topics.Examples, DeadLetter: p.Topics.DeadLetter,
		DeadLetterEncoding: c.Output.DeadLetter,
	}
	if p.Topics.Delayed() {
		p.Route.FeaturesTopic = p.Topics.Features
	}
	p.Route.Init()
	p.Join = p.newJoin(0)
	p.Learn = &processors.Learn{Specs: byName, Predictions: p.Topics.Predictions, Metrics: p.Topics.Metrics, Events: p.Topics.Events}
	if p.Sharded() {
		p.Learn.Shards = p.Topics.Shards
		p.Learn.Merged = p.Topics.MergeTable
		p.Merge = &processors.Merge{Specs: byName}
	}
	p.Checkpoint = &processors.Checkpoint{Specs: byName, LearnTable: goka.Stream(p.Topics.LearnTable)}
	p.StateCodec = &table.StateCodec{Shapes: processors.Shapes(byName)}
	if err := p.buildDeployments(); err != nil {
		return nil, err
	}
	if err := p.checkInputsNotOwn(); err != nil {
		return nil, err
	}
	p.Score = p.newScore(p.Route, 0)
	return p, nil
}

// checkInputsNotOwn refuses an input topic (input.topics, the labels
// topic, a deployment's topics) that the pipeline writes itself: its own
// topics and the deployments' outputs hold records of streamsgd's formats,
// not rows, and a group reading what the pipeline writes would feed on its
// own output (`udl.features` as the input of pipeline udl: route and join
// failed on every record, and restarted for ever).
func (p *Pipeline) checkInputsNotOwn() error {
	written := map[string]string{}
	for _, t := range p.Topics.Own() {
		written[t] = "a topic of the pipeline itself"
	}
	for i, s := range p.Config.Serve {
		if s.Output != "" {
			written[s.Output] = fmt.Sprintf("the output of serve[%d]", i)
		}
	}
	check := func(field, topic string) error {
		if what, ok := written[topic]; ok {
			return &config.FieldError{File: p.Config.File, Field: field,
				Msg: fmt.Sprintf("%q is %s: an input must be a topic the pipeline does not write (its own: %s)", topic, what, strings.Join(p.Topics.Own(), ", "))}
		}
		return nil
	}
	in := p.Config.Input
	for i, t := range in.Topics {
		if err := check(fmt.Sprintf("input.topics[%d]", i), t); err != nil {
			return err
		}
	}
	if in.Labels.Topic != "" {
		if err := check("input.labels.topic", in.Labels.Topic); err != nil {
			return err
		}
	}
	for i, s := range p.Config.Serve {
		for j, t := range s.Topics {
			if err := check(fmt.Sprintf("serve[%d].topics[%d]", i, j), t); err != nil {
				return err
			}
		}
	}
	return nil
}

// newJoin is the processor of the join group, its dead letters bounded
// by deadLetterMaxBytes (0: the default); nil without delayed labels.
func (p *Pipeline) newJoin(deadLetterMaxBytes int) *processors.Join {
	t := p.Topics
	if !t.Delayed() {
		return nil
	}
	in := p.Config.Input
	j := &processors.Join{
		Specs: p.Specs, Classes: in.Label.Classes, Expiry: in.Labels.ExpireAfter, Partitions: p.Config.Partitions,
		Features: t.Features, Examples: t.Examples, Predictions: t.Predictions, DeadLetter: t.DeadLetter,
		Relabels: t.Relabels, LearnTable: t.LearnTable, DeadLetterMaxBytes: deadLetterMaxBytes, DeadLetterEncoding: p.Config.Output.DeadLetter,
	}
	if p.Sharded() {
		j.MergeTable = t.MergeTable
	}
	if p.stats != nil {
		j.Stats = p.stats.Groups.Group(string(t.JoinGroup))
	}
	j.Init()
	return j
}

// buildDeployments converts the config's deployments, refusing an output
// that is a topic the pipeline names itself.
func (p *Pipeline) buildDeployments() error {
	own := p.Topics.Own()
	for i, s := range p.Config.Serve {
		if slices.Contains(own, s.Output) {
			return &config.FieldError{File: p.Config.File, Field: fmt.Sprintf("serve[%d].output", i),
				Msg: fmt.Sprintf("%q is a topic of the pipeline itself (%s)", s.Output, strings.Join(own, ", "))}
		}
		p.Deployments = append(p.Deployments, processors.Deployment{
			Name: s.Name, Topics: slices.Clone(s.Topics), Model: s.Model, State: s.State, Output: goka.Stream(s.Output),
		})
	}
	return nil
}

// newScore is the processor of the score group, decoding with route and
// bounding its prediction batches by maxBytes (0: the default); nil
// without deployments. Each is new: its caches and windows are its own.
func (p *Pipeline) newScore(route *processors.Route, maxBytes int) *processors.Score {
	if len(p.Deployments) == 0 {
		return nil
	}
	t := p.Topics
	s := &processors.Score{
		Route: p.scoring(route), Specs: p.Specs, Deployments: p.Deployments, DeadLetter: t.DeadLetter, Metrics: t.ScoreMetrics,
		LearnTable: t.LearnTable, CheckpointTable: t.CheckpointTable, Serving: t.Serving, PredictionsMaxBytes: maxBytes,
	}
	if p.Sharded() {
		s.MergeTable = t.MergeTable
	}
	if p.stats != nil {
		s.Stats = p.stats.Groups.Group(string(t.ScoreGroup))
	}
	s.Init()
	return s
}

// ScoreRoute is the pipeline's route as the scorers read it (the score
// group, the score API): a row without a label is scored, unlabeled.
func (p *Pipeline) ScoreRoute() *processors.Route { return p.scoring(p.Route) }

// scoring is a copy of route that decodes as the scorers do.
func (p *Pipeline) scoring(route *processors.Route) *processors.Route {
	r := *route
	r.Decoder = p.scoreDecoder
	return &r
}

// NewStats makes the counters of a run of the pipeline: one per group of
// its DAG and one per model. The checkpoint and merge groups, which read
// model states and count no rows, are marked so (runstats.Group.States).
func (p *Pipeline) NewStats() *runstats.Run {
	var groups []string
	for _, g := range p.Groups() {
		groups = append(groups, string(g.Group()))
	}
	run := runstats.NewRun(groups, p.Config.ModelNames())
	for _, g := range []goka.Group{p.Topics.CheckpointGroup, p.Topics.MergeGroup} {
		if sg := run.Groups.Group(string(g)); sg != nil {
			sg.States = true
		}
	}
	return run
}

// WithStats returns a copy of the pipeline whose route, learn and score
// processors count what they do in stats (see runstats). The copy shares
// everything else.
func (p *Pipeline) WithStats(stats *runstats.Run) *Pipeline {
	q := *p
	q.stats = stats
	r := *p.Route
	r.Stats = stats.Groups.Group(string(p.Topics.RouteGroup))
	r.Init()
	q.Route = &r
	l := *p.Learn
	l.Stats = stats.Groups.Group(string(p.Topics.LearnGroup))
	l.Models = stats.Models
	q.Learn = &l
	q.Score = q.newScore(&r, 0)
	q.Join = q.newJoin(0)
	return &q
}

// WithHeldPending returns a copy of p with a checkpoint group of its own
// that holds the commit of each pending state until it is versioned
// (processors.Checkpoint.HoldPending): a run's, whose checkpoint consumer
// drops the marks made after its session ended (kafkaclient's
// SessionMarksOnly), so that a stop, a kill or a rebalance loses no
// pending state. goka's tester, which waits for every commit, runs p as
// Build made it.
func (p *Pipeline) WithHeldPending() *Pipeline {
	q := *p
	q.Checkpoint = p.Checkpoint.Held()
	return &q
}

func (p *Pipeline) buildCodecs() error {
	var err error
	out := p.Config.Output
	if p.PredictionCodec, err = wire.PredictionCodec(out.Predictions); err != nil {
		return fmt.Errorf("topology: output.predictions: %w", err)
	}
	if p.MetricsCodec, err = wire.MetricSnapshotCodec(out.Metrics); err != nil {
		return fmt.Errorf("topology: output.metrics: %w", err)
	}
	if p.DeadLetterCodec, err = wire.DeadLetterCodec(out.DeadLetter); err != nil {
		return fmt.Errorf("topology: output.deadletter: %w", err)
	}
	if p.EventsCodec, err = wire.EventCodec(out.Events); err != nil {
		return fmt.Errorf("topology: output.events: %w", err)
	}
	return nil
}

// Sharded reports whether some model of the pipeline is a data-parallel
// global model (shards > 1). Only then does the DAG have the merge group,
// and the learn group its <p>.shards output and merge table lookup.
func (p *Pipeline) Sharded() bool {
	for _, m := range p.Models {
		if m.Shards > 1 && !m.PerEntity() {
			return true
		}
	}
	return false
}

// WithRouteSink returns a copy of the pipeline whose route processor hands
// its batches of rows to sink (the batching emitter of a run, the writer
// WriterRouteBatches) instead of emitting them from its callback, and
// bounds what it writes by limits (the target topics' max.message.bytes
// less processors.RecordOverhead; zero fields keep the defaults). The copy
// shares everything else, the checkpoint processor included.
func (p *Pipeline) WithRouteSink(sink processors.Sink, limits processors.Limits) *Pipeline {
	q := *p
	r := *p.Route
	r.Sink = sink
	r.SetLimits(limits)
	r.Init()
	q.Route = &r
	q.Score = p.newScore(&r, limits.ScoresMaxBytes)
	q.Join = p.newJoin(limits.DeadLetterMaxBytes)
	return &q
}

// Deployment returns the deployment of the given name.
func (p *Pipeline) Deployment(name string) (processors.Deployment, bool) {
	for _, d := range p.Deployments {
		if d.Name == name {
			return d, true
		}
	}
	return processors.Deployment{}, false
}

// DeploymentNames lists the deployments' names for messages ("none"
// without deployments).
func (p *Pipeline) DeploymentNames() string {
	var names []string
	for _, d := range p.Deployments {
		names = append(names, d.Name)
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// CheckPromote checks that deployment can serve model in state (""
// keeps its configured state) instead of its config's: a model of the
// pipeline with the same task and outputs as the deployment's. It returns
// the deployment.
func (p *Pipeline) CheckPromote(deployment, model string, state table.ServeState) (processors.Deployment, error) {
	d, ok := p.Deployment(deployment)
	if !ok {
		return d, fmt.Errorf("topology: no deployment %q in pipeline %s (have: %s)", deployment, p.Config.Name, p.DeploymentNames())
	}
	spec, ok := p.Specs[model]
	if !ok {
		return d, fmt.Errorf("topology: no model %q in pipeline %s (have: %s)", model, p.Config.Name, strings.Join(p.Config.ModelNames(), ", "))
	}
	base := p.Specs[d.Model]
	if spec.Model.Task != base.Model.Task || spec.Model.Classes != base.Model.Classes {
		return d, fmt.Errorf("topology: model %s (%s, %d classes) cannot serve deployment %s of model %s (%s, %d classes): the task must be the same",
			model, spec.Model.Task, spec.Model.Classes, d.Name, d.Model, base.Model.Task, base.Model.Classes)
	}
	if state != "" && !state.Valid() {
		return d, fmt.Errorf("topology: state must be %q, %q or a version id (1, 2, ...), got %q", table.StateLatest, table.StatePinned, state)
	}
	return d, nil
}

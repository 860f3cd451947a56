package topology

import (
	"fmt"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/processors"
)

// Pipeline is a config composed into goka group graphs.
type Pipeline struct {
	Config *Config
	Topics Topics
	// Specs of the models by name, and in config order.
	Specs  map[string]processors.ModelSpec
	Models []processors.ModelSpec
	// Route and Learn are the processors behind the groups.
	Route *processors.Route
	Learn *processors.Learn
	// Merge averages the shards of data-parallel models; nil when no model
	// is sharded.
	Merge *processors.Merge
	// Checkpoint keeps the registry of model versions (checkpoint.go).
	Checkpoint *processors.Checkpoint
	// StateCodec encodes the learn table.
	StateCodec *table.StateCodec
	// Codecs of the output topics.
	PredictionCodec, MetricsCodec, DeadLetterCodec goka.Codec
}

// Build composes the pipeline of a validated config.
func Build(c *Config) (*Pipeline, error) {
	spec, err := c.InputSpec()
	if err != nil {
		return nil, fmt.Errorf("topology: input: %w", err)
	}
	dec, err := input.NewDecoder(spec)
	if err != nil {
		return nil, fmt.Errorf("topology: input: %w", err)
	}
	byName, ordered, err := c.ModelSpecs()
	if err != nil {
		return nil, err
	}
	p := &Pipeline{Config: c, Topics: TopicsOf(c), Specs: byName, Models: ordered}
	if err := p.buildCodecs(); err != nil {
		return nil, err
	}
	p.Route = &processors.Route{
		Decoder: dec, Models: ordered, Features: c.FeatureCount(), Partitions: c.Partitions,
		Examples: p.Topics.Examples, DeadLetter: p.Topics.DeadLetter,
	}
	p.Route.Init()
	p.Learn = &processors.Learn{Specs: byName, Predictions: p.Topics.Predictions, Metrics: p.Topics.Metrics}
	p.buildMerge()
	p.Checkpoint = p.newCheckpoint()
	p.StateCodec = &table.StateCodec{Shapes: processors.Shapes(byName)}
	return p, nil
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
	return nil
}

// stateCacheSize bounds the decoded states the learner keeps in memory. A
// decoded state of 18 features takes ~2.7 KB of heap beside its ~550
// encoded bytes (and the heap grows to 5x the live data at --gogc 400):
// 4096 keep hot keys decoded; with many keys every state is read from the
// store anyway (1M keys: a 65536-entry cache held ~180 MB live).
const stateCacheSize = 1 << 12

// Groups returns every group graph of the DAG in data-flow order. This is
// the one place where the DAG is declared.
func (p *Pipeline) Groups() []*goka.GroupGraph {
	return p.groups(p.Route)
}

// groups declares the DAG with a given route processor (Run's has a sink).
func (p *Pipeline) groups(route *processors.Route) []*goka.GroupGraph {
	t := p.Topics
	examples := new(wire.ExampleBatchCodec)
	// Each graph gets its own learner codec (and state cache), so that two
	// processors built from one pipeline never share decoded states.
	states := table.NewLearnerStateCodec(processors.Shapes(p.Specs), stateCacheSize)
	learn := *p.Learn
	learn.States = states
	groups := []*goka.GroupGraph{
		goka.DefineGroup(t.RouteGroup,
			goka.Inputs(t.Inputs, new(codec.Bytes), route.Process),
			goka.Output(t.Examples, examples),
			goka.Output(t.DeadLetter, p.DeadLetterCodec),
		),
		goka.DefineGroup(t.LearnGroup, append([]goka.Edge{
			goka.Input(t.Examples, examples, learn.Process),
			goka.Persist(states),
			goka.Output(t.Predictions, p.PredictionCodec),
			goka.Output(t.Metrics, p.MetricsCodec),
		}, p.learnShardEdges()...)...),
	}
	// Data-parallel models only: the merge group (merge.go).
	if merge := p.mergeGroup(); merge != nil {
		groups = append(groups, merge)
	}
	// The registry of model versions (checkpoint.go).
	groups = append(groups, p.checkpointGroup())
	return groups
}

// Group returns the group graph of the named group.
func (p *Pipeline) Group(name goka.Group) (*goka.GroupGraph, error) {
	for _, g := range p.Groups() {
		if g.Group() == name {
			return g, nil
		}
	}
	return nil, fmt.Errorf("topology: pipeline %s has no group %q", p.Config.Name, name)
}

package topology

import (
	"fmt"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/processors"
)

// Graph is the whole DAG of a pipeline: the goka group graphs in data-flow
// order, the writers that feed its topics from outside a group's
// callbacks, and the loops that visit a group's table beside it.
// Everything that reads or writes a topic of the pipeline is in it; Text,
// DOT and Dangling render it and nothing else.
type Graph struct {
	Groups  []*goka.GroupGraph
	Writers []Writer
	Visits  []Visit
}

// Visit is a loop that a run drives beside a group: every so often it
// visits the entries of the group's table through the group's visitor edge
// of the same name (goka.Visitor), whose callback may emit to the group's
// outputs.
type Visit struct {
	Group goka.Group
	// Name is the visitor edge's name; What says what the loop does.
	Name string
	What string
}

// Writer is a side channel: a topic written outside the callbacks of the
// goka groups, by a loop that runs beside a group or by a command.
type Writer struct {
	// Name says what writes (one of the Writer* names).
	Name string
	// Group is the group the writer runs beside, in the same `run`; empty
	// for a command of the CLI.
	Group goka.Group
	// Topic is the topic written, and Codec its values' codec.
	Topic goka.Stream
	Codec goka.Codec
}

// The writers of the DAG.
const (
	// WriterRouteBatches is route's batching emitter: in a run, route
	// gathers the rows of consecutive messages into one ExampleBatch per
	// model key and writes it with a goka emitter, not from its callback.
	WriterRouteBatches = "route batching emitter"
	// WriterCheckpointTicks is the loop beside the checkpoint group that
	// writes a tick for every key whose version is due by time while no new
	// state of it arrives (processors.Checkpoint.DueKeys).
	WriterCheckpointTicks = "checkpoint tick loop"
	// WriterPinCommands is `streamsgd models pin|unpin`.
	WriterPinCommands = "streamsgd models pin|unpin"
	// WriterAPIPinCommands is the HTTP API of `streamsgd run --http`
	// (package httpapi; the dashboard's pin button): pin and unpin
	// commands, as WriterPinCommands writes them.
	WriterAPIPinCommands = "streamsgd run --http: POST /api/pin|unpin"
	// WriterServingOverrides is `streamsgd serve promote|rollback`: the
	// model and state a deployment serves instead of its config's, on the
	// compacted <p>.serving, which the score group looks up.
	WriterServingOverrides = "streamsgd serve promote|rollback"
)

// stateCacheSize bounds the decoded states the learner keeps in memory,
// and stateCacheBytes their encoded bytes. A decoded state of 18 features
// takes ~2.7 KB of heap beside its ~550 encoded bytes: 4096 keep hot keys
// decoded (11 MB); with many keys every state is read from the store
// anyway (1M keys: a 65536-entry cache held ~180 MB live). A state of 784
// features and 10 classes (Adam) encodes to ~200 KB: the byte bound keeps
// 40 of them, not 4096 (800 MB).
const (
	stateCacheSize  = 1 << 12
	stateCacheBytes = 8 << 20
)

// Graph declares the DAG, top to bottom in data-flow order. This is the one
// place where groups, their inputs, outputs, tables and lookups, the side
// channels and the visit loops are declared.
func (p *Pipeline) Graph() Graph {
	t := p.Topics
	// The learn group decodes its input into the batches its processor has
	// learned and released (one codec per topic: goka's tester insists).
	examples := new(wire.ExampleBatchPool)
	// Each graph gets its own learner codec (and state cache), so that two
	// processors built from one pipeline never share decoded states.
	shapes := processors.Shapes(p.Specs)
	states := table.NewLearnerStateCodec(shapes, stateCacheSize, stateCacheBytes)
	learn := *p.Learn
	learn.States = states
	learn.Batches = examples
	// Readers of states that the learner does not own decode with plain
	// codecs. The checkpoint group's is lenient: a state of a model that is
	// no longer in the config is counted in its key's registry instead of
	// stopping the group.
	merged := &table.StateCodec{Shapes: shapes}
	versioned := &table.StateCodec{Shapes: shapes, Lenient: true}
	shards := &table.ShardCodec{Shapes: shapes}

	// route: decode, validate, re-key to the model key, batch rows; bad
	// records to the dead letters.
	routeEdges := []goka.Edge{
		goka.Inputs(t.Inputs, new(codec.Bytes), p.Route.Process),
		goka.Output(t.Examples, examples),
		goka.Output(t.DeadLetter, p.DeadLetterCodec),
	}
	if t.Delayed() {
		routeEdges = append(routeEdges, goka.Output(t.Features, new(wire.FeaturesCodec)))
	}
	route := goka.DefineGroup(t.RouteGroup, routeEdges...)
	groups := []*goka.GroupGraph{route}
	var visits []Visit

	// join (delayed labels only): the rows by example id and the labels
	// in; per row a prediction with the looked-up state of each of its
	// model keys, kept with the features in its table until the label
	// comes; the labeled rows with those predictions out to the learner;
	// bad, duplicate, late and expired ones to the dead letters.
	if t.Delayed() {
		edges := []goka.Edge{
			goka.Input(t.Features, new(wire.FeaturesCodec), p.Join.ProcessFeatures),
			goka.Input(t.Labels, new(codec.Bytes), p.Join.ProcessLabel),
			goka.Input(t.Relabels, new(wire.RelabelCodec), p.Join.ProcessRelabel),
			goka.Persist(new(table.PendingCodec)),
			goka.Lookup(t.LearnTable, table.NewStateViewCodec(shapes, 0)),
		}
		if p.Sharded() {
			edges = append(edges, goka.Lookup(t.MergeTable, table.NewStateViewCodec(shapes, 0)))
		}
		edges = append(edges,
			goka.Output(t.Predictions, p.PredictionCodec),
			goka.Output(t.Examples, examples),
			goka.Output(t.DeadLetter, p.DeadLetterCodec),
			goka.Output(t.Relabels, new(wire.RelabelCodec)),
			goka.Visitor(processors.ExpireVisitor, p.Join.Expire),
		)
		groups = append(groups, goka.DefineGroup(t.JoinGroup, edges...))
		visits = append(visits, Visit{Group: t.JoinGroup, Name: processors.ExpireVisitor,
			What: "a loop beside the group expires waiting entries"})
	}

	// learn: per row predict, update the rolling metrics, feed the loss
	// to the key's drift monitor, take the SGD step; the model states
	// (and monitors) in its table, the drift events to <p>.events. Shards
	// of data-parallel models also publish to <p>.shards and mix the
	// merged model back in.
	learnEdges := []goka.Edge{
		goka.Input(t.Examples, examples, learn.Process),
		goka.Persist(states),
		goka.Output(t.Predictions, p.PredictionCodec),
		goka.Output(t.Metrics, p.MetricsCodec),
		goka.Output(t.Events, p.EventsCodec),
	}
	if p.Sharded() {
		learnEdges = append(learnEdges,
			goka.Output(t.Shards, shards),
			goka.Lookup(t.MergeTable, merged),
		)
	}
	groups = append(groups, goka.DefineGroup(t.LearnGroup, learnEdges...))

	// merge (data-parallel models only): the shards' states in, the merged
	// model of each sharded model in its table.
	if p.Sharded() {
		groups = append(groups, goka.DefineGroup(t.MergeGroup,
			goka.Input(t.Shards, shards, p.Merge.Process),
			goka.Persist(merged),
		))
	}

	// checkpoint: the model states (the learn table's changelog read as a
	// stream; with data-parallel models the merge table's too, whose merged
	// models are what gets versioned) and the pin commands in; the registry
	// of versions of every model key in its table.
	ckEdges := []goka.Edge{
		goka.Input(goka.Stream(t.LearnTable), versioned, p.Checkpoint.ProcessState),
		goka.Input(t.Pins, new(codec.Bytes), p.Checkpoint.ProcessPin),
		goka.Persist(new(table.RegistryCodec)),
	}
	if p.Sharded() {
		ckEdges = append(ckEdges, goka.Input(goka.Stream(t.MergeTable), versioned, p.Checkpoint.ProcessState))
	}
	groups = append(groups, goka.DefineGroup(t.CheckpointGroup, ckEdges...))
	writers := []Writer{
		{Name: WriterRouteBatches, Group: t.RouteGroup, Topic: t.Examples, Codec: examples},
		{Name: WriterCheckpointTicks, Group: t.CheckpointGroup, Topic: t.Pins, Codec: new(codec.Bytes)},
		{Name: WriterPinCommands, Topic: t.Pins, Codec: new(codec.Bytes)},
		{Name: WriterAPIPinCommands, Topic: t.Pins, Codec: new(codec.Bytes)},
	}

	// score (scoring deployments only): the served topics in, decoded as
	// route decodes; per record the served state looked up in views of the
	// learn table (the merge table for sharded models), the registry and
	// the serving overrides; predictions to the deployments' outputs.
	if t.Serves() {
		overrides := new(table.ServingCodec)
		edges := []goka.Edge{
			goka.Inputs(t.ServeInputs, new(codec.Bytes), p.Score.Process),
			goka.Lookup(t.LearnTable, table.NewStateViewCodec(shapes, 0)),
		}
		if p.Sharded() {
			edges = append(edges, goka.Lookup(t.MergeTable, table.NewStateViewCodec(shapes, 0)))
		}
		edges = append(edges,
			goka.Lookup(t.CheckpointTable, table.NewRegistryViewCodec(0)),
			goka.Lookup(t.Serving, overrides),
		)
		for _, out := range t.ScoreOutputs {
			edges = append(edges, goka.Output(out, p.PredictionCodec))
		}
		edges = append(edges, goka.Output(t.ScoreMetrics, p.MetricsCodec), goka.Output(t.DeadLetter, p.DeadLetterCodec))
		groups = append(groups, goka.DefineGroup(t.ScoreGroup, edges...))
		writers = append(writers, Writer{Name: WriterServingOverrides, Topic: goka.Stream(t.Serving), Codec: overrides})
	}
	return Graph{Groups: groups, Writers: writers, Visits: visits}
}

// ProcessorOptions are the goka options the graph's callbacks are written
// for, given to every processor of its groups (`streamsgd run`'s and the
// tests' alike): every record reaches its callback, a null value (a
// tombstone) included. goka's default skips a null value and commits past
// it, so a tombstone on an input topic was neither predicted nor
// dead-lettered; route and score now dead-letter it as an empty message,
// join as a label that does not parse.
func ProcessorOptions() []goka.ProcessorOption {
	return []goka.ProcessorOption{goka.WithNilHandling(goka.NilProcess)}
}

// Groups returns the group graphs of the DAG in data-flow order.
func (p *Pipeline) Groups() []*goka.GroupGraph { return p.Graph().Groups }

// Group returns the group graph of the named group.
func (p *Pipeline) Group(name goka.Group) (*goka.GroupGraph, error) {
	for _, g := range p.Groups() {
		if g.Group() == name {
			return g, nil
		}
	}
	return nil, fmt.Errorf("topology: pipeline %s has no group %q", p.Config.Name, name)
}

// Visit returns the visit loop beside group g, if it has one.
func (g Graph) Visit(group goka.Group) (Visit, bool) {
	for _, v := range g.Visits {
		if v.Group == group {
			return v, true
		}
	}
	return Visit{}, false
}

// Writer returns the writer of the given name.
func (g Graph) Writer(name string) (Writer, bool) {
	for _, w := range g.Writers {
		if w.Name == name {
			return w, true
		}
	}
	return Writer{}, false
}

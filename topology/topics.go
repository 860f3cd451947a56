package topology

import (
	"slices"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/config"
)

// Topics are the names of a pipeline's topics and groups, each spelled
// here once.
type Topics struct {
	Inputs      goka.Streams
	Examples    goka.Stream
	Predictions goka.Stream
	Metrics     goka.Stream
	DeadLetter  goka.Stream
	// Events carries the drift events of the model keys (wire.Event).
	Events     goka.Stream
	RouteGroup goka.Group
	LearnGroup goka.Group
	// LearnTable is the changelog of the learn group's table.
	LearnTable goka.Table
	// Shards carries shard states of data-parallel global models, keyed by
	// model name, from learn to merge.
	Shards goka.Stream
	// MergeGroup averages the shards; its table holds the merged models.
	MergeGroup goka.Group
	MergeTable goka.Table
	// Pins carries pin and unpin commands, keyed by model key, to the
	// checkpoint group.
	Pins goka.Stream
	// CheckpointGroup writes versions of the models into its table, the
	// checkpoint registry.
	CheckpointGroup goka.Group
	CheckpointTable goka.Table
	// ScoreGroup scores the deployments' topics (config.Serve), ServeInputs,
	// into their outputs, ScoreOutputs (both in config order, each topic
	// once; empty without deployments), and the rolling metrics of the
	// served models into ScoreMetrics.
	ScoreGroup   goka.Group
	ServeInputs  goka.Streams
	ScoreOutputs goka.Streams
	ScoreMetrics goka.Stream
	// Labels is the labels topic of delayed labels (config.Labels), empty
	// without; Features carries the rows, keyed by example id, from route
	// to JoinGroup, whose table (JoinTable) pairs them with their labels.
	Labels    goka.Stream
	Features  goka.Stream
	JoinGroup goka.Group
	JoinTable goka.Table
	// Relabels carries the label records the join read in a partition
	// other than their key's (goka's FNV-1a partitioner) to their key's
	// partition (processors.Join.ProcessLabel).
	Relabels goka.Stream
	// Serving is the table of serving overrides (`streamsgd serve
	// promote`), keyed by deployment name: a compacted topic that the
	// score group looks up and no group owns.
	Serving goka.Table
}

// TopicsOf names the topics of pipeline c. Every name but the inputs'
// derives from the pipeline name, so a copy of the config under another
// name is a fresh generation of the pipeline next to the live one (replay).
func TopicsOf(c *config.Pipeline) Topics {
	p := c.Name
	t := Topics{
		Examples:        goka.Stream(p + ".examples"),
		Predictions:     goka.Stream(p + ".predictions"),
		Metrics:         goka.Stream(p + ".metrics"),
		DeadLetter:      goka.Stream(p + ".deadletter"),
		Events:          goka.Stream(p + ".events"),
		RouteGroup:      goka.Group(p + "-route"),
		LearnGroup:      goka.Group(p + "-learn"),
		Shards:          goka.Stream(p + ".shards"),
		MergeGroup:      goka.Group(p + "-merge"),
		Pins:            goka.Stream(p + ".pins"),
		CheckpointGroup: goka.Group(p + "-checkpoint"),
		ScoreGroup:      goka.Group(p + "-score"),
		ScoreMetrics:    goka.Stream(p + ".score-metrics"),
		Serving:         goka.Table(p + ".serving"),
		Labels:          goka.Stream(c.Input.Labels.Topic),
		Features:        goka.Stream(p + ".features"),
		JoinGroup:       goka.Group(p + "-join"),
		Relabels:        goka.Stream(p + ".repartitioned-labels"),
	}
	for _, in := range c.Input.Topics {
		t.Inputs = append(t.Inputs, goka.Stream(in))
	}
	for _, s := range c.Serve {
		for _, in := range s.Topics {
			t.ServeInputs = appendOnce(t.ServeInputs, goka.Stream(in))
		}
		t.ScoreOutputs = appendOnce(t.ScoreOutputs, goka.Stream(s.Output))
	}
	t.LearnTable = goka.GroupTable(t.LearnGroup)
	t.MergeTable = goka.GroupTable(t.MergeGroup)
	t.CheckpointTable = goka.GroupTable(t.CheckpointGroup)
	t.JoinTable = goka.GroupTable(t.JoinGroup)
	return t
}

func appendOnce(s goka.Streams, t goka.Stream) goka.Streams {
	if slices.Contains(s, t) {
		return s
	}
	return append(s, t)
}

// Delayed reports whether the labels come on a topic of their own, and so
// the DAG has a join group.
func (t Topics) Delayed() bool { return t.Labels != "" }

// Serves reports whether the pipeline has scoring deployments, and so a
// score group.
func (t Topics) Serves() bool { return len(t.ServeInputs) > 0 }

// Created lists the topics the pipeline creates (not its inputs nor the
// topics it serves), with whether each is a compacted table.
func (t Topics) Created() []CreatedTopic {
	out := t.own()
	for _, o := range t.ScoreOutputs {
		out = append(out, CreatedTopic{Name: string(o)})
	}
	return out
}

// own lists the topics the pipeline creates with names of its own (all
// but the deployments' outputs, which the config names).
func (t Topics) own() []CreatedTopic {
	out := []CreatedTopic{
		{Name: string(t.Examples)},
		{Name: string(t.Predictions)},
		{Name: string(t.Metrics)},
		{Name: string(t.DeadLetter)},
		{Name: string(t.Events)},
		{Name: string(t.LearnTable), Compacted: true},
		{Name: string(t.Shards)},
		{Name: string(t.MergeTable), Compacted: true},
		{Name: string(t.Pins)},
		{Name: string(t.CheckpointTable), Compacted: true},
	}
	if t.Delayed() {
		out = append(out, CreatedTopic{Name: string(t.Features)}, CreatedTopic{Name: string(t.JoinTable), Compacted: true},
			CreatedTopic{Name: string(t.Relabels)})
	}
	if t.Serves() {
		out = append(out, CreatedTopic{Name: string(t.ScoreMetrics)}, CreatedTopic{Name: string(t.Serving), Compacted: true})
	}
	return out
}

// Own lists the names of the topics the pipeline names itself: what a
// deployment's output must not be.
func (t Topics) Own() []string {
	var out []string
	for _, c := range t.own() {
		out = append(out, c.Name)
	}
	return out
}

// CreatedTopic is a topic a pipeline creates.
type CreatedTopic struct {
	Name      string
	Compacted bool
}

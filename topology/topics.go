package topology

import (
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
	RouteGroup  goka.Group
	LearnGroup  goka.Group
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
		RouteGroup:      goka.Group(p + "-route"),
		LearnGroup:      goka.Group(p + "-learn"),
		Shards:          goka.Stream(p + ".shards"),
		MergeGroup:      goka.Group(p + "-merge"),
		Pins:            goka.Stream(p + ".pins"),
		CheckpointGroup: goka.Group(p + "-checkpoint"),
	}
	for _, in := range c.Input.Topics {
		t.Inputs = append(t.Inputs, goka.Stream(in))
	}
	t.LearnTable = goka.GroupTable(t.LearnGroup)
	t.MergeTable = goka.GroupTable(t.MergeGroup)
	t.CheckpointTable = goka.GroupTable(t.CheckpointGroup)
	return t
}

// Created lists the topics the pipeline creates (not its inputs), with
// whether each is a compacted table.
func (t Topics) Created() []CreatedTopic {
	return []CreatedTopic{
		{Name: string(t.Examples)},
		{Name: string(t.Predictions)},
		{Name: string(t.Metrics)},
		{Name: string(t.DeadLetter)},
		{Name: string(t.LearnTable), Compacted: true},
		{Name: string(t.Shards)},
		{Name: string(t.MergeTable), Compacted: true},
		{Name: string(t.Pins)},
		{Name: string(t.CheckpointTable), Compacted: true},
	}
}

// CreatedTopic is a topic a pipeline creates.
type CreatedTopic struct {
	Name      string
	Compacted bool
}

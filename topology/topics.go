package topology

import "github.com/lovoo/goka"

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
}

// TopicsOf names the topics of pipeline c. generation, if not empty,
// suffixes groups and the topics they write, for a fresh generation of the
// pipeline next to the live one (replay).
func TopicsOf(c *Config) Topics {
	p := c.Name
	t := Topics{
		Examples:    goka.Stream(p + ".examples"),
		Predictions: goka.Stream(p + ".predictions"),
		Metrics:     goka.Stream(p + ".metrics"),
		DeadLetter:  goka.Stream(p + ".deadletter"),
		RouteGroup:  goka.Group(p + "-route"),
		LearnGroup:  goka.Group(p + "-learn"),
	}
	for _, in := range c.Input.Topics {
		t.Inputs = append(t.Inputs, goka.Stream(in))
	}
	t.LearnTable = goka.GroupTable(t.LearnGroup)
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
	}
}

// CreatedTopic is a topic a pipeline creates.
type CreatedTopic struct {
	Name      string
	Compacted bool
}

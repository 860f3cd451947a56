package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/topology"
)

// TopicsCmd creates every topic of a pipeline and exits: the one-shot setup
// step of a deployment (docker-compose's "topics" service), so that
// processor replicas start against topics that exist.
type TopicsCmd struct {
	Brokers
	Config string `required:"" type:"existingfile" help:"Pipeline config (YAML)."`
	Inputs bool   `default:"true" negatable:"" help:"Also create the input topics, the served ones and the labels topic when missing (partitions and replication of the config)."`
}

// Run implements the command.
func (c *TopicsCmd) Run(ctx context.Context) error {
	p, sec, err := c.Pipeline(c.Config)
	if err != nil {
		return err
	}
	adm, cl, err := c.AdminWith(sec)
	if err != nil {
		return err
	}
	defer cl.Close()
	if c.Inputs {
		for _, in := range slices.Concat(p.Topics.Inputs, p.Topics.ServeInputs, labelsTopic(p)) {
			err := operations.CreateTopic(ctx, adm, string(in), int32(p.Config.Partitions), int16(p.Config.Replication))
			if err != nil {
				return sec.Explain(err)
			}
		}
	}
	if err := sec.Explain(operations.EnsureTopics(ctx, adm, p)); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "topic\tpartitions\tcompacted")
	for _, in := range p.Topics.Inputs {
		fmt.Fprintf(tw, "%s\t(input)\t\n", in)
	}
	for _, in := range p.Topics.ServeInputs {
		fmt.Fprintf(tw, "%s\t(served)\t\n", in)
	}
	for _, in := range labelsTopic(p) {
		fmt.Fprintf(tw, "%s\t(labels)\t\n", in)
	}
	for _, t := range p.Topics.Created() {
		fmt.Fprintf(tw, "%s\t%d\t%v\n", t.Name, p.Config.Partitions, t.Compacted)
	}
	return tw.Flush()
}

// labelsTopic is the labels topic of delayed labels, if any.
func labelsTopic(p *topology.Pipeline) goka.Streams {
	if !p.Topics.Delayed() {
		return nil
	}
	return goka.Streams{p.Topics.Labels}
}

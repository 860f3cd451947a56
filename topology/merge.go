package topology

import (
	"github.com/IBM/sarama"
	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/processors"
)

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

// buildMerge wires the merge processor of a sharded pipeline.
func (p *Pipeline) buildMerge() {
	if !p.Sharded() {
		return
	}
	p.Learn.Shards = p.Topics.Shards
	p.Learn.Merged = p.Topics.MergeTable
	p.Merge = &processors.Merge{Specs: p.Specs}
}

// learnShardEdges are the learn group's edges for sharded models: shards
// publish to <p>.shards and look the merged model up in the merge table.
// The lookup decodes with a plain (uncached) StateCodec.
func (p *Pipeline) learnShardEdges() []goka.Edge {
	if !p.Sharded() {
		return nil
	}
	return []goka.Edge{
		goka.Output(p.Topics.Shards, &table.ShardCodec{Shapes: processors.Shapes(p.Specs)}),
		goka.Lookup(p.Topics.MergeTable, &table.StateCodec{Shapes: processors.Shapes(p.Specs)}),
	}
}

// mergeGroup is the merge group (nil when no model is sharded): the
// shards' states in, the merged model of each sharded model in its table.
func (p *Pipeline) mergeGroup() *goka.GroupGraph {
	if !p.Sharded() {
		return nil
	}
	return goka.DefineGroup(p.Topics.MergeGroup,
		goka.Input(p.Topics.Shards, &table.ShardCodec{Shapes: processors.Shapes(p.Specs)}, p.Merge.Process),
		goka.Persist(&table.StateCodec{Shapes: processors.Shapes(p.Specs)}),
	)
}

// saramaConsumerBuilder is goka's consumer builder for a processor; in a
// sharded pipeline its readers of the merge table (the learn group's lookup
// view, the merge group's recovery) start again from the oldest offset
// after OffsetOutOfRange instead of failing (see resettingConsumerBuilder).
func (p *Pipeline) saramaConsumerBuilder(cfg *sarama.Config) goka.SaramaConsumerBuilder {
	b := goka.SaramaConsumerBuilderWithConfig(cfg)
	if !p.Sharded() {
		return b
	}
	return resettingConsumerBuilder(b, string(p.Topics.MergeTable))
}

package operations

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/topology"
)

// fenceTimeout bounds the fencing of a new assignment's partitions (the
// broker may first have to abort a paused owner's open transaction).
const fenceTimeout = 2 * time.Minute

// fenceRetry is the first wait before fencing is tried again.
const fenceRetry = 100 * time.Millisecond

// fencedTable is the table of group g whose writes are fenced (the learn
// and merge tables: the model states), or "" for the other groups.
func fencedTable(p *topology.Pipeline, g *goka.GroupGraph) string {
	t := p.Topics
	if g.Group() != t.LearnGroup && g.Group() != t.MergeGroup {
		return ""
	}
	if gt := g.GroupTable(); gt != nil {
		return gt.Topic()
	}
	return ""
}

// TransactionalPrefix is the prefix of the transactional ids of group's
// writes to table: "<group>-<table>-", followed by the partition.
func TransactionalPrefix(group goka.Group, table string) string {
	return fmt.Sprintf("%s-%s-", group, table)
}

// fencedOptions are the processor options of a group whose table is fenced
// (see kafkaclient.FencedProducer): its producer, and the rebalance
// callback that fences the assigned partitions' earlier writers before
// goka recovers them.
func fencedOptions(p *topology.Pipeline, g *goka.GroupGraph, o RunOptions, cls kafkaclient.Clients) ([]goka.ProcessorOption, error) {
	table := fencedTable(p, g)
	fp, err := kafkaclient.NewFencedProducer(o.Brokers, table, TransactionalPrefix(g.Group(), table),
		int32(p.Config.Partitions), cls.Kgo...)
	if err != nil {
		return nil, fmt.Errorf("operations: group %s: %w", g.Group(), err)
	}
	logger := o.Logger
	if logger == nil {
		logger = nopLogger{}
	}
	rebalanced := func(a goka.Assignment) {
		ctx, cancel := context.WithTimeout(context.Background(), fenceTimeout)
		defer cancel()
		parts := slices.Sorted(maps.Keys(a))
		// goka restores and processes the partitions when this returns,
		// whether they were fenced or not: so try again (a broker that is
		// restarting) until they are, or fenceTimeout. Partitions that
		// still could not be fenced fail their writes: the processor fails
		// and the run restarts it.
		for wait := fenceRetry; ; wait = min(2*wait, 2*time.Second) {
			err := fp.Assign(ctx, parts)
			if err == nil {
				return
			}
			logger.Printf("operations: group %s: fence %s partitions %v: %v", g.Group(), table, parts, err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}
	return []goka.ProcessorOption{
		goka.WithProducerBuilder(fp.Builder()),
		goka.WithRebalanceCallback(rebalanced),
	}, nil
}

// fencedTopicManagerBuilder builds goka topic managers that give, as the
// newest offset of a partition of a fenced table (the learn and merge
// tables), the end of its committed data (kafkaclient.CommittedDataEnd):
// goka's recovery of a table, its own or a lookup, reads until it has seen
// the record at that offset - 1, and a commit marker is never delivered.
func fencedTopicManagerBuilder(p *topology.Pipeline, o RunOptions, cls kafkaclient.Clients,
	cfg *sarama.Config, tmc *goka.TopicManagerConfig) goka.TopicManagerBuilder {
	inner := goka.TopicManagerBuilderWithConfig(cfg, tmc)
	tables := map[string]bool{string(p.Topics.LearnTable): true, string(p.Topics.MergeTable): true}
	return func(brokers []string) (goka.TopicManager, error) {
		m, err := inner(brokers)
		if err != nil {
			return nil, err
		}
		return &fencedTopicManager{TopicManager: m, tables: tables, brokers: o.Brokers, cls: cls}, nil
	}
}

// fencedTopicManager gives, as the newest offset of a fenced table's
// partition, the end of its committed data.
type fencedTopicManager struct {
	goka.TopicManager
	tables  map[string]bool
	brokers []string
	cls     kafkaclient.Clients
}

// GetOffset implements goka.TopicManager.
func (m *fencedTopicManager) GetOffset(topic string, part int32, t int64) (int64, error) {
	if !m.tables[topic] || t != sarama.OffsetNewest {
		return m.TopicManager.GetOffset(topic, part, t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), fenceTimeout)
	defer cancel()
	end, err := kafkaclient.CommittedDataEnd(ctx, m.brokers, m.cls.Kgo, topic, part)
	if err != nil {
		return 0, fmt.Errorf("operations: end of %s/%d: %w", topic, part, err)
	}
	return end, nil
}

package operations

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/state"
	"github.com/streamsgd/streamsgd/topology"
)

// RunOptions configures the processors of a pipeline on a cluster.
type RunOptions struct {
	// Brokers to connect to. Required.
	Brokers []string
	// Groups to run; empty runs every group of the pipeline.
	Groups []goka.Group
	// StateDir holds the local pebble stores, one folder per group.
	// Default "./streamsgd-state".
	StateDir string
	// ClientID identifies this instance to the brokers. Default "streamsgd".
	ClientID string
	// HotStandby keeps replicas of the tables of partitions this instance
	// does not own, for faster takeovers, and recovers its own tables
	// before joining the group (goka's WithRecoverAhead).
	HotStandby bool
	// Logger receives goka's log; nil discards it.
	Logger goka.Logger
	// SaramaProducer makes goka produce with sarama's async producer instead
	// of franz-go (slower; for comparison).
	SaramaProducer bool
	// Sarama, if set, is the base client config; it is copied and tuned,
	// never modified. Security is applied over it.
	Sarama *sarama.Config
	// Security (TLS, SASL) of every client: sarama's consumers and topic
	// managers and franz-go's producers. The zero value is plaintext.
	Security kafkaclient.Security
}

// clients resolves the run's client configs once (kafkaclient.Clients).
func (o RunOptions) clients() (kafkaclient.Clients, error) {
	cls, err := o.Security.Clients(o.Sarama)
	if err != nil {
		return cls, fmt.Errorf("operations: %w", err)
	}
	return cls, nil
}

// partitionChannelSize is the buffer between goka's consumer and a
// partition's goroutine.
const partitionChannelSize = 1024

// Run runs the pipeline's groups until ctx is done or one fails.
func Run(ctx context.Context, p *topology.Pipeline, o RunOptions) error {
	return o.Security.Explain(run(ctx, p, o))
}

func run(ctx context.Context, p *topology.Pipeline, o RunOptions) error {
	if len(o.Brokers) == 0 {
		return fmt.Errorf("operations: run: no brokers")
	}
	if o.StateDir == "" {
		o.StateDir = "streamsgd-state"
	}
	if o.ClientID == "" {
		o.ClientID = "streamsgd"
	}
	cls, err := o.clients()
	if err != nil {
		return err
	}
	graph := p.Graph()
	batches, _ := graph.Writer(topology.WriterRouteBatches)
	emitter, err := newEmitter(p, o, cls, batches)
	if err != nil {
		return err
	}
	limits, err := routeLimits(ctx, p, o, cls)
	if err != nil {
		return errors.Join(err, emitter.Finish())
	}
	// The route of this run writes its batches with the emitter, bounded
	// by the sizes the target topics accept.
	p = p.WithRouteSink(emitterSink{emitter}, limits)
	graph = p.Graph()
	var procs []*goka.Processor
	for _, g := range graph.Groups {
		if !runs(o, g.Group()) {
			continue
		}
		proc, err := newProcessor(p, g, o, cls)
		if err != nil {
			return err
		}
		procs = append(procs, proc)
	}
	// The route's flusher outlives the processors: goka waits for the
	// deferred commits of the messages it buffered.
	flushCtx, stopFlush := context.WithCancel(context.Background())
	flushed := make(chan error, 1)
	go func() { flushed <- p.Route.Run(flushCtx) }()
	eg, ctx := errgroup.WithContext(ctx)
	for _, proc := range procs {
		eg.Go(func() error {
			if err := proc.Run(ctx); err != nil {
				return fmt.Errorf("operations: group %s: %w", proc.Graph().Group(), err)
			}
			return nil
		})
	}
	if ticks, ok := graph.Writer(topology.WriterCheckpointTicks); ok && runs(o, ticks.Group) {
		eg.Go(func() error { return checkpointTicks(ctx, p, o, cls, ticks.Topic) })
	}
	err = eg.Wait()
	stopFlush()
	return errors.Join(err, <-flushed, emitter.Finish())
}

// routeLimits reads the byte bounds of route's outputs (ReadRouteLimits)
// with a client of the run.
func routeLimits(ctx context.Context, p *topology.Pipeline, o RunOptions, cls kafkaclient.Clients) (processors.Limits, error) {
	cl, err := kafkaclient.New(o.Brokers, append([]kgo.Opt{kgo.ClientID(o.ClientID)}, cls.Kgo...)...)
	if err != nil {
		return processors.Limits{}, fmt.Errorf("operations: run: %w", err)
	}
	defer cl.Close()
	return ReadRouteLimits(ctx, kadm.NewClient(cl), p.Topics)
}

// runs reports whether the run runs group g.
func runs(o RunOptions, g goka.Group) bool {
	return len(o.Groups) == 0 || slices.Contains(o.Groups, g)
}

// newEmitter is the goka emitter behind writer w (route's batches).
func newEmitter(p *topology.Pipeline, o RunOptions, cls kafkaclient.Clients, w topology.Writer) (*goka.Emitter, error) {
	em, err := goka.NewEmitter(o.Brokers, w.Topic, w.Codec,
		goka.WithEmitterClientID(o.ClientID),
		goka.WithEmitterProducerBuilder(kafkaclient.GokaProducerBuilder(cls.Kgo...)),
		goka.WithEmitterTopicManagerBuilder(goka.TopicManagerBuilderWithConfig(kafkaclient.SaramaConfig(cls.Sarama, o.ClientID), topicManagerConfig(p))),
	)
	if err != nil {
		return nil, fmt.Errorf("operations: %s for %s: %w", w.Name, w.Topic, err)
	}
	return em, nil
}

// emitterSink writes ExampleBatches with a goka emitter.
type emitterSink struct{ em *goka.Emitter }

func (s emitterSink) Emit(key string, b *wire.ExampleBatch, done func(error)) {
	prom, err := s.em.Emit(key, b)
	if err != nil {
		done(fmt.Errorf("operations: emit %s: %w", key, err))
		return
	}
	prom.Then(done)
}

func topicManagerConfig(p *topology.Pipeline) *goka.TopicManagerConfig {
	tmc := goka.NewTopicManagerConfig()
	tmc.Table.Replication = p.Config.Replication
	tmc.Stream.Replication = p.Config.Replication
	return tmc
}

func newProcessor(p *topology.Pipeline, g *goka.GroupGraph, o RunOptions, cls kafkaclient.Clients) (*goka.Processor, error) {
	cfg := kafkaclient.SaramaConfig(cls.Sarama, o.ClientID)
	tmc := topicManagerConfig(p)
	opts := []goka.ProcessorOption{
		goka.WithClientID(o.ClientID),
		goka.WithConsumerGroupBuilder(goka.ConsumerGroupBuilderWithConfig(cfg)),
		goka.WithConsumerSaramaBuilder(saramaConsumerBuilder(p, cfg)),
		goka.WithTopicManagerBuilder(goka.TopicManagerBuilderWithConfig(cfg, tmc)),
		goka.WithStorageBuilder(state.Builder(storeOptions(p, filepath.Join(o.StateDir, string(g.Group()))))),
		// goka hands each message from the consumer to the partition's
		// goroutine over a channel of 10 by default: the two goroutines
		// then wake each other for almost every message.
		goka.WithPartitionChannelSize(partitionChannelSize),
	}
	if o.Logger != nil {
		opts = append(opts, goka.WithLogger(o.Logger))
	} else {
		opts = append(opts, goka.WithLogger(nopLogger{}))
	}
	if o.SaramaProducer {
		opts = append(opts, goka.WithProducerBuilder(goka.ProducerBuilderWithConfig(cfg)))
	} else {
		opts = append(opts, goka.WithProducerBuilder(kafkaclient.GokaProducerBuilder(cls.Kgo...)))
	}
	if o.HotStandby {
		// goka asks for recover-ahead with hot standby: the instance
		// recovers its group table's partitions before it joins the group,
		// so the rebalance does not wait for them.
		opts = append(opts, goka.WithHotStandby(), goka.WithRecoverAhead())
	}
	proc, err := goka.NewProcessor(o.Brokers, g, opts...)
	if err != nil {
		return nil, fmt.Errorf("operations: new processor %s: %w", g.Group(), err)
	}
	return proc, nil
}

type nopLogger struct{}

func (nopLogger) Print(...interface{})          {}
func (nopLogger) Println(...interface{})        {}
func (nopLogger) Printf(string, ...interface{}) {}

// saramaConsumerBuilder is goka's consumer builder for a processor; in a
// sharded pipeline its readers of the merge table (the learn group's lookup
// view, the merge group's recovery) start again from the oldest offset
// after OffsetOutOfRange instead of failing (see resettingConsumerBuilder).
func saramaConsumerBuilder(p *topology.Pipeline, cfg *sarama.Config) goka.SaramaConsumerBuilder {
	b := goka.SaramaConsumerBuilderWithConfig(cfg)
	if !p.Sharded() {
		return b
	}
	return resettingConsumerBuilder(b, string(p.Topics.MergeTable))
}

// checkpointTickInterval is how often a run looks for models whose time
// trigger fired after they stopped learning.
const checkpointTickInterval = time.Second

// checkpointTicks is the writer WriterCheckpointTicks: until ctx is done,
// it writes a tick to topic (the pins) for every key whose version is due
// by time while no new state comes (processors.Checkpoint.DueKeys).
func checkpointTicks(ctx context.Context, p *topology.Pipeline, o RunOptions, cls kafkaclient.Clients, topic goka.Stream) error {
	cl, err := kafkaclient.NewClient(o.Brokers, append([]kgo.Opt{kgo.ClientID(o.ClientID)}, cls.Kgo...)...)
	if err != nil {
		return fmt.Errorf("operations: checkpoint ticks: %w", err)
	}
	defer cl.Close()
	tick := time.NewTicker(checkpointTickInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			var recs []*kgo.Record
			for _, key := range p.Checkpoint.DueKeys(now) {
				recs = append(recs, &kgo.Record{Topic: string(topic), Key: []byte(key), Value: processors.TickCommand})
			}
			if len(recs) == 0 {
				continue
			}
			if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil && ctx.Err() == nil {
				return fmt.Errorf("operations: checkpoint ticks to %s: %w", topic, err)
			}
		}
	}
}

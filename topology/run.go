package topology

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/IBM/sarama"
	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/state"
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

// clients are the client configs of a run, resolved once from RunOptions:
// sarama is the base (security applied) that SaramaConfig copies and tunes
// for each processor.
type clients struct {
	sarama *sarama.Config
	kgo    []kgo.Opt
}

func (o RunOptions) clients() (clients, error) {
	base := o.Sarama
	if base == nil {
		base = goka.DefaultConfig()
	}
	sc, err := o.Security.Sarama(base)
	if err != nil {
		return clients{}, fmt.Errorf("topology: run: %w", err)
	}
	ko, err := o.Security.Kgo()
	if err != nil {
		return clients{}, fmt.Errorf("topology: run: %w", err)
	}
	return clients{sarama: sc, kgo: ko}, nil
}

// partitionChannelSize is the buffer between goka's consumer and a
// partition's goroutine.
const partitionChannelSize = 1024

// Run runs the pipeline's groups until ctx is done or one fails.
func (p *Pipeline) Run(ctx context.Context, o RunOptions) error {
	return o.Security.Explain(p.run(ctx, o))
}

func (p *Pipeline) run(ctx context.Context, o RunOptions) error {
	if len(o.Brokers) == 0 {
		return fmt.Errorf("topology: run: no brokers")
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
	route, emitter, err := p.batchingRoute(o, cls)
	if err != nil {
		return err
	}
	var procs []*goka.Processor
	for _, g := range p.groups(route) {
		if len(o.Groups) > 0 && !slices.Contains(o.Groups, g.Group()) {
			continue
		}
		proc, err := p.newProcessor(g, o, cls)
		if err != nil {
			return err
		}
		procs = append(procs, proc)
	}
	// The route's flusher outlives the processors: goka waits for the
	// deferred commits of the messages it buffered.
	flushCtx, stopFlush := context.WithCancel(context.Background())
	flushed := make(chan error, 1)
	go func() { flushed <- route.Run(flushCtx) }()
	eg, ctx := errgroup.WithContext(ctx)
	for _, proc := range procs {
		eg.Go(func() error {
			if err := proc.Run(ctx); err != nil {
				return fmt.Errorf("topology: group %s: %w", proc.Graph().Group(), err)
			}
			return nil
		})
	}
	if ticks := p.checkpointTicks(o, cls); ticks != nil {
		eg.Go(func() error { return ticks(ctx) })
	}
	err = eg.Wait()
	stopFlush()
	return errors.Join(err, <-flushed, emitter.Finish())
}

// batchingRoute returns a copy of the route processor that gathers rows of
// consecutive messages into batches written by a goka emitter.
func (p *Pipeline) batchingRoute(o RunOptions, cls clients) (*processors.Route, *goka.Emitter, error) {
	em, err := goka.NewEmitter(o.Brokers, p.Topics.Examples, new(wire.ExampleBatchCodec),
		goka.WithEmitterClientID(o.ClientID),
		goka.WithEmitterProducerBuilder(kafkaclient.GokaProducerBuilder(cls.kgo...)),
		goka.WithEmitterTopicManagerBuilder(goka.TopicManagerBuilderWithConfig(kafkaclient.SaramaConfig(cls.sarama, o.ClientID), p.topicManagerConfig())),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("topology: emitter for %s: %w", p.Topics.Examples, err)
	}
	r := *p.Route
	r.Sink = emitterSink{em}
	r.Init()
	return &r, em, nil
}

// emitterSink writes ExampleBatches with a goka emitter.
type emitterSink struct{ em *goka.Emitter }

func (s emitterSink) Emit(key string, b *wire.ExampleBatch, done func(error)) {
	prom, err := s.em.Emit(key, b)
	if err != nil {
		done(fmt.Errorf("topology: emit %s: %w", key, err))
		return
	}
	prom.Then(done)
}

func (p *Pipeline) topicManagerConfig() *goka.TopicManagerConfig {
	tmc := goka.NewTopicManagerConfig()
	tmc.Table.Replication = p.Config.Replication
	tmc.Stream.Replication = p.Config.Replication
	return tmc
}

func (p *Pipeline) newProcessor(g *goka.GroupGraph, o RunOptions, cls clients) (*goka.Processor, error) {
	cfg := kafkaclient.SaramaConfig(cls.sarama, o.ClientID)
	tmc := p.topicManagerConfig()
	opts := []goka.ProcessorOption{
		goka.WithClientID(o.ClientID),
		goka.WithConsumerGroupBuilder(goka.ConsumerGroupBuilderWithConfig(cfg)),
		goka.WithConsumerSaramaBuilder(p.saramaConsumerBuilder(cfg)),
		goka.WithTopicManagerBuilder(goka.TopicManagerBuilderWithConfig(cfg, tmc)),
		goka.WithStorageBuilder(state.Builder(state.Options{Dir: filepath.Join(o.StateDir, string(g.Group()))})),
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
		opts = append(opts, goka.WithProducerBuilder(kafkaclient.GokaProducerBuilder(cls.kgo...)))
	}
	if o.HotStandby {
		// goka asks for recover-ahead with hot standby: the instance
		// recovers its group table's partitions before it joins the group,
		// so the rebalance does not wait for them.
		opts = append(opts, goka.WithHotStandby(), goka.WithRecoverAhead())
	}
	proc, err := goka.NewProcessor(o.Brokers, g, opts...)
	if err != nil {
		return nil, fmt.Errorf("topology: new processor %s: %w", g.Group(), err)
	}
	return proc, nil
}

type nopLogger struct{}

func (nopLogger) Print(...interface{})          {}
func (nopLogger) Println(...interface{})        {}
func (nopLogger) Printf(string, ...interface{}) {}

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

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/runstats"
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
	// Default DefaultStateDir.
	StateDir string
	// ClientID identifies this instance to the brokers. Default
	// DefaultClientID.
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
	// Timing of the groups' members (session timeout, heartbeat); zero
	// fields take kafkaclient's defaults.
	Timing kafkaclient.GroupTiming
	// Restarted, if set, is told of every restart after a fault (see Run).
	Restarted func(RestartEvent)
	// Stats, if set, is what the processors count (Pipeline.NewStats):
	// rows, dead letters, models' metrics, rebalances.
	Stats *runstats.Run
	// Processor, if set, is told of every goka processor the run starts
	// for a group, and of its end (proc nil), so that it can be asked for
	// its state (goka's Stats, Recovered) while it runs.
	Processor func(group goka.Group, proc *goka.Processor)
}

// The defaults of RunOptions and RestoreOptions (and of the CLI's
// --state-dir and --client-id).
const (
	DefaultStateDir = "streamsgd-state"
	DefaultClientID = "streamsgd"
)

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

// ConsumeOptions are the options that decide how every goka processor of a
// run consumes: its consumer group, whose commits advance only past
// messages whose emits all completed, and the channel to each partition's
// goroutine. The bench's goka floor is built with them too.
func ConsumeOptions(cfg *sarama.Config) []goka.ProcessorOption {
	return []goka.ProcessorOption{
		goka.WithConsumerGroupBuilder(kafkaclient.OrderedCommits(goka.ConsumerGroupBuilderWithConfig(cfg))),
		// goka hands each message from the consumer to the partition's
		// goroutine over a channel of 10 by default: the two goroutines
		// then wake each other for almost every message.
		goka.WithPartitionChannelSize(partitionChannelSize),
	}
}

// run sets the run up (its clients, the emitter, the topics' limits),
// calls started, and runs the pipeline's groups, each restarted after a
// fault, until ctx is done.
func run(ctx context.Context, p *topology.Pipeline, o RunOptions, started func()) error {
	if len(o.Brokers) == 0 {
		return configError{fmt.Errorf("operations: run: no brokers")}
	}
	if err := o.Timing.Validate(); err != nil {
		return configError{fmt.Errorf("operations: run: %w", err)}
	}
	if o.StateDir == "" {
		o.StateDir = DefaultStateDir
	}
	if o.ClientID == "" {
		o.ClientID = DefaultClientID
	}
	cls, err := o.clients()
	if err != nil {
		return configError{err}
	}
	if o.Stats != nil {
		p = p.WithStats(o.Stats)
	}
	p = p.WithHeldPending() // with its consumer's SessionMarksOnly (newProcessor)
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
	if err := CheckStateSizes(p, limits.StateMaxBytes); err != nil {
		return errors.Join(configError{err}, emitter.Finish())
	}
	started()
	// Each group, and the tick loop, restarts on its own after a fault: a
	// group whose rejoin failed does not stop the others.
	eg, ctx := errgroup.WithContext(ctx)
	for _, g := range graph.Groups {
		if name := g.Group(); runs(o, name) {
			eg.Go(func() error {
				return supervise(ctx, o, string(name), func(ctx context.Context) error {
					return runGroup(ctx, p, name, o, cls, emitter, limits)
				})
			})
		}
	}
	if ticks, ok := graph.Writer(topology.WriterCheckpointTicks); ok && runs(o, ticks.Group) {
		eg.Go(func() error {
			return supervise(ctx, o, ticks.Name, func(ctx context.Context) error {
				return checkpointTicks(ctx, p, o, cls, ticks.Topic)
			})
		})
	}
	err = eg.Wait()
	return errors.Join(err, emitter.Finish())
}

// runGroup runs group name of p once, until ctx is done or it fails, from
// a fresh graph: fresh codecs and state caches, and for route fresh batch
// buffers that write with emitter, bounded by limits, and their flusher.
func runGroup(ctx context.Context, p *topology.Pipeline, name goka.Group, o RunOptions, cls kafkaclient.Clients,
	emitter *goka.Emitter, limits processors.Limits) error {
	q := p.WithRouteSink(emitterSink{emitter}, limits)
	if name == q.Topics.CheckpointGroup {
		q.Checkpoint.Restart() // its marks may be ahead of a failed write
	}
	// A state that no restart can use (learned under another config)
	// ends the run: a config error, not a fault to heal.
	refused := make(chan error, 1)
	learn := *q.Learn
	learn.Refused = func(err error) {
		select {
		case refused <- err:
		default:
		}
	}
	q.Learn = &learn
	graph := q.Graph()
	var g *goka.GroupGraph
	for _, gg := range graph.Groups {
		if gg.Group() == name {
			g = gg
		}
	}
	if g == nil {
		return configError{fmt.Errorf("operations: run: no group %s in the pipeline", name)}
	}
	proc, err := newProcessor(q, g, o, cls)
	if err != nil {
		return err
	}
	defer observe(o, name, proc)()
	// The route's flusher outlives the processor: goka waits for the
	// deferred commits of the messages it buffered.
	var flushed chan error
	stopFlush := func() {}
	if name == q.Topics.RouteGroup {
		var flushCtx context.Context
		flushCtx, stopFlush = context.WithCancel(context.Background())
		flushed = make(chan error, 1)
		go func() { flushed <- q.Route.Run(flushCtx) }()
	}
	if v, ok := graph.Visit(name); ok {
		visitCtx, stopVisits := context.WithCancel(ctx)
		visited := make(chan struct{})
		go func() { expireVisits(visitCtx, q, proc, o, v.Name); close(visited) }()
		defer func() { stopVisits(); <-visited }()
	}
	err = proc.Run(ctx)
	stopFlush()
	if flushed != nil {
		err = errors.Join(err, <-flushed)
	}
	select {
	case r := <-refused:
		return configError{fmt.Errorf("operations: group %s: %w", name, r)}
	default:
	}
	if err != nil {
		return fmt.Errorf("operations: group %s: %w", name, err)
	}
	return nil
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
	o.Timing.Apply(cfg)
	tmc := topicManagerConfig(p)
	opts := append(append(ConsumeOptions(cfg), topology.ProcessorOptions()...),
		goka.WithClientID(o.ClientID),
		goka.WithConsumerSaramaBuilder(saramaConsumerBuilder(p, cfg)),
		goka.WithTopicManagerBuilder(fencedTopicManagerBuilder(p, o, cls, cfg, tmc)),
		goka.WithStorageBuilder(state.Builder(StoreOptions(p, filepath.Join(o.StateDir, string(g.Group()))))),
	)
	if o.Logger != nil {
		opts = append(opts, goka.WithLogger(o.Logger))
	} else {
		opts = append(opts, goka.WithLogger(nopLogger{}))
	}
	switch {
	case o.SaramaProducer:
		opts = append(opts, goka.WithProducerBuilder(goka.ProducerBuilderWithConfig(cfg)))
	case fencedTable(p, g) != "":
		fo, err := fencedOptions(p, g, o, cls)
		if err != nil {
			return nil, err
		}
		opts = append(opts, fo...)
	default:
		opts = append(opts, goka.WithProducerBuilder(kafkaclient.GokaProducerBuilder(cls.Kgo...)))
	}
	if g.Group() == p.Topics.CheckpointGroup {
		// The group holds its pending states' commits, and releases
		// them when a partition stops: those marks must not commit
		// (topology.Pipeline.WithHeldPending).
		opts = append(opts, goka.WithConsumerGroupBuilder(
			kafkaclient.OrderedCommits(goka.ConsumerGroupBuilderWithConfig(cfg), kafkaclient.SessionMarksOnly())))
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

// observe tells o.Processor of proc and counts its rebalances (the
// sessions it sets up) in o.Stats; the function it returns ends that.
func observe(o RunOptions, name goka.Group, proc *goka.Processor) func() {
	if o.Processor != nil {
		o.Processor(name, proc)
	}
	var g *runstats.Group
	if o.Stats != nil {
		g = o.Stats.Groups.Group(string(name))
	}
	if g == nil {
		return func() {
			if o.Processor != nil {
				o.Processor(name, nil)
			}
		}
	}
	obs := proc.StateReader().ObserveStateChange()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range obs.C() {
			if s == goka.ProcStateSetup {
				g.Rebalances.Add(1)
			}
		}
	}()
	return func() {
		obs.Stop()
		<-done
		if o.Processor != nil {
			o.Processor(name, nil)
		}
	}
}

type nopLogger struct{}

func (nopLogger) Print(...interface{})          {}
func (nopLogger) Println(...interface{})        {}
func (nopLogger) Printf(string, ...interface{}) {}

// saramaConsumerBuilder is goka's consumer builder for a processor: its
// readers of the pipeline's tables (recovery of its own table, lookup
// views) start again from the oldest offset after OffsetOutOfRange instead
// of failing (see resettingConsumerBuilder). A recovery from an empty local
// store (a new instance, a wiped state directory) reads a table from its
// log start, which compaction may move on while it reads.
func saramaConsumerBuilder(p *topology.Pipeline, cfg *sarama.Config) goka.SaramaConsumerBuilder {
	t := p.Topics
	return resettingConsumerBuilder(goka.SaramaConsumerBuilderWithConfig(cfg),
		string(t.LearnTable), string(t.MergeTable), string(t.CheckpointTable), string(t.Serving), string(t.JoinTable))
}

// expireInterval is how often a run visits the join table to expire
// what waited too long: a tenth of expire_after.seconds, between 1 s and
// 1 min (each visit reads every entry of the instance's partitions).
func expireInterval(p *topology.Pipeline) time.Duration {
	d := time.Duration(p.Config.Input.Labels.ExpireAfter.Seconds * float64(time.Second) / 10)
	return min(max(d, time.Second), time.Minute)
}

// expireVisits is the visit loop beside the join group (topology.Visit):
// until ctx is done, every expireInterval it visits, through the visitor
// edge named visitor, the entries of the partitions the processor owns
// (processors.Join.Expire). A visit that fails (the group rebalancing
// under it) is logged, and the next one tries again.
func expireVisits(ctx context.Context, p *topology.Pipeline, proc *goka.Processor, o RunOptions, visitor string) {
	tick := time.NewTicker(expireInterval(p))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			err := proc.VisitAll(ctx, visitor, processors.ExpireTick{NowMillis: now.UnixMilli()})
			if err != nil && ctx.Err() == nil && o.Logger != nil {
				o.Logger.Printf("operations: expire visit of %s: %v", p.Topics.JoinTable, err)
			}
		}
	}
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
				recs = append(recs, &kgo.Record{Topic: string(topic), Key: []byte(key), Value: table.TickCommand})
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

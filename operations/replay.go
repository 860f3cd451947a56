package operations

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/lovoo/goka"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/topology"
)

// ReplayOptions configures Replay.
type ReplayOptions struct {
	// Brokers, Security, Sarama, ClientID and Logger as in RunOptions;
	// StateDir holds the generation's local stores (default: a temporary
	// directory, removed afterwards unless Keep). Groups is ignored: the
	// generation runs every group.
	RunOptions
	// Generation names the fresh generation: its pipeline is
	// "<name>-<Generation>". Default "replay-<unix seconds>".
	Generation string
	// Until, if set, routes only the input up to an offset or a time
	// (processors.Bound): the models are rebuilt as they were then.
	Until *processors.Bound
	// Keep leaves the generation's topics, consumer groups and state
	// directory in place; by default they are deleted once compared.
	Keep bool
	// Progress, if set, is called about every Poll with how far the
	// generation's route group has consumed the input.
	Progress func(ReplayProgress)
	// Poll is how often the groups' committed offsets are read. Default
	// 250 ms.
	Poll time.Duration
}

// ReplayProgress counts input offsets: committed by the generation's route
// group, out of those to replay (from each partition's start to its end
// when the replay began).
type ReplayProgress struct {
	Done, Total int64
}

// ReplayReport is the outcome of Replay.
type ReplayReport struct {
	// Live and Generation are the pipeline names.
	Live, Generation string
	// Until is the bound of the replay (nil: the whole input).
	Until *processors.Bound
	// Input is the number of input offsets replayed, from InputPartitions
	// partitions.
	Input           int64
	InputPartitions int
	// Elapsed from the start of the generation's processors until both
	// groups caught up; Total includes comparing and cleaning up.
	Elapsed, Total time.Duration
	// Models compares the rebuilt table with the live one, per model in
	// config order. Compared is false with Until (the live models are not
	// as of the bound): the rebuilt states are summarised instead.
	Models   []ModelComparison
	Compared bool
	// Kept lists what Keep left in place (else it was deleted).
	Kept                    bool
	Topics, Groups          []string
	StateDir                string
	LiveTable, RebuiltTable string
}

// ModelComparison compares one model's keys in the rebuilt and the live
// table.
type ModelComparison struct {
	Model     string
	PerEntity bool
	// Keys of the model in the rebuilt table, and in the live one.
	Keys, LiveKeys int
	// Rows learned, summed over the keys.
	Rows, LiveRows int64
	// Identical counts the keys whose learner state (weights, optimizer,
	// scaler, rows seen) and row count are bit for bit the live ones;
	// Differ those in both tables that are not; OnlyRebuilt and OnlyLive
	// the keys in one table only.
	Identical, Differ, OnlyRebuilt, OnlyLive int
	// MaxAbsDiff is the largest absolute difference of a parameter over
	// the keys in both tables.
	MaxAbsDiff float64
	// PerKey lists every key of a global model (its shards), and for
	// per-entity models the first maxListedKeys keys that are not
	// identical.
	PerKey []KeyComparison
}

// Equal reports whether every key of the model is in both tables and
// identical.
func (m ModelComparison) Equal() bool {
	return m.Differ == 0 && m.OnlyRebuilt == 0 && m.OnlyLive == 0 && m.Identical == m.Keys
}

// KeyComparison compares one model key.
type KeyComparison struct {
	Key               string
	InRebuilt, InLive bool
	Rows, LiveRows    int64
	Identical         bool
	MaxAbsDiff        float64
	// Weights are the rebuilt model's parameters (model.Model.Weights).
	Weights []float64
}

// maxListedKeys bounds the per-entity keys a comparison lists.
const maxListedKeys = 10

// GenerationName is the pipeline name of a replay generation.
func GenerationName(live, generation string) string { return live + "-" + generation }

// Replay reprocesses the input topics from their earliest offsets into a
// fresh generation of the pipeline: a copy of the config named
// "<name>-<generation>", so that every group, table and output topic is
// new (TopicsOf) and the live pipeline is untouched; its new groups start
// at the earliest offsets (SaramaConfig's Consumer.Offsets.Initial). It
// runs the generation's processors until its route group has consumed
// every input partition to the end it had when the replay began, and every
// other group has consumed its inputs to their ends; then it stops them,
// reads the rebuilt and the live learn tables from their changelogs, and
// compares them per model key. A generation whose topics exist already is
// refused.
func Replay(ctx context.Context, p *topology.Pipeline, o ReplayOptions) (ReplayReport, error) {
	rep, err := replay(ctx, p, o)
	return rep, o.Security.Explain(err)
}

func replay(ctx context.Context, p *topology.Pipeline, o ReplayOptions) (rep ReplayReport, rerr error) {
	begin := time.Now()
	defer func() { rep.Total = time.Since(begin) }()
	if len(o.Brokers) == 0 {
		return rep, fmt.Errorf("operations: replay: no brokers")
	}
	if o.Generation == "" {
		o.Generation = fmt.Sprintf("replay-%d", time.Now().Unix())
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	cfg := *p.Config
	cfg.Name = GenerationName(p.Config.Name, o.Generation)
	// The generation rebuilds models; it scores nothing. Its deployments
	// would write the live outputs, which the config names.
	cfg.Serve = nil
	if !config.ValidName(o.Generation) {
		return rep, fmt.Errorf("operations: replay: generation %q: use only letters, digits, '_' and '-'", o.Generation)
	}
	gen, err := topology.Build(&cfg)
	if err != nil {
		return rep, fmt.Errorf("operations: replay: generation %s: %w", cfg.Name, err)
	}
	gen.Route.Until = o.Until
	rep.Live, rep.Generation, rep.Until = p.Config.Name, cfg.Name, o.Until
	rep.LiveTable, rep.RebuiltTable = string(p.Topics.LearnTable), string(gen.Topics.LearnTable)
	for _, t := range gen.Topics.Created() {
		rep.Topics = append(rep.Topics, t.Name)
	}
	for _, g := range gen.Groups() {
		rep.Groups = append(rep.Groups, string(g.Group()))
	}
	cls, err := o.clients()
	if err != nil {
		return rep, err
	}
	// The client asks for the generation's topics before they exist:
	// with kgo's default minimum metadata age (5 s), EnsureTopics would
	// then see them only 5 s after creating them.
	cl, err := kafkaclient.New(o.Brokers, append([]kgo.Opt{kgo.MetadataMinAge(100 * time.Millisecond)}, cls.Kgo...)...)
	if err != nil {
		return rep, fmt.Errorf("operations: replay: client: %w", err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if err := refuseExisting(ctx, adm, rep.Topics); err != nil {
		return rep, err
	}
	inputs, err := inputOffsets(ctx, adm, gen.Topics.Inputs)
	if err != nil {
		return rep, err
	}
	rep.Input = inputs.total()
	for _, ps := range inputs {
		rep.InputPartitions += len(ps)
	}
	if err := EnsureTopics(ctx, adm, gen); err != nil {
		return rep, fmt.Errorf("operations: replay: %w", err)
	}
	ro := o.RunOptions
	ro.Groups = nil
	if ro.StateDir == "" {
		if ro.StateDir, err = os.MkdirTemp("", "streamsgd-replay-"); err != nil {
			return rep, fmt.Errorf("operations: replay: %w", err)
		}
	}
	rep.StateDir = ro.StateDir
	defer func() {
		if o.Keep {
			rep.Kept = true
			return
		}
		rerr = errors.Join(rerr, deleteGeneration(context.WithoutCancel(ctx), adm, rep, o.StateDir == ""))
	}()
	start := time.Now()
	if err := runUntilCaughtUp(ctx, gen, ro, adm, inputs, o); err != nil {
		return rep, err
	}
	rep.Elapsed = time.Since(start)
	rebuilt, err := ReadTable(ctx, o.Brokers, cls.Kgo, rep.RebuiltTable)
	if err != nil {
		return rep, err
	}
	var live map[string][]byte
	if o.Until == nil {
		if live, err = ReadTable(ctx, o.Brokers, cls.Kgo, rep.LiveTable); err != nil {
			return rep, fmt.Errorf("operations: replay: the live table: %w", err)
		}
		rep.Compared = true
	}
	rep.Models, err = compareTables(p, rebuilt, live, rep.Compared)
	return rep, err
}

// refuseExisting fails if any of the generation's topics exists: its
// groups might have committed offsets, and the replay would not start at
// the earliest offsets.
func refuseExisting(ctx context.Context, adm *kadm.Client, topics []string) error {
	have, err := Exists(ctx, adm, topics...)
	if err != nil {
		return fmt.Errorf("operations: replay: %w", err)
	}
	if len(have) > 0 {
		return fmt.Errorf("operations: replay: the generation exists already (topics %v): choose another generation or delete it", have)
	}
	return nil
}

// offsetRange is the span of one input partition to replay.
type offsetRange struct{ start, end int64 }

// inputRanges are the spans of the input partitions, by topic and
// partition.
type inputRanges map[string]map[int32]offsetRange

func (r inputRanges) total() int64 {
	var n int64
	for _, ps := range r {
		for _, o := range ps {
			n += o.end - o.start
		}
	}
	return n
}

func inputOffsets(ctx context.Context, adm *kadm.Client, inputs goka.Streams) (inputRanges, error) {
	names := make([]string, len(inputs))
	for i, t := range inputs {
		names[i] = string(t)
	}
	starts, err := adm.ListStartOffsets(ctx, names...)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("operations: replay: start offsets of %v: %w", names, err)
	}
	ends, err := adm.ListEndOffsets(ctx, names...)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("operations: replay: end offsets of %v: %w", names, err)
	}
	out := inputRanges{}
	ends.Each(func(e kadm.ListedOffset) {
		s, _ := starts.Lookup(e.Topic, e.Partition)
		if out[e.Topic] == nil {
			out[e.Topic] = map[int32]offsetRange{}
		}
		out[e.Topic][e.Partition] = offsetRange{start: min(s.Offset, e.Offset), end: e.Offset}
	})
	return out, nil
}

// runUntilCaughtUp runs the generation's processors until every group has
// consumed its inputs to their ends (the input topics to the ends in
// inputs), twice in a row with the same ends, then stops them.
func runUntilCaughtUp(ctx context.Context, p *topology.Pipeline, ro RunOptions, adm *kadm.Client, inputs inputRanges, o ReplayOptions) error {
	cls, err := ro.clients()
	if err != nil {
		return err
	}
	dataEnd := func(ctx context.Context, topic string, part int32) (int64, error) {
		return kafkaclient.CommittedDataEnd(ctx, ro.Brokers, cls.Kgo, topic, part)
	}
	rctx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- Run(rctx, p, ro) }()
	stopped := false
	defer func() { // on every way out, the processors have stopped
		if !stopped {
			stop()
			<-ran
		}
	}()
	tick := time.NewTicker(o.Poll)
	defer tick.Stop()
	var lastEnds string
	failed := 0
	for {
		select {
		case err := <-ran:
			stop()
			stopped = true
			if err == nil || errors.Is(err, context.Canceled) {
				err = ctx.Err()
			}
			if err == nil {
				err = errors.New("the processors stopped")
			}
			return fmt.Errorf("operations: replay %s: %w", p.Config.Name, err)
		case <-tick.C:
		}
		st, err := lag(ctx, p, adm, inputs, dataEnd)
		if err != nil {
			// Coordinator moves and the like: try again, for a while.
			if failed++; failed >= maxLagErrors || ctx.Err() != nil {
				return err
			}
			continue
		}
		failed = 0
		if o.Progress != nil {
			o.Progress(ReplayProgress{Done: st.inputDone, Total: inputs.total()})
		}
		if !st.caughtUp {
			lastEnds = ""
			continue
		}
		if st.ends != lastEnds {
			lastEnds = st.ends // caught up: once more with the same ends
			continue
		}
		stop()
		stopped = true
		if err := <-ran; err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("operations: replay %s: %w", p.Config.Name, err)
		}
		return nil
	}
}

// maxLagErrors is how many readings of the groups' offsets in a row may
// fail before the replay gives up.
const maxLagErrors = 40

// lagState is one reading of the generation's progress.
type lagState struct {
	caughtUp  bool
	inputDone int64
	ends      string // the ends of the internal topics, to see them settle
}

// lag reads every group's committed offsets and the end offsets of the
// topics it consumes.
//
// A group that reads a fenced table (the learn and merge tables, written in
// transactions) as its input commits, at most, the offset after the
// table's last committed data record, below the end offset when the log
// ends with a commit marker: dataEnd gives that offset.
func lag(ctx context.Context, p *topology.Pipeline, adm *kadm.Client, inputs inputRanges,
	dataEnd func(ctx context.Context, topic string, part int32) (int64, error)) (lagState, error) {
	st := lagState{caughtUp: true}
	var internal []string
	for _, g := range p.Groups() {
		for _, e := range consumed(g) {
			if _, ok := inputs[e]; !ok && !slices.Contains(internal, e) {
				internal = append(internal, e)
			}
		}
	}
	ends := kadm.ListedOffsets{}
	if len(internal) > 0 {
		var err error
		if ends, err = adm.ListEndOffsets(ctx, internal...); err == nil {
			err = ends.Error()
		}
		if err != nil {
			return st, fmt.Errorf("operations: replay: end offsets of %v: %w", internal, err)
		}
	}
	for _, g := range p.Groups() {
		committed, err := adm.FetchOffsets(ctx, string(g.Group()))
		if err == nil {
			err = committed.Error()
		}
		if err != nil {
			return st, fmt.Errorf("operations: replay: offsets of group %s: %w", g.Group(), err)
		}
		at := func(topic string, part int32) int64 {
			if c, ok := committed.Lookup(topic, part); ok && c.Err == nil {
				return c.At
			}
			return -1
		}
		for _, topic := range consumed(g) {
			if ps, ok := inputs[topic]; ok {
				for part, r := range ps {
					c := at(topic, part)
					if g.Group() == p.Topics.RouteGroup {
						st.inputDone += max(0, min(c, r.end)-r.start)
					}
					if r.end > r.start && c < r.end {
						st.caughtUp = false
					}
				}
				continue
			}
			for _, part := range slices.Sorted(maps.Keys(ends[topic])) {
				e := ends[topic][part]
				st.ends += fmt.Sprintf("%s/%d=%d ", e.Topic, e.Partition, e.Offset)
				if e.Offset <= 0 || at(topic, e.Partition) >= e.Offset {
					continue
				}
				if topic != string(p.Topics.LearnTable) && topic != string(p.Topics.MergeTable) {
					st.caughtUp = false
					continue
				}
				end, err := dataEnd(ctx, topic, e.Partition)
				if err != nil {
					return st, fmt.Errorf("operations: replay: %w", err)
				}
				if at(topic, e.Partition) < end {
					st.caughtUp = false
				}
			}
		}
	}
	return st, nil
}

// consumed lists the topics a group consumes as a member of its consumer
// group (its input streams and loop), not the tables it reads.
func consumed(g *goka.GroupGraph) []string {
	var out []string
	for _, e := range g.InputStreams() {
		out = append(out, e.Topic())
	}
	if l := g.LoopStream(); l != nil {
		out = append(out, l.Topic())
	}
	return out
}

// deleteGeneration deletes the generation's consumer groups and topics
// (and its state directory when Replay made it).
func deleteGeneration(ctx context.Context, adm *kadm.Client, rep ReplayReport, ownDir bool) error {
	var errs []error
	if resp, err := adm.DeleteGroups(ctx, rep.Groups...); err != nil {
		errs = append(errs, fmt.Errorf("operations: replay: delete groups %v: %w", rep.Groups, err))
	} else {
		for _, r := range resp.Sorted() {
			if r.Err != nil && !isGroupMissing(r.Err) {
				errs = append(errs, fmt.Errorf("operations: replay: delete group %s: %w", r.Group, r.Err))
			}
		}
	}
	if resp, err := adm.DeleteTopics(ctx, rep.Topics...); err != nil {
		errs = append(errs, fmt.Errorf("operations: replay: delete topics %v: %w", rep.Topics, err))
	} else if err := resp.Error(); err != nil {
		errs = append(errs, fmt.Errorf("operations: replay: delete topics: %w", err))
	}
	if ownDir && rep.StateDir != "" {
		if err := os.RemoveAll(rep.StateDir); err != nil {
			errs = append(errs, fmt.Errorf("operations: replay: %w", err))
		}
	}
	return errors.Join(errs...)
}

// isGroupMissing reports a group that never existed (it consumed nothing).
func isGroupMissing(err error) bool { return errors.Is(err, kerr.GroupIDNotFound) }

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/lovoo/goka"
	"github.com/lovoo/goka/codec"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/streamsgd/streamsgd/kafkaclient"
	"github.com/streamsgd/streamsgd/operations"
	"github.com/streamsgd/streamsgd/processors"
	"github.com/streamsgd/streamsgd/produce"
	"github.com/streamsgd/streamsgd/state"
)

// gokaFloor consumes the input with a goka processor that consumes as
// `streamsgd run`'s groups do (operations.ConsumeOptions), whose callback
// only counts: the fastest any goka stage can read these messages on this
// broker, so the floor of the route group's rate whatever it does with a
// row. The rate is measured from the
// first message on, as streamsgd's is from its first prediction.
func gokaFloor(ctx context.Context, brokers []string, input string, messages, rows int64, suffix string) (result, error) {
	c := newCounter(messages)
	g := goka.DefineGroup(goka.Group("bench-goka-floor-"+suffix),
		goka.Input(goka.Stream(input), new(codec.Bytes), func(goka.Context, any) { c.tick() }))
	elapsed, err := runFloor(ctx, brokers, g, "bench-goka-floor", state.Options{}, c, 5*time.Minute)
	if err != nil {
		return result{}, fmt.Errorf("goka floor: %w", err)
	}
	return result{name: "floor: goka consume, no-op callback", rows: rows, elapsed: elapsed,
		note: "goka consuming as streamsgd run does; the fastest any goka stage reads this input"}, nil
}

// counter counts a floor's callbacks: when the n-th comes, done gets the
// time, and first holds that of the first (UnixNano).
type counter struct {
	n, first atomic.Int64
	want     int64
	done     chan time.Time
}

func newCounter(want int64) *counter { return &counter{want: want, done: make(chan time.Time, 1)} }

func (c *counter) tick() {
	if c.first.Load() == 0 {
		c.first.CompareAndSwap(0, time.Now().UnixNano())
	}
	if c.n.Add(1) == c.want {
		c.done <- time.Now()
	}
}

// runFloor runs a processor of g (newFloorProcessor) until c has counted
// every callback, or limit, and returns the time from the first to the
// last.
func runFloor(ctx context.Context, brokers []string, g *goka.GroupGraph, client string, opts state.Options, c *counter, limit time.Duration) (time.Duration, error) {
	proc, err := newFloorProcessor(brokers, g, client, opts)
	if err != nil {
		return 0, err
	}
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan error, 1)
	go func() { stopped <- proc.Run(rctx) }()
	defer func() { cancel(); <-stopped }()
	select {
	case end := <-c.done:
		return end.Sub(time.Unix(0, c.first.Load())), nil
	case err := <-stopped:
		stopped <- err
		return 0, fmt.Errorf("processor stopped: %w", err)
	case <-time.After(limit):
		return 0, fmt.Errorf("%d of %d in %s", c.n.Load(), c.want, limit)
	}
}

// gokaTableFloor consumes the per-sensor input (keyed by sensor, so that
// one goka group can keep each sensor's state without re-keying) with a
// goka processor built as streamsgd run's groups are, whose callback reads
// the sensor's value from its group table and writes back valueSize bytes
// (the size of an encoded model state of the sensor model): the pebble
// store (opts: the run's cache and memtable sizes), the changelog write,
// one table read and one write per row and nothing else - no route stage,
// no learning, no prediction, no checkpoint registry. No goka design that
// keeps a state per key in a group table does less per row, so its rate
// bounds the per-entity rate on this stack.
func gokaTableFloor(ctx context.Context, brokers []string, input string, rows int64, valueSize int, opts state.Options, suffix string) (result, error) {
	value := stateLike(valueSize)
	c := newCounter(rows)
	readWrite := func(ctx goka.Context, _ any) {
		_ = ctx.Value() // nil for a sensor's first row, as a new state
		ctx.SetValue(value)
		c.tick()
	}
	g := goka.DefineGroup(goka.Group("bench-table-floor-"+suffix),
		goka.Input(goka.Stream(input), new(codec.Bytes), readWrite),
		goka.Persist(new(codec.Bytes)))
	elapsed, err := runFloor(ctx, brokers, g, "bench-table-floor", opts, c, 15*time.Minute)
	if err != nil {
		return result{}, fmt.Errorf("goka table floor: %w", err)
	}
	return result{name: "floor: goka table, one read and one write per row", rows: rows, elapsed: elapsed,
		note: fmt.Sprintf("%d-byte values (an encoded state of this model) in a pebble store per partition, as streamsgd run's; one group keyed by sensor, no learning, no other stage: no goka design keeping a state per key does less per row", valueSize)}, nil
}

// dagFloorBatchRows is the most rows the DAG floor's first stage puts in
// one message, as route's batches (processors.DefaultMaxRows).
const dagFloorBatchRows = processors.DefaultMaxRows

// gokaDAGFloor runs the shape of streamsgd's DAG for a global model with
// nothing in it: a first goka group (route's place) reads the input and
// forwards its messages' bytes, re-keyed to one key per partition, in
// messages of up to dagFloorBatchRows rows; a second group (learn's
// place), keyed by it, reads each such message, reads and writes its
// table once (stateSize bytes, as an encoded model state) and writes one
// message of a minimal prediction line per row ("<partition>:<offset>
// 0.5"). Its groups consume as streamsgd run's do; the rate is that of
// those lines, counted from the output topic as streamsgd's predictions
// are. No CSV parse, no learning, no JSON, no checkpoint group, no
// deferred commits, no transactions (its groups consume, ordered commits
// included, as run's do): the least any goka design that must re-key the
// input to a model's key pays per row.
func gokaDAGFloor(ctx context.Context, brokers []string, adm *kadm.Client, input string, parts int, st produce.Stats, stateSize int, suffix string) (result, error) {
	ends, err := adm.ListEndOffsets(ctx, input)
	if err != nil {
		return result{}, fmt.Errorf("goka DAG floor: %w", err)
	}
	lastOffset := make([]int64, parts) // the offset of each partition's last message
	for i := range lastOffset {
		o, ok := ends.Lookup(input, int32(i))
		if !ok || o.Err != nil {
			return result{}, fmt.Errorf("goka DAG floor: end offset of %s/%d: %v", input, i, o.Err)
		}
		lastOffset[i] = o.Offset - 1
	}
	mid, out := "bench-dag-floor-mid-"+suffix, "bench-dag-floor-out-"+suffix
	for _, t := range []string{mid, out} {
		if err := operations.CreateTopic(ctx, adm, t, int32(parts), 1); err != nil {
			return result{}, err
		}
	}
	// Each partition's buffer is used by that partition's goroutine only.
	type buffer struct {
		rows  int
		bytes []byte
	}
	bufs := make([]buffer, parts)
	relay := func(ctx goka.Context, msg any) {
		p := ctx.Partition()
		b := &bufs[p]
		v := msg.([]byte)
		if b.rows > 0 {
			b.bytes = append(b.bytes, '\n')
		}
		b.bytes = append(b.bytes, v...)
		b.rows += bytes.Count(v, []byte{'\n'}) + 1
		if b.rows >= dagFloorBatchRows || ctx.Offset() == lastOffset[p] {
			ctx.Emit(goka.Stream(mid), "model/"+strconv.Itoa(int(p)), b.bytes)
			b.rows, b.bytes = 0, nil // the emitted bytes are the producer's now
		}
	}
	value := stateLike(stateSize)
	predict := func(ctx goka.Context, msg any) {
		_ = ctx.Value()
		ctx.SetValue(value)
		rows := bytes.Count(msg.([]byte), []byte{'\n'}) + 1
		var preds []byte
		for i := range rows {
			if i > 0 {
				preds = append(preds, '\n')
			}
			preds = strconv.AppendInt(preds, int64(ctx.Partition()), 10)
			preds = append(preds, ':')
			preds = strconv.AppendInt(preds, ctx.Offset(), 10)
			preds = append(preds, " 0.5"...)
		}
		ctx.Emit(goka.Stream(out), ctx.Key(), preds)
	}
	dir, err := os.MkdirTemp("", "streamsgd-bench-dag-floor-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	groups := []*goka.GroupGraph{
		goka.DefineGroup(goka.Group("bench-dag-floor-a-"+suffix),
			goka.Input(goka.Stream(input), new(codec.Bytes), relay),
			goka.Output(goka.Stream(mid), new(codec.Bytes))),
		goka.DefineGroup(goka.Group("bench-dag-floor-b-"+suffix),
			goka.Input(goka.Stream(mid), new(codec.Bytes), predict),
			goka.Persist(new(codec.Bytes)),
			goka.Output(goka.Stream(out), new(codec.Bytes))),
	}
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan error, len(groups))
	var running int
	defer func() {
		cancel()
		for range running {
			<-stopped
		}
	}()
	for _, g := range groups {
		proc, err := newFloorProcessor(brokers, g, "bench-dag-floor", state.Options{Dir: filepath.Join(dir, string(g.Group()))})
		if err != nil {
			return result{}, fmt.Errorf("goka DAG floor: %w", err)
		}
		running++
		go func() { stopped <- proc.Run(rctx) }()
	}
	counted := make(chan progress, 64)
	go countPredictions(rctx, brokers, out, counted)
	first, last, stoppedEarly, err := awaitRows(counted, stopped, st.Rows, 5*time.Minute)
	if err != nil {
		if stoppedEarly {
			running--
		}
		return result{}, fmt.Errorf("goka DAG floor: %w", err)
	}
	return result{name: "floor: two goka stages, nothing in them", rows: st.Rows - first.rows, elapsed: last.at.Sub(first.at),
		note: fmt.Sprintf("route's and learn's shape with no work: rows forwarded in messages of %d, one %d-byte table write per message, a minimal prediction line per row", dagFloorBatchRows, stateSize)}, nil
}

// stateLike is a table value of size bytes standing for an encoded model
// state: not a run of one byte, as states do not compress much.
func stateLike(size int) []byte {
	value := make([]byte, size)
	for i := range value {
		value[i] = byte(i*131 + i>>3)
	}
	return value
}

// newFloorProcessor builds a goka processor of g as the floors' are: the
// consumer options of streamsgd run's groups, franz-go's producer, and, for
// a group with a table, a pebble store of opts.
func newFloorProcessor(brokers []string, g *goka.GroupGraph, client string, opts state.Options) (*goka.Processor, error) {
	cfg := kafkaclient.SaramaConfig(nil, client)
	tmc := goka.NewTopicManagerConfig()
	tmc.Table.Replication = 1 // the embedded broker has one
	return goka.NewProcessor(brokers, g, append(operations.ConsumeOptions(cfg),
		goka.WithClientID(client),
		goka.WithConsumerSaramaBuilder(goka.SaramaConsumerBuilderWithConfig(cfg)),
		goka.WithTopicManagerBuilder(goka.TopicManagerBuilderWithConfig(cfg, tmc)),
		goka.WithProducerBuilder(kafkaclient.GokaProducerBuilder()),
		goka.WithStorageBuilder(state.Builder(opts)),
		goka.WithLogger(log.New(io.Discard, "", 0)),
	)...)
}

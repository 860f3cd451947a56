package processors

import (
	"context"
	"fmt"
	"time"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// Route decodes input records, dead-letters what cannot be decoded, and
// re-keys the good rows to model keys: one ExampleBatch per model key per
// input message, so the learner pays one table write per batch.
type Route struct {
	// Decoder turns one input record into rows.
	Decoder input.Decoder
	// Models of the pipeline, in config order.
	Models []ModelSpec
	// Features is the number of features every row must have.
	Features int
	// Partitions of the examples topic (for shard keys).
	Partitions int
	// Examples is the output topic of ExampleBatches.
	Examples goka.Stream
	// DeadLetter is the output topic of undecodable records.
	DeadLetter goka.Stream
	// Sink, if set, receives the ExampleBatches, gathered over consecutive
	// input messages of a partition (up to MaxRows rows, or Linger after the
	// first); Run must then be running. Nil emits one batch per input
	// message and key through goka.
	Sink Sink
	// MaxRows flushes a partition's rows at this many. Default DefaultMaxRows.
	MaxRows int
	// Linger flushes rows this long after the first. Default DefaultLinger.
	Linger time.Duration
	// Until, if set, drops the messages beyond it (replay --until): neither
	// routed nor dead-lettered, committed as usual.
	Until *Bound

	shardKeys [][]string
	buffers   *batchers
}

// RouteOutput is what routing one input record produced.
type RouteOutput struct {
	Batches []*wire.ExampleBatch
	Dead    []*wire.DeadLetter

	spare []*wire.ExampleBatch // batches of earlier messages, for reuse
	used  int
	rows  []input.Row // decoding scratch
}

// reset empties out, keeping its batches for reuse.
func (o *RouteOutput) reset() {
	o.Batches = o.Batches[:0]
	o.Dead = nil
	o.used = 0
}

// newBatch returns an empty batch, reusing one of an earlier message.
func (o *RouteOutput) newBatch(src wire.Source, model, key string) *wire.ExampleBatch {
	if o.used == len(o.spare) {
		o.spare = append(o.spare, new(wire.ExampleBatch))
	}
	b := o.spare[o.used]
	o.used++
	*b = wire.ExampleBatch{Source: src, Model: model, Key: key, Rows: b.Rows[:0]}
	return b
}

// Init applies defaults and precomputes the shard keys; call it once
// before Process, Step or Run.
func (r *Route) Init() {
	if r.MaxRows <= 0 {
		r.MaxRows = DefaultMaxRows
	}
	if r.Linger <= 0 {
		r.Linger = DefaultLinger
	}
	r.buffers = &batchers{sink: r.Sink, maxRows: r.MaxRows, m: map[wire.Source]*batcher{}}
	r.shardKeys = make([][]string, len(r.Models))
	for i, m := range r.Models {
		if !m.PerEntity() {
			r.shardKeys[i] = table.ShardKeys(m.Name, m.Shards, r.Partitions)
		}
	}
}

// Process is the goka callback of the route group.
func (r *Route) Process(ctx goka.Context, msg interface{}) {
	value, _ := msg.([]byte)
	src := wire.Source{Topic: string(ctx.Topic()), Partition: ctx.Partition(), Offset: ctx.Offset()}
	// One goroutine per partition calls Process, so the partition's
	// scratch output is used by one message at a time; its batches are
	// copied (add) or encoded (Emit) before the next message.
	out := &r.buffers.get(src.Topic, src.Partition).scratch
	if r.Until.Beyond(src.Offset, ctx.Timestamp()) {
		out.reset()
	} else {
		r.StepInto(out, src, []byte(ctx.Key()), value)
	}
	for _, d := range out.Dead {
		ctx.Emit(r.DeadLetter, ctx.Key(), d)
	}
	if r.Sink != nil {
		r.buffers.process(ctx, out.Batches)
		return
	}
	for _, b := range out.Batches {
		ctx.Emit(r.Examples, b.Key, b)
	}
}

// Run flushes the gathered batches until ctx is done, then flushes what is
// left. With a Sink it must run for as long as the route group does (and
// stop after it: goka waits for the deferred commits of buffered messages).
func (r *Route) Run(ctx context.Context) error {
	if r.Sink == nil {
		<-ctx.Done()
		return nil
	}
	return r.buffers.run(ctx, r.Linger)
}

// Step routes one input record. It never fails: whatever cannot be decoded
// becomes a dead letter with the reason.
func (r *Route) Step(src wire.Source, key, value []byte) RouteOutput {
	var out RouteOutput
	r.StepInto(&out, src, key, value)
	return out
}

// StepInto is Step writing into out, reusing its batches and scratch space
// (message after message of one partition, so as not to allocate them
// anew). What out held before is overwritten.
func (r *Route) StepInto(out *RouteOutput, src wire.Source, key, value []byte) {
	out.reset()
	rows, bad, err := r.Decoder.Decode(key, value, out.rows[:0])
	out.rows = rows[:0]
	if err != nil {
		out.Dead = append(out.Dead, deadLetter(src, -1, key, value, err.Error()))
		r.countInvalid(out, src, 1)
		return
	}
	for i := range bad {
		raw := bad[i].Raw
		if raw == nil {
			raw = value
		}
		out.Dead = append(out.Dead, deadLetter(src, bad[i].Index, key, raw, bad[i].Reason))
	}
	rows, wrong := r.checkWidth(rows)
	for _, row := range wrong {
		out.Dead = append(out.Dead, deadLetter(src, row.Index, key, value,
			fmt.Sprintf("row %d: %d features, want %d", row.Index, len(row.Features), r.Features)))
	}
	var byKey batchIndex
	for mi, m := range r.Models {
		for _, row := range rows {
			k, ok := r.keyOf(mi, m, src, row)
			if !ok {
				out.Dead = append(out.Dead, deadLetter(src, row.Index, key, value,
					fmt.Sprintf("model %s: row %d has an empty %q", m.Name, row.Index, m.KeyColumn)))
				continue
			}
			b := byKey.find(out.Batches, k)
			if b == nil {
				b = out.newBatch(src, m.Name, k)
				out.Batches = byKey.add(out.Batches, b)
			}
			b.Rows = append(b.Rows, wire.Row{Index: row.Index, Offset: src.Offset, Features: row.Features, Label: row.Label, HasLabel: row.HasLabel})
		}
	}
	r.countInvalid(out, src, int32(len(bad)+len(wrong)))
}

// countInvalid attributes dead-lettered rows to the first shard of every
// global model (an undecodable row has no entity), so that its metric
// snapshots count them.
func (r *Route) countInvalid(out *RouteOutput, src wire.Source, n int32) {
	if n == 0 {
		return
	}
	for mi, m := range r.Models {
		if m.PerEntity() {
			continue
		}
		k := r.shardKeys[mi][0]
		b := findBatch(out.Batches, k)
		if b == nil {
			b = out.newBatch(src, m.Name, k)
			out.Batches = append(out.Batches, b)
		}
		b.Invalid += n
	}
}

// batchIndex finds a message's batches by key: a scan while they are few
// (the common case: one key per model), a map past that.
type batchIndex struct {
	m map[string]*wire.ExampleBatch
}

const batchScanLimit = 16

func (x *batchIndex) find(bs []*wire.ExampleBatch, key string) *wire.ExampleBatch {
	if x.m != nil {
		return x.m[key]
	}
	return findBatch(bs, key)
}

func (x *batchIndex) add(bs []*wire.ExampleBatch, b *wire.ExampleBatch) []*wire.ExampleBatch {
	bs = append(bs, b)
	switch {
	case x.m != nil:
		x.m[b.Key] = b
	case len(bs) > batchScanLimit:
		x.m = make(map[string]*wire.ExampleBatch, 2*len(bs))
		for _, b := range bs {
			x.m[b.Key] = b
		}
	}
	return bs
}

func findBatch(bs []*wire.ExampleBatch, key string) *wire.ExampleBatch {
	for _, b := range bs {
		if b.Key == key {
			return b
		}
	}
	return nil
}

func (r *Route) keyOf(mi int, m ModelSpec, src wire.Source, row input.Row) (string, bool) {
	if m.PerEntity() {
		return table.EntityKey(m.Name, row.Entity), row.Entity != ""
	}
	keys := r.shardKeys[mi]
	if len(keys) == 1 {
		return keys[0], true
	}
	return keys[shardOf(src.Partition, src.Offset, row.Index, len(keys))], true
}

func deadLetter(src wire.Source, index int32, key, value []byte, reason string) *wire.DeadLetter {
	return &wire.DeadLetter{
		Topic: src.Topic, Partition: src.Partition, Offset: src.Offset, Index: index,
		Key: append([]byte(nil), key...), Value: append([]byte(nil), value...), Reason: reason,
	}
}

// checkWidth splits rows into those with the expected number of features
// and the others.
func (r *Route) checkWidth(rows []input.Row) (good, wrong []input.Row) {
	ok := true
	for _, row := range rows {
		ok = ok && len(row.Features) == r.Features
	}
	if ok {
		return rows, nil
	}
	for _, row := range rows {
		if len(row.Features) == r.Features {
			good = append(good, row)
		} else {
			wrong = append(wrong, row)
		}
	}
	return good, wrong
}

// shardOf spreads the rows of a global model over its shards. It depends
// only on the row's source coordinates, so a redelivered row goes to the
// same shard.
func shardOf(partition int32, offset int64, index int32, shards int) int {
	x := uint64(offset)*0x9E3779B97F4A7C15 ^ uint64(uint32(partition))<<32 ^ uint64(uint32(index))
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return int(x % uint64(shards))
}

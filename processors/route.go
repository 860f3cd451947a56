package processors

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"github.com/lovoo/goka"

	"github.com/streamsgd/streamsgd/codecs/input"
	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/runstats"
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
	// FeaturesTopic, when set, is the features topic of delayed labels:
	// each row goes there, keyed by its example id, instead of to Examples
	// (see FeaturesOf).
	FeaturesTopic goka.Stream
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
	// ExamplesMaxBytes bounds the bytes of an ExampleBatch record on
	// Examples, and PredictionsMaxBytes those of the PredictionBatch the
	// learner makes of it: the max.message.bytes of <p>.examples and
	// <p>.predictions less RecordOverhead (operations reads them from the
	// broker when a run starts). Batches are split so that both fit, by
	// upper bounds of the encoded sizes (wire.ExampleRowBound,
	// wire.PredictionRowBound); the rows of one message for one model key
	// that do not fit one batch are dead-lettered (ReasonTooLarge). Default
	// DefaultMaxBytes.
	ExamplesMaxBytes    int
	PredictionsMaxBytes int
	// DeadLetterMaxBytes bounds the bytes of a dead-letter record (the
	// max.message.bytes of <p>.deadletter less RecordOverhead), and
	// DeadLetterEncoding is that topic's encoding (wire.JSON or wire.Avro):
	// a dead letter's raw bytes are cut to fit (wire.DeadLetter.Fit).
	// Defaults DefaultMaxBytes and wire.JSON.
	DeadLetterMaxBytes int
	DeadLetterEncoding string
	// Stats, if set, counts per partition the rows decoded (in), the rows
	// routed to the examples, summed over models (out), and the dead
	// letters, by reason kind. Nil counts nothing.
	Stats *runstats.Group

	shardKeys [][]string
	outputs   map[string]int // the learner's outputs (scores) by model name
	buffers   *batchers
}

// Limits are the byte bounds of what a Route writes (the fields of Route
// of the same names) and of what the score group writes.
type Limits struct {
	ExamplesMaxBytes, PredictionsMaxBytes, DeadLetterMaxBytes int
	// ScoresMaxBytes bounds what the score group writes to the
	// deployments' outputs (Score.PredictionsMaxBytes): the smallest
	// max.message.bytes of them, less RecordOverhead.
	ScoresMaxBytes int
	// StateMaxBytes bounds a model state: the max.message.bytes of the
	// learn and merge tables, less RecordOverhead.
	StateMaxBytes int
}

// SetLimits sets the byte bounds of r's outputs; zero fields keep theirs.
func (r *Route) SetLimits(l Limits) {
	setPositive(&r.ExamplesMaxBytes, l.ExamplesMaxBytes)
	setPositive(&r.PredictionsMaxBytes, l.PredictionsMaxBytes)
	setPositive(&r.DeadLetterMaxBytes, l.DeadLetterMaxBytes)
}

func setPositive(dst *int, v int) {
	if v > 0 {
		*dst = v
	}
}

// RecordOverhead is what Route keeps free below a topic's
// max.message.bytes for the framing Kafka adds to a record (the record
// batch header and the record's own header and varints).
const RecordOverhead = 1 << 10

// DefaultMaxBytes is the default of Route's byte limits: Kafka's default
// max.message.bytes (1 MiB and 12 bytes) less RecordOverhead.
const DefaultMaxBytes = 1<<20 - RecordOverhead

// RouteOutput is what routing one input record produced.
type RouteOutput struct {
	Batches []*wire.ExampleBatch
	Dead    []*wire.DeadLetter

	// Decoded counts the rows of the record, good and bad (1 for a
	// record that yields no row).
	Decoded int

	spare []*wire.ExampleBatch // batches of earlier messages, for reuse
	used  int
	rows  []input.Row      // decoding scratch
	ids   map[int32]string // the example ids of its rows (input.id_column), by index
}

// reset empties out, keeping its batches for reuse.
func (o *RouteOutput) reset() {
	o.Batches = o.Batches[:0]
	o.Dead = nil
	o.used = 0
	o.Decoded = 0
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
	for _, n := range []*int{&r.ExamplesMaxBytes, &r.PredictionsMaxBytes, &r.DeadLetterMaxBytes} {
		if *n <= 0 {
			*n = DefaultMaxBytes
		}
	}
	if r.DeadLetterEncoding == "" {
		r.DeadLetterEncoding = wire.JSON
	}
	r.buffers = &batchers{sink: r.Sink, maxRows: r.MaxRows, capOf: r.rowCap, m: map[wire.Source]*batcher{}}
	r.shardKeys = make([][]string, len(r.Models))
	r.outputs = make(map[string]int, len(r.Models))
	for i, m := range r.Models {
		if !m.PerEntity() {
			r.shardKeys[i] = table.ShardKeys(m.Name, m.Shards, r.Partitions)
		}
		r.outputs[m.Name] = 1
		if m.Model.Task == model.TaskMulticlass {
			r.outputs[m.Name] = m.Model.Classes
		}
	}
}

// rowCap is the most rows a batch of b's source topic, model and key can
// hold so that it fits ExamplesMaxBytes and its predictions fit
// PredictionsMaxBytes; below 1 when not even one row fits.
func (r *Route) rowCap(b *wire.ExampleBatch) int {
	ex := (r.ExamplesMaxBytes - wire.ExampleBatchHeaderBound(b.Source.Topic, b.Model, b.Key)) / wire.ExampleRowBound(r.Features)
	pr := (r.PredictionsMaxBytes - wire.PredictionBatchHeaderBound(b.Key)) /
		wire.PredictionRowBound(b.Source.Topic, b.Model, b.Key, r.outputs[b.Model])
	return min(ex, pr)
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
	routed := 0 // rows sent as Features, per model key
	if r.FeaturesTopic != "" {
		routed = r.emitFeatures(ctx, out, ctx.Key(), value)
	}
	for _, d := range out.Dead {
		ctx.Emit(r.DeadLetter, r.deadLetterKey(ctx.Key()), d)
	}
	if r.Stats != nil {
		r.count(src.Partition, out, routed)
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
//
// Every row of the record ends up in exactly one place per model: in a
// batch, or in a dead letter (a whole record that yields no row at all,
// empty or not, is one dead letter).
func (r *Route) StepInto(out *RouteOutput, src wire.Source, key, value []byte) {
	out.reset()
	rows, dead, bad := r.decodeRecord(out.rows[:0], out.Dead, src, key, value, "")
	out.rows, out.Dead = rows[:0], dead
	out.Decoded = len(rows) + bad
	clear(out.ids)
	for _, row := range rows {
		if row.ID != "" {
			if out.ids == nil {
				out.ids = map[int32]string{}
			}
			out.ids[row.Index] = row.ID
		}
	}
	var byKey batchIndex
	for mi := range r.Models {
		for _, row := range rows {
			r.routeRow(out, &byKey, src, key, value, mi, row)
		}
	}
	r.countInvalid(out, src, int32(bad))
}

// decodeRecord decodes one record (scratch is reused for its rows) and
// returns the rows of the expected width, with dead appended a dead letter
// for every row that cannot be used, or one for the whole record (an empty
// one, one that does not decode, one without rows), each reason prefixed
// by prefix; bad counts those rows (1 for a whole record). The route group
// and the score group decode with it.
func (r *Route) decodeRecord(scratch []input.Row, dead []*wire.DeadLetter, src wire.Source, key, value []byte, prefix string) (rows []input.Row, _ []*wire.DeadLetter, bad int) {
	whole := func(reason string) ([]input.Row, []*wire.DeadLetter, int) {
		return scratch[:0], append(dead, r.deadLetter(src, wire.WholeMessage, key, value, prefix+reason)), 1
	}
	if len(value) == 0 {
		return whole(input.ReasonEmptyMessage)
	}
	rows, badRows, err := r.Decoder.Decode(key, value, scratch)
	switch {
	case err != nil:
		return whole(err.Error())
	case len(rows) == 0 && len(badRows) == 0:
		return whole(input.ReasonNoRows)
	}
	for i := range badRows {
		raw := badRows[i].Raw
		if raw == nil {
			raw = value
		}
		dead = append(dead, r.deadLetter(src, badRows[i].Index, key, raw, prefix+badRows[i].Reason))
	}
	rows, wrong := r.checkWidth(rows)
	for _, row := range wrong {
		dead = append(dead, r.deadLetter(src, row.Index, key, value,
			fmt.Sprintf("%srow %d: %d features, want %d", prefix, row.Index, len(row.Features), r.Features)))
	}
	return rows, dead, len(badRows) + len(wrong)
}

// routeRow puts one decoded row into its batch for model mi, or
// dead-letters it for that model: an empty entity, a label the model would
// refuse, a row larger than a batch can hold. When the message's batch of
// the key is full, its rows go on in another batch of the same key, the
// full one marked Partial.
func (r *Route) routeRow(out *RouteOutput, byKey *batchIndex, src wire.Source, key, value []byte, mi int, row input.Row) {
	m := &r.Models[mi]
	k, ok := r.keyOf(mi, *m, src, row)
	if !ok {
		out.Dead = append(out.Dead, r.deadLetter(src, row.Index, key, value,
			fmt.Sprintf("model %s: row %d has an empty %q", m.Name, row.Index, m.KeyColumn)))
		return
	}
	b := byKey.find(out.Batches, k)
	if b == nil {
		b = out.newBatch(src, m.Name, k)
		out.Batches = byKey.add(out.Batches, b)
	}
	reason := ""
	if row.HasLabel {
		reason = LabelReason(m.Model, row.Label)
	}
	if c := r.rowCap(b); reason == "" && c < 1 {
		reason = fmt.Sprintf("%s: a row of %d features does not fit in a batch of key %q under the topics' max.message.bytes",
			input.ReasonTooLarge, r.Features, k)
	} else if reason == "" && len(b.Rows) >= c {
		b.Partial = true
		b = out.newBatch(src, m.Name, k)
		out.Batches = byKey.add(out.Batches, b)
	}
	if reason != "" {
		out.Dead = append(out.Dead, r.deadLetter(src, row.Index, key, value,
			fmt.Sprintf("model %s: row %d: %s", m.Name, row.Index, reason)))
		b.Invalid++
		return
	}
	b.Rows = append(b.Rows, wire.Row{Index: row.Index, Offset: src.Offset, Features: row.Features, Label: row.Label, HasLabel: row.HasLabel})
}

// count adds what routing one record did to r.Stats; routed are its rows
// that went out as Features (delayed labels), once per model key.
func (r *Route) count(partition int32, out *RouteOutput, routed int) {
	for _, b := range out.Batches {
		routed += len(b.Rows)
	}
	r.Stats.Count(partition, out.Decoded, routed, len(out.Dead))
	for _, d := range out.Dead {
		r.Stats.DeadLetter(d.Reason)
	}
}

// LabelReason says why a learner of config c would refuse label y (see
// model.Config.CheckLabel), or "": the reason route dead-letters such a
// row with, and batch scoring rejects it with.
func LabelReason(c model.Config, y float64) string {
	err := c.CheckLabel(y)
	switch {
	case err == nil:
		return ""
	case c.Task == model.TaskMulticlass && !math.IsNaN(y) && !math.IsInf(y, 0):
		return fmt.Sprintf("%s: label %v is not in 0..%d", input.ReasonLabelNotClass, y, c.Classes-1)
	case c.Task == model.TaskBinary && !math.IsNaN(y) && !math.IsInf(y, 0):
		return fmt.Sprintf("%s: label %v is not 0 or 1 (-1 is read as 0)", input.ReasonLabelNotClass, y)
	}
	return fmt.Sprintf("%s: label is %v", input.ReasonLabelNotFinite, y)
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

// findBatch returns the last batch of key: the one that takes its rows
// when a message's rows of one key span several batches.
func findBatch(bs []*wire.ExampleBatch, key string) *wire.ExampleBatch {
	for i := len(bs) - 1; i >= 0; i-- {
		if bs[i].Key == key {
			return bs[i]
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

// deadLetter makes the dead letter of a record (or of its row at index),
// cut to fit DeadLetterMaxBytes with its record key.
func (r *Route) deadLetter(src wire.Source, index int32, key, value []byte, reason string) *wire.DeadLetter {
	if len(key) == 0 {
		key = nil // goka does not tell a missing key from an empty one
	}
	d := wire.NewDeadLetter(src, index, key, value, reason)
	d.Fit(r.DeadLetterEncoding, r.DeadLetterMaxBytes-len(r.deadLetterKey(string(key))))
	return d
}

// deadLetterKey is the record key of the dead letters of a record of the
// given key: the key itself, or the hexadecimal SHA-256 of a key too long
// to leave room for the dead letter.
func (r *Route) deadLetterKey(key string) string {
	if len(key) <= r.DeadLetterMaxBytes/4 {
		return key
	}
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
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

package processors

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// ShardState is what one shard of a data-parallel global model publishes
// every MixEvery rows it learns, on <p>.shards keyed by the model's name:
// its learner as it is at that row (before it mixes the merged model back
// in), its counts and its rolling metrics. The merge group keeps the
// latest ShardState of every shard.
type ShardState struct {
	// Model is the model's name; Key the shard's table key.
	Model string
	Key   string
	// Shard is the shard's index, 0 <= Shard < ModelSpec.Shards.
	Shard int
	// Rows learned and dead-lettered rows counted by the shard, in total.
	Rows    int64
	Invalid int64
	// Learner holds weights, optimizer state and scaler.
	Learner *model.Model
	// Window holds the shard's rolling (prequential) metrics.
	Window *metrics.Window
}

// publish makes the ShardState of a shard's model state, with copies of
// its learner and window (the state goes on learning).
func publish(st *ModelState, shard int) *ShardState {
	return &ShardState{
		Model: st.Model, Key: st.Key, Shard: shard, Rows: st.Rows, Invalid: st.Invalid,
		Learner: st.Learner.Clone(), Window: st.Window.Clone(),
	}
}

// ShardIndex returns the index of a shard key of spec (one of
// ShardKeys(spec.Name, spec.Shards, partitions), for any partitions), and
// false when key is not one.
func ShardIndex(spec ModelSpec, key string) (int, bool) {
	if spec.Shards <= 1 || spec.PerEntity() {
		return 0, false
	}
	rest, ok := strings.CutPrefix(key, spec.Name+"/")
	if !ok {
		return 0, false
	}
	digits, _, _ := strings.Cut(rest, ".")
	i, err := strconv.Atoi(digits)
	if err != nil || i < 0 || i >= spec.Shards || strconv.Itoa(i) != digits {
		return 0, false
	}
	return i, true
}

// shardFormat is the first byte of an encoded ShardState.
const shardFormat = 1

// ShardCodec is the goka codec of <p>.shards. It needs the model specs to
// rebuild learners and windows of the right shape.
type ShardCodec struct {
	Specs map[string]ModelSpec
}

// Encode implements goka.Codec.
func (c *ShardCodec) Encode(value interface{}) ([]byte, error) {
	s, ok := value.(*ShardState)
	if !ok {
		return nil, fmt.Errorf("processors: shard codec: unexpected %T", value)
	}
	return s.AppendBinary(nil)
}

// Decode implements goka.Codec.
func (c *ShardCodec) Decode(data []byte) (interface{}, error) {
	d := decoder{buf: data}
	s, err := decodeShard(&d, c.Specs)
	if err != nil {
		return nil, err
	}
	if len(d.buf) != 0 {
		return nil, fmt.Errorf("%w: shard state: %d trailing bytes", ErrStateCorrupt, len(d.buf))
	}
	return s, nil
}

// AppendBinary appends the encoded ShardState to b.
func (s *ShardState) AppendBinary(b []byte) ([]byte, error) {
	if s.Learner == nil || s.Window == nil {
		return nil, fmt.Errorf("processors: encode shard %s: no learner or window", s.Key)
	}
	b = append(b, shardFormat)
	b = appendString(b, s.Model)
	b = appendString(b, s.Key)
	b = binary.AppendVarint(b, int64(s.Shard))
	b = binary.AppendVarint(b, s.Rows)
	b = binary.AppendVarint(b, s.Invalid)
	mb, err := s.Learner.AppendBinary(nil)
	if err != nil {
		return nil, fmt.Errorf("processors: encode shard %s: %w", s.Key, err)
	}
	b = appendBytes(b, mb)
	wb, err := s.Window.AppendBinary(nil)
	if err != nil {
		return nil, fmt.Errorf("processors: encode shard metrics %s: %w", s.Key, err)
	}
	return appendBytes(b, wb), nil
}

// decodeShard reads one ShardState of a sharded model of specs.
func decodeShard(d *decoder, specs map[string]ModelSpec) (*ShardState, error) {
	if d.byte() != shardFormat {
		return nil, fmt.Errorf("%w: shard state: unknown format", ErrStateCorrupt)
	}
	s := &ShardState{Model: d.string(), Key: d.string()}
	shard := d.varint()
	s.Rows, s.Invalid = d.varint(), d.varint()
	mb, wb := d.bytes(), d.bytes()
	if d.err != nil {
		return nil, fmt.Errorf("%w: shard state: %w", ErrStateCorrupt, d.err)
	}
	spec, ok := specs[s.Model]
	if !ok {
		return nil, fmt.Errorf("processors: shard state of unknown model %q (key %q)", s.Model, s.Key)
	}
	i, ok := ShardIndex(spec, s.Key)
	switch {
	case !ok || int64(i) != shard:
		return nil, fmt.Errorf("%w: shard state: key %q is not shard %d of model %s (%d shards)", ErrStateCorrupt, s.Key, shard, s.Model, spec.Shards)
	case s.Rows < 0 || s.Invalid < 0:
		return nil, fmt.Errorf("%w: shard state: negative counts %d, %d", ErrStateCorrupt, s.Rows, s.Invalid)
	}
	s.Shard = i
	st, err := newState(spec, s.Key)
	if err != nil {
		return nil, err
	}
	if err := st.Learner.UnmarshalBinary(mb); err != nil {
		return nil, fmt.Errorf("%w: shard %s: model: %w", ErrStateCorrupt, s.Key, err)
	}
	if err := st.Window.UnmarshalBinary(wb); err != nil {
		return nil, fmt.Errorf("%w: shard %s: metrics: %w", ErrStateCorrupt, s.Key, err)
	}
	s.Learner, s.Window = st.Learner, st.Window
	return s, nil
}

// appendShards appends the merge table's shard section: nothing when the
// state has no shards (every learn table state), else the number of
// shards that published, then each one's ShardState, length-prefixed.
// Older readers of a learn state never see the section.
func (s *ModelState) appendShards(b []byte) ([]byte, error) {
	n := 0
	for _, sh := range s.Shards {
		if sh != nil {
			n++
		}
	}
	if n == 0 {
		return b, nil
	}
	b = binary.AppendUvarint(b, uint64(n))
	for _, sh := range s.Shards {
		if sh == nil {
			continue
		}
		sb, err := sh.AppendBinary(nil)
		if err != nil {
			return nil, err
		}
		b = appendBytes(b, sb)
	}
	return b, nil
}

// decodeShards reads the shard section, if any, of a state of spec.
func (s *ModelState) decodeShards(d *decoder, spec ModelSpec, specs map[string]ModelSpec) error {
	if len(d.buf) == 0 {
		return nil
	}
	n := d.uvarint()
	if d.err != nil || n == 0 || spec.Shards <= 1 || n > uint64(spec.Shards) {
		return fmt.Errorf("%w: %d shards in a state of model %s (%d shards)", ErrStateCorrupt, n, spec.Name, spec.Shards)
	}
	s.Shards = make([]*ShardState, spec.Shards)
	for range n {
		sb := d.bytes()
		if d.err != nil {
			return fmt.Errorf("%w: shards: %w", ErrStateCorrupt, d.err)
		}
		sd := decoder{buf: sb}
		sh, err := decodeShard(&sd, specs)
		if err != nil {
			return err
		}
		if len(sd.buf) != 0 || sh.Model != s.Model || s.Shards[sh.Shard] != nil {
			return fmt.Errorf("%w: shard %q in the state of %s", ErrStateCorrupt, sh.Key, s.Model)
		}
		s.Shards[sh.Shard] = sh
	}
	if len(d.buf) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrStateCorrupt, len(d.buf))
	}
	return nil
}

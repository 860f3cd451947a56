package table

import (
	"encoding/binary"
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/binio"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// ShardState is what one shard of a data-parallel global model publishes
// every MixEvery rows it learns, on <p>.shards keyed by the model's name:
// its learner as it is at that row (before it mixes the merged model back
// in), its counts and its rolling metrics. The merge group keeps the
// latest ShardState of every shard in ModelState.Shards.
type ShardState struct {
	// Model is the model's name; Key the shard's table key.
	Model string
	Key   string
	// Shard is the shard's index, 0 <= Shard < Shape.Shards.
	Shard int
	// Rows learned and dead-lettered rows counted by the shard, in total.
	Rows    int64
	Invalid int64
	// Learner holds weights, optimizer state and scaler.
	Learner *model.Model
	// Window holds the shard's rolling (prequential) metrics.
	Window *metrics.Window
}

// shardFormat is the first byte of an encoded ShardState.
const shardFormat = 1

// Encoding of a ShardState (as a ModelState's):
//
//	format:u8 model key shard:varint rows:varint invalid:varint learner window

// ShardCodec is the goka codec of <p>.shards (values *ShardState). It
// needs the shape of every model, by name, to rebuild learners and windows
// of the right configs.
type ShardCodec struct {
	Shapes map[string]Shape
}

// Encode implements goka.Codec.
func (c *ShardCodec) Encode(value interface{}) ([]byte, error) {
	s, ok := value.(*ShardState)
	if !ok {
		return nil, fmt.Errorf("table: shard codec: unexpected %T", value)
	}
	return s.AppendBinary(nil)
}

// Decode implements goka.Codec.
func (c *ShardCodec) Decode(data []byte) (interface{}, error) {
	r := binio.NewReader(data)
	s, err := decodeShard(&r, c.Shapes)
	if err != nil {
		return nil, err
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%w: shard state: %d trailing bytes", ErrStateCorrupt, r.Len())
	}
	return s, nil
}

// AppendBinary appends the encoded ShardState to b.
func (s *ShardState) AppendBinary(b []byte) ([]byte, error) {
	if s.Learner == nil || s.Window == nil {
		return nil, fmt.Errorf("table: encode shard %s: no learner or window", s.Key)
	}
	b = append(b, shardFormat)
	b = binio.AppendString(b, s.Model)
	b = binio.AppendString(b, s.Key)
	b = binary.AppendVarint(b, int64(s.Shard))
	b = binary.AppendVarint(b, s.Rows)
	b = binary.AppendVarint(b, s.Invalid)
	mb, err := s.Learner.AppendBinary(nil)
	if err != nil {
		return nil, fmt.Errorf("table: encode shard %s: %w", s.Key, err)
	}
	b = binio.AppendBytes(b, mb)
	wb, err := s.Window.AppendBinary(nil)
	if err != nil {
		return nil, fmt.Errorf("table: encode shard metrics %s: %w", s.Key, err)
	}
	return binio.AppendBytes(b, wb), nil
}

// decodeShard reads one ShardState of a sharded model of shapes.
func decodeShard(r *binio.Reader, shapes map[string]Shape) (*ShardState, error) {
	if r.Byte() != shardFormat {
		return nil, fmt.Errorf("%w: shard state: unknown format", ErrStateCorrupt)
	}
	s := &ShardState{Model: r.Str(), Key: r.Str()}
	shard := r.Varint()
	s.Rows, s.Invalid = r.Varint(), r.Varint()
	mb, wb := r.Bytes(), r.Bytes()
	if r.Err() != nil {
		return nil, fmt.Errorf("%w: shard state: %w", ErrStateCorrupt, r.Err())
	}
	shape, ok := shapes[s.Model]
	if !ok {
		return nil, fmt.Errorf("table: shard state of unknown model %q (key %q)", s.Model, s.Key)
	}
	i, ok := ShardIndex(s.Model, shape.Shards, s.Key)
	switch {
	case !ok || int64(i) != shard:
		return nil, fmt.Errorf("%w: shard state: key %q is not shard %d of model %s (%d shards)", ErrStateCorrupt, s.Key, shard, s.Model, shape.Shards)
	case s.Rows < 0 || s.Invalid < 0:
		return nil, fmt.Errorf("%w: shard state: negative counts %d, %d", ErrStateCorrupt, s.Rows, s.Invalid)
	}
	s.Shard = i
	st, err := NewModelState(s.Model, s.Key, shape)
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
		b = binio.AppendBytes(b, sb)
	}
	return b, nil
}

// decodeShards reads the shard section, if any, of a state of a model of
// the given shape.
func (s *ModelState) decodeShards(r *binio.Reader, shape Shape, shapes map[string]Shape) error {
	if r.Len() == 0 {
		return nil
	}
	n := r.Uvarint()
	if r.Err() != nil || n == 0 || shape.Shards <= 1 || n > uint64(shape.Shards) {
		return fmt.Errorf("%w: %d shards in a state of model %s (%d shards)", ErrStateCorrupt, n, s.Model, shape.Shards)
	}
	s.Shards = make([]*ShardState, shape.Shards)
	for range n {
		sb := r.Bytes()
		if r.Err() != nil {
			return fmt.Errorf("%w: shards: %w", ErrStateCorrupt, r.Err())
		}
		sr := binio.NewReader(sb)
		sh, err := decodeShard(&sr, shapes)
		if err != nil {
			return err
		}
		if sr.Len() != 0 || sh.Model != s.Model || s.Shards[sh.Shard] != nil {
			return fmt.Errorf("%w: shard %q in the state of %s", ErrStateCorrupt, sh.Key, s.Model)
		}
		s.Shards[sh.Shard] = sh
	}
	if r.Len() != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrStateCorrupt, r.Len())
	}
	return nil
}

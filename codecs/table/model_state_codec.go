package table

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/binio"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// stateFormat is the first byte of an encoded ModelState: 3 since it
// carries the drift monitor, 2 since the watermarks carry Next; 2 and 1
// are still read (a fresh monitor).
const (
	stateFormat   = 3
	stateFormatV2 = 2
	stateFormatV1 = 1
)

// ErrStateCorrupt is wrapped by errors decoding a ModelState or a
// ShardState.
var ErrStateCorrupt = errors.New("table: corrupt model state")

// Encoding of a ModelState (varints as encoding/binary, strings and byte
// strings length-prefixed by a uvarint, see codecs/binio):
//
//	format:u8 model key rows:varint invalid:varint nextEmit:varint
//	watermarks:uvarint × (topic partition:varint offset:varint next:varint)
//	(format 1: without next)
//	learner (model.Model's encoding) window (metrics.Window's encoding)
//	drift (format 3: drift.Monitor's encoding, empty when none)
//	events (format 3: the recent events, empty when none:
//	    uvarint × (wire.AppendEvent's Avro encoding, length-prefixed))
//	[merge table only: shards:uvarint × shard (a ShardState's encoding)]

// StateCodec is the goka codec of the learn and merge tables (values
// *ModelState). It needs the shape of every model, by name, to rebuild
// learners and windows of the right configs.
type StateCodec struct {
	Shapes map[string]Shape
	// Lenient makes Decode return an *UndecodableState instead of an
	// error: for readers of the changelog that must not stop on a state
	// they cannot decode, such as one of a model no longer in the config
	// (the checkpoint group).
	Lenient bool
	// MismatchAsValue makes Decode return an *UndecodableState for a state
	// written under another config of its model (its Err wraps
	// model.ErrMismatch or metrics.ErrConfigMismatch): the learn group
	// then stops with that reason instead of failing in goka's decoding
	// and restarting for ever.
	MismatchAsValue bool

	cache *stateCache
	view  *viewCache // NewStateViewCodec
}

// NewLearnerStateCodec returns the codec the learn group itself uses: it
// caches up to capacity decoded states, of at most maxBytes encoded bytes
// in all, so that a state read back from the local store right after the
// learner wrote it is not decoded again. Use it for one processor only;
// readers use a plain StateCodec.
func NewLearnerStateCodec(shapes map[string]Shape, capacity, maxBytes int) *StateCodec {
	return &StateCodec{Shapes: shapes, MismatchAsValue: true, cache: newStateCache(capacity, maxBytes)}
}

// UndecodableState is what a Lenient StateCodec decodes a state it cannot
// decode to.
type UndecodableState struct {
	// Model is the model name the state names, if readable.
	Model string
	Err   error
}

// Encode implements goka.Codec.
func (c *StateCodec) Encode(value interface{}) ([]byte, error) {
	s, ok := value.(*ModelState)
	if !ok {
		return nil, fmt.Errorf("table: state codec: unexpected %T", value)
	}
	b, err := s.AppendBinary(nil)
	if err == nil && c.cache != nil {
		c.cache.put(s.Key, b, s)
	}
	return b, err
}

// Decode implements goka.Codec.
func (c *StateCodec) Decode(data []byte) (interface{}, error) {
	if c.view != nil {
		return c.view.decode(data, func(d []byte) (any, error) { return c.decode(d) }), nil
	}
	if c.cache != nil {
		if st := c.cache.get(peekKey(data), data); st != nil {
			return st, nil
		}
	}
	if c.Lenient {
		return c.decodeLenient(data), nil
	}
	st, err := c.decode(data)
	if err != nil && c.MismatchAsValue && (errors.Is(err, model.ErrMismatch) || errors.Is(err, metrics.ErrConfigMismatch)) {
		return undecodable(data, err), nil
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Forget drops a key from the cache (after a failed step may have changed
// its cached state without storing it).
func (c *StateCodec) Forget(key string) {
	if c.cache != nil {
		c.cache.forget(key)
	}
}

// peekKey reads the table key from an encoded state ("" if malformed).
func peekKey(data []byte) string {
	r := binio.NewReader(data)
	r.Byte()
	r.Bytes()
	k := r.Bytes()
	if r.Err() != nil {
		return ""
	}
	return string(k)
}

func (c *StateCodec) decodeLenient(data []byte) interface{} {
	if len(data) == 0 {
		return nil // a tombstone
	}
	st, err := c.decode(data)
	if err == nil {
		return st
	}
	return undecodable(data, err)
}

// undecodable is the UndecodableState of data, which decoding refused
// with err.
func undecodable(data []byte, err error) *UndecodableState {
	r := binio.NewReader(data)
	r.Byte()
	name := r.Str()
	if r.Err() != nil {
		name = ""
	}
	return &UndecodableState{Model: name, Err: err}
}

func (c *StateCodec) decode(data []byte) (*ModelState, error) {
	r := binio.NewReader(data)
	format := r.Byte()
	if format != stateFormat && format != stateFormatV2 && format != stateFormatV1 {
		return nil, fmt.Errorf("%w: unknown format", ErrStateCorrupt)
	}
	name := r.Str()
	key := r.Str()
	if r.Err() != nil {
		return nil, fmt.Errorf("%w: %w", ErrStateCorrupt, r.Err())
	}
	shape, ok := c.Shapes[name]
	if !ok {
		return nil, fmt.Errorf("table: state of unknown model %q (key %q)", name, key)
	}
	s, err := NewModelState(name, key, shape)
	if err != nil {
		return nil, err
	}
	if err := s.decodeRest(&r, format); err != nil {
		return nil, err
	}
	if err := s.decodeShards(&r, shape, c.Shapes); err != nil {
		return nil, err
	}
	return s, nil
}

// AppendBinary appends the encoded state to b.
func (s *ModelState) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, stateFormat)
	b = binio.AppendString(b, s.Model)
	b = binio.AppendString(b, s.Key)
	b = binary.AppendVarint(b, s.Rows)
	b = binary.AppendVarint(b, s.Invalid)
	b = binary.AppendVarint(b, s.NextEmit)
	b = binary.AppendUvarint(b, uint64(len(s.Watermarks)))
	for _, w := range s.Watermarks {
		b = binio.AppendString(b, w.Topic)
		b = binary.AppendVarint(b, int64(w.Partition))
		b = binary.AppendVarint(b, w.Offset)
		b = binary.AppendVarint(b, int64(w.Next))
	}
	mb, err := s.Learner.AppendBinary(nil)
	if err != nil {
		return nil, fmt.Errorf("table: encode model %s: %w", s.Key, err)
	}
	b = binio.AppendBytes(b, mb)
	wb, err := s.Window.AppendBinary(nil)
	if err != nil {
		return nil, fmt.Errorf("table: encode metrics %s: %w", s.Key, err)
	}
	b = binio.AppendBytes(b, wb)
	var db []byte
	if s.Drift != nil {
		if db, err = s.Drift.AppendBinary(nil); err != nil {
			return nil, fmt.Errorf("table: encode drift %s: %w", s.Key, err)
		}
	}
	b = binio.AppendBytes(b, db)
	return s.appendShards(binio.AppendBytes(b, s.appendEvents(nil)))
}

func (s *ModelState) appendEvents(b []byte) []byte {
	if len(s.Events) == 0 {
		return b
	}
	b = binary.AppendUvarint(b, uint64(len(s.Events)))
	for i := range s.Events {
		b = binio.AppendBytes(b, wire.AppendEvent(nil, &s.Events[i]))
	}
	return b
}

func (s *ModelState) decodeEvents(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	r := binio.NewReader(data)
	n := r.Count(1)
	for i := 0; i < n && r.Err() == nil; i++ {
		var e wire.Event
		if err := wire.ReadEvent(r.Bytes(), &e); err != nil && r.Err() == nil {
			return fmt.Errorf("%w: events: %w", ErrStateCorrupt, err)
		}
		s.Events = append(s.Events, e)
	}
	switch {
	case r.Err() != nil:
		return fmt.Errorf("%w: events: %w", ErrStateCorrupt, r.Err())
	case r.Len() != 0:
		return fmt.Errorf("%w: events: %d trailing bytes", ErrStateCorrupt, r.Len())
	}
	return nil
}

func (s *ModelState) decodeRest(r *binio.Reader, format byte) error {
	s.Rows = r.Varint()
	s.Invalid = r.Varint()
	s.NextEmit = r.Varint()
	n := r.Uvarint()
	if n > uint64(r.Len()) {
		return fmt.Errorf("%w: %d watermarks", ErrStateCorrupt, n)
	}
	s.Watermarks = make([]wire.Watermark, 0, n)
	for i := uint64(0); i < n && r.Err() == nil; i++ {
		w := wire.Watermark{Topic: r.Str(), Partition: int32(r.Varint()), Offset: r.Varint()}
		if format >= stateFormatV2 {
			w.Next = int32(r.Varint())
		}
		s.Watermarks = append(s.Watermarks, w)
	}
	mb := r.Bytes()
	wb := r.Bytes()
	var db, eb []byte
	if format >= stateFormat {
		db = r.Bytes()
		eb = r.Bytes()
	}
	if r.Err() != nil {
		return fmt.Errorf("%w: %w", ErrStateCorrupt, r.Err())
	}
	if err := s.Learner.UnmarshalBinary(mb); err != nil {
		return fmt.Errorf("%w: model: %w", ErrStateCorrupt, err)
	}
	if err := s.Window.UnmarshalBinary(wb); err != nil {
		return fmt.Errorf("%w: metrics: %w", ErrStateCorrupt, err)
	}
	if err := s.decodeEvents(eb); err != nil {
		return err
	}
	return s.decodeDrift(db)
}

// decodeDrift restores the drift monitor: a state written without one
// (format 1 or 2, or while the model detected no drift) starts a fresh
// monitor; a monitor of a model that now detects none is dropped.
func (s *ModelState) decodeDrift(db []byte) error {
	if s.Drift == nil || len(db) == 0 {
		return nil
	}
	if err := s.Drift.UnmarshalBinary(db); err != nil {
		return fmt.Errorf("%w: drift: %w", ErrStateCorrupt, err)
	}
	return nil
}

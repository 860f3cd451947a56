package processors

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// stateFormat is the first byte of an encoded ModelState.
const stateFormat = 1

// ErrStateCorrupt is wrapped by errors decoding a ModelState.
var ErrStateCorrupt = errors.New("processors: corrupt model state")

// StateCodec is the goka codec of the learn table. It needs the model specs
// to rebuild learners and windows of the right shape.
type StateCodec struct {
	Specs map[string]ModelSpec
	// Lenient makes Decode return an *UndecodableState instead of an
	// error: for readers of the changelog that must not stop on a state
	// they cannot decode, such as one of a model no longer in the config
	// (the checkpoint group).
	Lenient bool

	cache *stateCache
}

// NewLearnerStateCodec returns the codec the learn group itself uses: it
// caches up to capacity decoded states, so that a state read back from the
// local store right after the learner wrote it is not decoded again. Use it
// for one processor only; readers use a plain StateCodec.
func NewLearnerStateCodec(specs map[string]ModelSpec, capacity int) *StateCodec {
	return &StateCodec{Specs: specs, cache: newStateCache(capacity)}
}

// Encode implements goka.Codec.
func (c *StateCodec) Encode(value interface{}) ([]byte, error) {
	s, ok := value.(*ModelState)
	if !ok {
		return nil, fmt.Errorf("processors: state codec: unexpected %T", value)
	}
	b, err := s.AppendBinary(nil)
	if err == nil && c.cache != nil {
		c.cache.put(s.Key, b, s)
	}
	return b, err
}

// Decode implements goka.Codec.
func (c *StateCodec) Decode(data []byte) (interface{}, error) {
	if c.cache != nil {
		if st := c.cache.get(peekKey(data), data); st != nil {
			return st, nil
		}
	}
	if c.Lenient {
		return c.decodeLenient(data), nil
	}
	return c.decode(data)
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
	d := decoder{buf: data}
	d.byte()
	d.bytes()
	k := d.bytes()
	if d.err != nil {
		return ""
	}
	return string(k)
}

func (c *StateCodec) decode(data []byte) (*ModelState, error) {
	d := decoder{buf: data}
	if d.byte() != stateFormat {
		return nil, fmt.Errorf("%w: unknown format", ErrStateCorrupt)
	}
	name := d.string()
	key := d.string()
	if d.err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStateCorrupt, d.err)
	}
	spec, ok := c.Specs[name]
	if !ok {
		return nil, fmt.Errorf("processors: state of unknown model %q (key %q)", name, key)
	}
	s, err := newState(spec, key)
	if err != nil {
		return nil, err
	}
	if err := s.decodeRest(&d); err != nil {
		return nil, err
	}
	if err := s.decodeShards(&d, spec, c.Specs); err != nil {
		return nil, err
	}
	return s, nil
}

// AppendBinary appends the encoded state to b.
func (s *ModelState) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, stateFormat)
	b = appendString(b, s.Model)
	b = appendString(b, s.Key)
	b = binary.AppendVarint(b, s.Rows)
	b = binary.AppendVarint(b, s.Invalid)
	b = binary.AppendVarint(b, s.NextEmit)
	b = binary.AppendUvarint(b, uint64(len(s.Watermarks)))
	for _, w := range s.Watermarks {
		b = appendString(b, w.Topic)
		b = binary.AppendVarint(b, int64(w.Partition))
		b = binary.AppendVarint(b, w.Offset)
	}
	mb, err := s.Learner.AppendBinary(nil)
	if err != nil {
		return nil, fmt.Errorf("processors: encode model %s: %w", s.Key, err)
	}
	b = appendBytes(b, mb)
	wb, err := s.Window.AppendBinary(nil)
	if err != nil {
		return nil, fmt.Errorf("processors: encode metrics %s: %w", s.Key, err)
	}
	return s.appendShards(appendBytes(b, wb))
}

func (s *ModelState) decodeRest(d *decoder) error {
	s.Rows = d.varint()
	s.Invalid = d.varint()
	s.NextEmit = d.varint()
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		return fmt.Errorf("%w: %d watermarks", ErrStateCorrupt, n)
	}
	s.Watermarks = make([]Watermark, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		s.Watermarks = append(s.Watermarks, Watermark{Topic: d.string(), Partition: int32(d.varint()), Offset: d.varint()})
	}
	mb := d.bytes()
	wb := d.bytes()
	if d.err != nil {
		return fmt.Errorf("%w: %w", ErrStateCorrupt, d.err)
	}
	if err := s.Learner.UnmarshalBinary(mb); err != nil {
		return fmt.Errorf("%w: model: %w", ErrStateCorrupt, err)
	}
	if err := s.Window.UnmarshalBinary(wb); err != nil {
		return fmt.Errorf("%w: metrics: %w", ErrStateCorrupt, err)
	}
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b, p []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

var errShort = errors.New("truncated")

// decoder reads what AppendBinary wrote; the first error sticks.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.buf) == 0 {
		d.err = errShort
		return 0
	}
	c := d.buf[0]
	d.buf = d.buf[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.buf)) {
		d.err = errShort
		return nil
	}
	p := d.buf[:n]
	d.buf = d.buf[n:]
	return p
}

func (d *decoder) string() string { return string(d.bytes()) }

package table

import (
	"bytes"
	"sync"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// Codec is a goka.Codec (this package does not import goka).
type Codec interface {
	Encode(value any) ([]byte, error)
	Decode(data []byte) (any, error)
}

// ViewCodec decodes the values of a table for a reader that reads the same
// keys again and again: the score group, which looks a model's state or
// registry up for every record it scores. It wraps the table's codec and
// keeps, per table key, the value it decoded last with its bytes; handed
// the same bytes again it returns that value without decoding. The
// encodings it wraps start with a format byte, the model name and the table
// key (ModelState, Registry).
//
// A value it cannot decode comes back as an *UndecodableState (whatever
// the table), never as an error, so that one bad record cannot stop the
// reader (a goka lookup that fails stops its processor).
//
// The values it returns are shared by every caller and must not be
// modified. It keeps at most MaxBytes bytes of values (counted twice: the
// bytes and the decoded value), then starts over.
type ViewCodec struct {
	inner    Codec
	maxBytes int

	mu    sync.Mutex
	bytes int
	m     map[string]viewEntry
}

type viewEntry struct {
	enc   []byte
	value any
}

// DefaultViewBytes is the default bound of a ViewCodec's cache.
const DefaultViewBytes = 64 << 20

// NewViewCodec returns a ViewCodec over inner that keeps at most maxBytes
// (<= 0: DefaultViewBytes).
func NewViewCodec(inner Codec, maxBytes int) *ViewCodec {
	if maxBytes <= 0 {
		maxBytes = DefaultViewBytes
	}
	return &ViewCodec{inner: inner, maxBytes: maxBytes, m: map[string]viewEntry{}}
}

// Encode implements goka.Codec: the inner codec's.
func (c *ViewCodec) Encode(value any) ([]byte, error) { return c.inner.Encode(value) }

// Decode implements goka.Codec.
func (c *ViewCodec) Decode(data []byte) (any, error) {
	key := peekKey(data)
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && bytes.Equal(e.enc, data) {
		return e.value, nil
	}
	v, err := c.inner.Decode(data)
	if err != nil {
		return &UndecodableState{Model: peekModel(data), Err: err}, nil
	}
	if v == nil {
		return nil, nil
	}
	enc := bytes.Clone(data)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[key]; ok {
		c.bytes -= 2 * len(old.enc)
	}
	if c.bytes+2*len(enc) > c.maxBytes {
		clear(c.m)
		c.bytes = 0
	}
	c.m[key] = viewEntry{enc: enc, value: v}
	c.bytes += 2 * len(enc)
	return v, nil
}

// Len is the number of values kept.
func (c *ViewCodec) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// peekModel reads the model name from an encoded state or registry (""
// if malformed).
func peekModel(data []byte) string {
	r := binio.NewReader(data)
	r.Byte()
	name := r.Str()
	if r.Err() != nil {
		return ""
	}
	return name
}

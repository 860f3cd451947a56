package table

import (
	"bytes"
	"sync"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// DefaultViewBytes is the default bound of a view codec's cache.
const DefaultViewBytes = 64 << 20

// NewStateViewCodec returns the codec of a reader of model states that
// reads the same keys again and again: the score group, which looks a
// model's state up in the learn (or merge) table for every record it
// scores. See viewCache: it returns the state it decoded last for a key
// when handed the same bytes, keeps at most maxBytes (<= 0:
// DefaultViewBytes), and decodes what it cannot decode to an
// *UndecodableState, never an error. The states it returns are shared and
// must not be modified.
func NewStateViewCodec(shapes map[string]Shape, maxBytes int) *StateCodec {
	return &StateCodec{Shapes: shapes, view: newViewCache(maxBytes)}
}

// NewRegistryViewCodec is NewStateViewCodec for the checkpoint table: the
// registries it returns are shared and must not be modified.
func NewRegistryViewCodec(maxBytes int) *RegistryCodec {
	return &RegistryCodec{view: newViewCache(maxBytes)}
}

// viewCache keeps, per table key, the value a view codec decoded last with
// its bytes; handed the same bytes again it returns that value without
// decoding. The encodings it keeps start with a format byte, the model
// name and the table key (ModelState, Registry). A value that does not
// decode is an *UndecodableState, never an error, so that one bad record
// cannot stop its reader (a goka lookup that fails stops its processor).
// It keeps at most maxBytes of values (counted twice: the bytes and the
// decoded value), then starts over.
type viewCache struct {
	maxBytes int

	mu    sync.Mutex
	bytes int
	m     map[string]viewEntry
}

type viewEntry struct {
	enc   []byte
	value any
}

func newViewCache(maxBytes int) *viewCache {
	if maxBytes <= 0 {
		maxBytes = DefaultViewBytes
	}
	return &viewCache{maxBytes: maxBytes, m: map[string]viewEntry{}}
}

// decode returns the value of data, decoded by decode unless data are the
// bytes of the value kept for its key.
func (c *viewCache) decode(data []byte, decode func([]byte) (any, error)) any {
	key := peekKey(data)
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && bytes.Equal(e.enc, data) {
		return e.value
	}
	v, err := decode(data)
	if err != nil {
		return &UndecodableState{Model: peekModel(data), Err: err}
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
	return v
}

// len is the number of values kept.
func (c *viewCache) len() int {
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

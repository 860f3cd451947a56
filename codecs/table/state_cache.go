package table

import (
	"bytes"
	"sync"
)

// stateCache remembers, per table key, the last state the learner encoded
// and the bytes it encoded to. When goka hands the codec the same bytes
// back (read from the local store), the cached state is returned instead of
// decoding it again: the bytes are equal, so the decoded state would equal
// the cached one. Anything else written to the store (a restore from the
// changelog after a rebalance, a hot standby update) has other bytes and is
// decoded as usual.
//
// A cached state is owned by the goroutine of its key's partition: the
// learner mutates it in place between Decode and Encode. Only the learn
// group's codec may cache; readers (views, tools) use an uncached codec.
//
// It holds at most capacity states and maxBytes encoded bytes (a decoded
// state takes about as much again, or up to 5 times for small models):
// when either is full, a new key empties it.
type stateCache struct {
	mu       sync.Mutex
	capacity int
	maxBytes int
	bytes    int // encoded bytes of the entries
	entries  map[string]cacheEntry
}

type cacheEntry struct {
	enc []byte
	st  *ModelState
}

func newStateCache(capacity, maxBytes int) *stateCache {
	return &stateCache{capacity: capacity, maxBytes: maxBytes, entries: make(map[string]cacheEntry)}
}

func (c *stateCache) get(key string, data []byte) *ModelState {
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && bytes.Equal(e.enc, data) {
		return e.st
	}
	return nil
}

func (c *stateCache) put(key string, enc []byte, st *ModelState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old, ok := c.entries[key]
	c.bytes -= len(old.enc)
	if !ok && len(c.entries) >= c.capacity || c.bytes+len(enc) > c.maxBytes {
		clear(c.entries)
		c.bytes = 0
	}
	if len(enc) > c.maxBytes {
		return
	}
	c.entries[key] = cacheEntry{enc: enc, st: st}
	c.bytes += len(enc)
}

func (c *stateCache) forget(key string) {
	c.mu.Lock()
	c.bytes -= len(c.entries[key].enc)
	delete(c.entries, key)
	c.mu.Unlock()
}

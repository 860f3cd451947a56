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
type stateCache struct {
	mu       sync.Mutex
	capacity int
	entries  map[string]cacheEntry
}

type cacheEntry struct {
	enc []byte
	st  *ModelState
}

func newStateCache(capacity int) *stateCache {
	return &stateCache{capacity: capacity, entries: make(map[string]cacheEntry)}
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
	if len(c.entries) >= c.capacity {
		if _, ok := c.entries[key]; !ok {
			clear(c.entries)
		}
	}
	c.entries[key] = cacheEntry{enc: enc, st: st}
}

func (c *stateCache) forget(key string) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

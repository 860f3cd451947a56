package state

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/lovoo/goka/storage"
)

// iterator walks a point-in-time view of a range of table keys. Like goka's
// iterators it is not safe for concurrent use, but any number may be used
// concurrently. Every method holds the store's life lock for reading, so a
// concurrent Store.Close waits for it and then releases it.
type iterator struct {
	s       *Store
	it      *pebble.Iterator
	seekBuf []byte
	started bool // Next or Seek was called
	valid   bool // positioned on an entry
	done    bool // released, or closed with the store
	err     error
}

var _ storage.Iterator = (*iterator)(nil)

// Iterator returns an iterator over every table key, in key order. The
// store's offset record is not a table key and never shows.
func (s *Store) Iterator() (storage.Iterator, error) {
	return s.newIterator([]byte{nsTable}, tableUpperBound())
}

// IteratorWithRange returns an iterator over the table keys in
// [start, limit). An empty limit selects the keys that start with start,
// as goka's LevelDB and memory storages do (the storage.Storage comment says
// "unbounded"; both implementations use start as a prefix). An empty start
// and limit select every key.
func (s *Store) IteratorWithRange(start, limit []byte) (storage.Iterator, error) {
	lower, upper := tableRange(start, limit)
	return s.newIterator(lower, upper)
}

// newIterator opens an iterator over the pebble keys in [lower, upper).
func (s *Store) newIterator(lower, upper []byte) (storage.Iterator, error) {
	if err := s.acquire(); err != nil {
		return nil, err
	}
	defer s.life.RUnlock()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, fmt.Errorf("state: new iterator: %w", err)
	}
	i := &iterator{s: s, it: it}
	s.iters.add(i)
	return i, nil
}

// tableRange returns the pebble bounds of the table keys in [start, limit),
// or of the keys prefixed by start when limit is empty.
func tableRange(start, limit []byte) (lower, upper []byte) {
	lower = appendTableKey(nil, start)
	switch end := prefixEnd(start); {
	case len(limit) > 0:
		upper = appendTableKey(nil, limit)
	case end != nil:
		upper = appendTableKey(nil, end)
	default:
		upper = tableUpperBound()
	}
	if bytes.Compare(upper, lower) < 0 {
		upper = lower // empty range
	}
	return lower, upper
}

// prefixEnd returns the smallest key greater than every key prefixed by p,
// or nil when there is none (p is empty or all 0xff).
func prefixEnd(p []byte) []byte {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != 0xff {
			end := append([]byte(nil), p[:i+1]...)
			end[i]++
			return end
		}
	}
	return nil
}

// Next moves to the next entry (the first one on the first call) and
// reports whether there is one.
func (i *iterator) Next() bool {
	i.s.life.RLock()
	defer i.s.life.RUnlock()
	switch {
	case i.done || (i.started && !i.valid):
		return false
	case !i.started:
		i.started = true
		i.valid = i.it.First()
	default:
		i.valid = i.it.Next()
	}
	return i.valid
}

// Seek moves to the first entry whose key is at least key and reports
// whether there is one. Key and Value then return that entry; Next moves
// past it.
func (i *iterator) Seek(key []byte) bool {
	i.s.life.RLock()
	defer i.s.life.RUnlock()
	if i.done {
		return false
	}
	i.started = true
	i.seekBuf = appendTableKey(i.seekBuf[:0], key)
	i.valid = i.it.SeekGE(i.seekBuf)
	return i.valid
}

// Key returns the current key, or nil when not positioned on an entry. The
// slice is valid until the next call on the iterator.
func (i *iterator) Key() []byte {
	i.s.life.RLock()
	defer i.s.life.RUnlock()
	if i.done || !i.valid {
		return nil
	}
	return i.it.Key()[1:]
}

// Value returns the current value, or nil when not positioned on an entry.
// The slice is valid until the next call on the iterator.
func (i *iterator) Value() ([]byte, error) {
	i.s.life.RLock()
	defer i.s.life.RUnlock()
	if i.done || !i.valid {
		return nil, nil
	}
	v, err := i.it.ValueAndErr()
	if err != nil {
		return nil, fmt.Errorf("state: iterator value: %w", err)
	}
	return v, nil
}

// Err returns the error that stopped the iteration: ErrClosed once the
// store is closed, pebble's error otherwise.
func (i *iterator) Err() error {
	i.s.life.RLock()
	defer i.s.life.RUnlock()
	if i.err != nil || i.done {
		return i.err
	}
	if err := i.it.Error(); err != nil {
		return fmt.Errorf("state: iterator: %w", err)
	}
	return nil
}

// Release closes the iterator; it is exhausted afterwards. Releasing twice
// is a no-op.
func (i *iterator) Release() {
	i.s.life.RLock()
	defer i.s.life.RUnlock()
	if i.done {
		return
	}
	i.s.iters.remove(i)
	i.close(nil)
}

// close marks the iterator done with err and closes the pebble iterator.
func (i *iterator) close(err error) {
	i.done, i.valid, i.err = true, false, err
	if cerr := i.it.Close(); cerr != nil && i.err == nil {
		i.err = fmt.Errorf("state: iterator: %w", cerr)
	}
}

// iterSet tracks the open iterators of a store.
type iterSet struct {
	mu sync.Mutex
	m  map[*iterator]struct{}
}

func (s *iterSet) add(i *iterator) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[*iterator]struct{})
	}
	s.m[i] = struct{}{}
}

func (s *iterSet) remove(i *iterator) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, i)
}

// closeAll closes every open iterator with ErrClosed. The caller holds the
// store's life lock for writing.
func (s *iterSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.m {
		i.close(ErrClosed)
	}
	clear(s.m)
}

package state

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// Has reports whether key is in the table.
func (s *Store) Has(key string) (bool, error) {
	_, ok, err := s.get(key, false)
	return ok, err
}

// Get returns a copy of key's value, or nil and no error when the key is
// missing. An empty value is returned as a non-nil empty slice.
func (s *Store) Get(key string) ([]byte, error) {
	v, _, err := s.get(key, true)
	return v, err
}

// get looks key up and copies its value when want is set.
//
// pebble's Get reads no bloom filter of the bottom level (L6), where a
// store past its memtables keeps most of its data, so looking up an
// absent key there reads a data block: a new key of a large table (a
// per-entity model's first row, a delayed-label example's features)
// costs as much as a present one. An iterator opened with UseL6Filters
// skips the block, but costs more than Get for a key that is there. get
// therefore takes the iterator while most recent lookups of this store
// missed (misses), and Get otherwise. Both read the latest committed
// writes. See doc.go for the figures.
func (s *Store) get(key string, want bool) ([]byte, bool, error) {
	if err := s.acquire(); err != nil {
		return nil, false, err
	}
	defer s.life.RUnlock()
	kp := s.keys.Get().(*[]byte)
	defer s.keys.Put(kp)
	*kp = appendTableKey((*kp)[:0], key)
	var (
		out []byte
		ok  bool
		err error
	)
	if s.misses.Load() >= missesFiltered {
		out, ok, err = s.seekFiltered(*kp, want)
	} else {
		out, ok, err = s.getValue(*kp, want)
	}
	if err != nil {
		return nil, false, fmt.Errorf("state: get %q: %w", key, err)
	}
	s.countLookup(ok)
	return out, ok, nil
}

// Lookup prediction (Store.misses): at missesFiltered and above, get
// seeks with the bottom level's bloom filters.
const (
	missesMax      = 3
	missesFiltered = 2
)

// countLookup moves the miss counter after a lookup that found the key
// (found) or not. Concurrent lookups may lose a step: it is a heuristic,
// never a result.
func (s *Store) countLookup(found bool) {
	m := s.misses.Load()
	switch {
	case found && m > 0:
		s.misses.Store(m - 1)
	case !found && m < missesMax:
		s.misses.Store(m + 1)
	}
}

// getValue is pebble's Get of table key k.
func (s *Store) getValue(k []byte, want bool) ([]byte, bool, error) {
	v, closer, err := s.db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var out []byte
	if want {
		out = append(make([]byte, 0, len(v)), v...) // non-nil when empty
	}
	return out, true, closer.Close()
}

// seekFiltered looks table key k up with an iterator that reads the bloom
// filters of every level. The default comparer's prefix of a key is the
// whole key, so SeekPrefixGE finds k itself or nothing.
func (s *Store) seekFiltered(k []byte, want bool) ([]byte, bool, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{UseL6Filters: true})
	if err != nil {
		return nil, false, err
	}
	ok := it.SeekPrefixGE(k) && bytes.Equal(it.Key(), k)
	var out []byte
	if ok && want {
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, false, errors.Join(err, it.Close())
		}
		out = append(make([]byte, 0, len(v)), v...) // non-nil when empty
	}
	return out, ok, it.Close()
}

// Set stores value under key. A nil value is rejected with ErrNilValue.
// The latest offset passed to SetOffset, if not yet written, is written in
// the same batch.
func (s *Store) Set(key string, value []byte) error {
	if value == nil {
		return fmt.Errorf("state: set %q: %w", key, ErrNilValue)
	}
	return s.write(key, value, false)
}

// Delete removes key; deleting a missing key is not an error.
func (s *Store) Delete(key string) error {
	return s.write(key, nil, true)
}

// write applies one Set or Delete, with the pending offset, in one batch.
func (s *Store) write(key string, value []byte, del bool) error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	s.w.Lock()
	defer s.w.Unlock()
	op := "set"
	if del {
		op = "delete"
	}
	if err := stageEntry(s.w.batch, key, value, del); err != nil {
		s.w.batch.Reset()
		return fmt.Errorf("state: %s %q: %w", op, key, err)
	}
	if err := s.commitWithOffset(); err != nil {
		return fmt.Errorf("state: %s %q: %w", op, key, err)
	}
	return nil
}

// stageEntry adds the Set or Delete of a table key to b without building
// the pebble key in a separate buffer.
func stageEntry(b *pebble.Batch, key string, value []byte, del bool) error {
	if del {
		op := b.DeleteDeferred(1 + len(key))
		op.Key[0] = nsTable
		copy(op.Key[1:], key)
		return op.Finish()
	}
	op := b.SetDeferred(1+len(key), len(value))
	op.Key[0] = nsTable
	copy(op.Key[1:], key)
	copy(op.Value, value)
	return op.Finish()
}

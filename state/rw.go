package state

import (
	"errors"
	"fmt"
	"io"

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
func (s *Store) get(key string, want bool) ([]byte, bool, error) {
	if err := s.acquire(); err != nil {
		return nil, false, err
	}
	defer s.life.RUnlock()
	kp := s.keys.Get().(*[]byte)
	defer s.keys.Put(kp)
	*kp = appendTableKey((*kp)[:0], key)
	v, closer, err := s.db.Get(*kp)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("state: get %q: %w", key, err)
	}
	var out []byte
	if want {
		out = make([]byte, len(v))
		copy(out, v)
	}
	return out, true, closeValue(closer, key)
}

// closeValue releases a value returned by pebble's Get.
func closeValue(c io.Closer, key string) error {
	if err := c.Close(); err != nil {
		return fmt.Errorf("state: get %q: %w", key, err)
	}
	return nil
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

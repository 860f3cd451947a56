package state

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// GetOffset returns the latest offset passed to SetOffset, else the offset
// stored in the DB, else def.
func (s *Store) GetOffset(def int64) (int64, error) {
	if err := s.acquire(); err != nil {
		return 0, err
	}
	defer s.life.RUnlock()
	if !s.set.Load() {
		return def, nil
	}
	return s.offset.Load(), nil
}

// SetOffset records the table offset. It costs no write of its own: the
// offset is written in the batch of the next Set or Delete, by
// MarkRecovered, or by Close. goka calls SetOffset only after the data up
// to that offset has been Set, so the stored offset never runs ahead of the
// stored data; after a crash it may lag, and goka replays the difference
// from the changelog.
func (s *Store) SetOffset(offset int64) error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	s.offset.Store(offset)
	s.set.Store(true)
	return nil
}

// MarkRecovered writes the latest offset. It may be called more than once.
func (s *Store) MarkRecovered() error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	if err := s.writeOffset(); err != nil {
		return fmt.Errorf("state: mark recovered: %w", err)
	}
	return nil
}

// writeOffset commits the latest offset on its own if it is not written
// yet. The caller holds life (either side).
func (s *Store) writeOffset() error {
	s.w.Lock()
	defer s.w.Unlock()
	return s.commitWithOffset()
}

// commitWithOffset adds the latest offset to the staged batch when it
// differs from the one last written, and commits the batch without sync.
// An empty batch is not committed. The caller holds s.w.
func (s *Store) commitWithOffset() error {
	b := s.w.batch
	defer b.Reset()
	off, staged := s.pendingOffset()
	if staged {
		op := b.SetDeferred(len(offsetKey), offsetLen)
		copy(op.Key, offsetKey)
		putOffset(op.Value, off)
		if err := op.Finish(); err != nil {
			return err
		}
	}
	if b.Empty() {
		return nil
	}
	if err := s.db.Apply(b, pebble.NoSync); err != nil {
		return err
	}
	if staged {
		s.w.written, s.w.stored = off, true
	}
	return nil
}

// pendingOffset returns the latest offset and whether it still has to be
// written. The caller holds s.w.
func (s *Store) pendingOffset() (int64, bool) {
	if !s.set.Load() { // load set before offset: SetOffset stores offset first
		return 0, false
	}
	off := s.offset.Load()
	return off, !s.w.stored || off != s.w.written
}

// loadOffset reads the stored offset at open.
func (s *Store) loadOffset() error {
	v, closer, err := s.db.Get([]byte(offsetKey))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state: read offset: %w", err)
	}
	off, err := decodeOffset(v)
	err = errors.Join(err, closer.Close())
	if err != nil {
		return fmt.Errorf("state: read offset: %w", err)
	}
	s.offset.Store(off)
	s.set.Store(true)
	s.w.written, s.w.stored = off, true
	return nil
}

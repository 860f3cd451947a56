package state

import "fmt"

// stageCommitBytes is the size of staged writes at which Stage commits.
const stageCommitBytes = 1 << 20

// Stage adds a Set of key (a Delete with a nil value) to the store's write
// batch without committing it. The batch is committed, with the latest
// offset passed to SetOffset, once it holds about 1 MiB, and by the next
// Set, Delete, MarkRecovered or Close: the stored offset still never runs
// ahead of the stored data. Reads do not see staged writes until then, so
// Stage is for loading a store that nobody reads yet (restoring a table
// from its changelog); it saves a pebble commit per record.
func (s *Store) Stage(key string, value []byte) error {
	if err := s.acquire(); err != nil {
		return err
	}
	defer s.life.RUnlock()
	s.w.Lock()
	defer s.w.Unlock()
	// The batch is not indexed: adding to it cannot fail (pebble's Finish
	// only fails on an index), so no staged write is ever dropped here.
	if err := stageEntry(s.w.batch, key, value, value == nil); err != nil {
		return fmt.Errorf("state: stage %q: %w", key, err)
	}
	if s.w.batch.Len() < stageCommitBytes {
		return nil
	}
	if err := s.commitWithOffset(); err != nil {
		return fmt.Errorf("state: stage %q: %w", key, err)
	}
	return nil
}

package state

import (
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentUseThenClose runs goka's access pattern (one writer, an
// offset setter on another goroutine, several readers and iterators) and
// closes the store under them: every call either succeeds or returns
// ErrClosed. Run with -race.
func TestConcurrentUseThenClose(t *testing.T) {
	s, err := Open("db", Options{InMemory: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	run := func(name string, step func(i int) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				err := step(i)
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", name, err)
					return
				}
			}
		}()
	}
	run("writer", func(i int) error { return s.Set(fmt.Sprint(i%100), []byte("v")) })
	run("offsets", func(i int) error { return s.SetOffset(int64(i)) })
	for r := range 2 {
		run(fmt.Sprint("reader", r), func(i int) error { _, err := s.Get(fmt.Sprint(i % 100)); return err })
	}
	run("iterator", func(int) error { return iterateAll(s) })
	waitForWrites(t, s, 200)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// iterateAll walks s once; a store closed midway gives ErrClosed.
func iterateAll(s *Store) error {
	it, err := s.Iterator()
	if err != nil {
		return err
	}
	defer it.Release()
	for it.Next() {
		if _, err := it.Value(); err != nil {
			return err
		}
	}
	return it.Err()
}

// waitForWrites waits until the offset setter has passed n.
func waitForWrites(t *testing.T, s *Store, n int64) {
	t.Helper()
	for {
		off, err := s.GetOffset(0)
		if err != nil {
			t.Fatalf("GetOffset: %v", err)
		}
		if off >= n {
			return
		}
	}
}

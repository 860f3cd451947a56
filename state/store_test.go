package state

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

func TestReopenPersists(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"wal", Options{}},
		{"nowal", Options{DisableWAL: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, tt.opts)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			mustSet(t, s, "a", "1", "b", "2", "c", "3")
			if err := s.Delete("b"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if err := s.SetOffset(9); err != nil { // no write follows: Close writes it
				t.Fatalf("SetOffset: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			s, err = Open(dir, tt.opts)
			if err != nil {
				t.Fatalf("reopen: %v", err)
			}
			defer s.Close()
			wantGet(t, s, "a", []byte("1"))
			wantGet(t, s, "b", nil)
			wantOffset(t, s, -2, 9)
			it, err := s.Iterator()
			wantPairs(t, it, err, "a=1", "c=3")
		})
	}
}

// storedOffset reads the offset record from the DB, bypassing the store's
// in-memory copy.
func storedOffset(t *testing.T, s *Store) (int64, bool) {
	t.Helper()
	v, c, err := s.db.Get([]byte(offsetKey))
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, false
	}
	if err != nil {
		t.Fatalf("db.Get(offset): %v", err)
	}
	defer c.Close()
	off, err := decodeOffset(v)
	if err != nil {
		t.Fatalf("decodeOffset: %v", err)
	}
	return off, true
}

func TestOffsetWrittenWithNextWrite(t *testing.T) {
	s := openTest(t, Options{InMemory: true})
	steps := []struct {
		name   string
		do     func() error
		want   int64
		stored bool
	}{
		{"set-offset-alone-writes-nothing", func() error { return s.SetOffset(5) }, 0, false},
		{"next-set-writes-it", func() error { return s.Set("k", []byte("v")) }, 5, true},
		{"newer-offset-waits", func() error { return s.SetOffset(6) }, 5, true},
		{"next-delete-writes-it", func() error { return s.Delete("k") }, 6, true},
		{"newer-offset-again", func() error { return s.SetOffset(7) }, 6, true},
		{"mark-recovered-writes-it", s.MarkRecovered, 7, true},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, ok := storedOffset(t, s)
		if ok != st.stored || got != st.want {
			t.Fatalf("%s: stored offset %d (%t), want %d (%t)", st.name, got, ok, st.want, st.stored)
		}
	}
}

func TestTableKeysDoNotCollideWithOffset(t *testing.T) {
	s := openTest(t, Options{InMemory: true})
	if err := s.SetOffset(3); err != nil {
		t.Fatalf("SetOffset: %v", err)
	}
	mustSet(t, s, "__offset", "user", offsetKey, "user2", "\x01x", "user3")
	wantGet(t, s, "__offset", []byte("user"))
	wantGet(t, s, offsetKey, []byte("user2"))
	wantOffset(t, s, -2, 3)
	it, err := s.Iterator()
	wantPairs(t, it, err, offsetKey+"=user2", "\x01x=user3", "__offset=user")
}

func TestUseAfterClose(t *testing.T) {
	s, err := Open("db", Options{InMemory: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	mustSet(t, s, "a", "1", "b", "2")
	it, err := s.Iterator()
	if err != nil {
		t.Fatalf("Iterator: %v", err)
	}
	if !it.Next() {
		t.Fatal("Next before Close: false")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ops := []struct {
		name string
		do   func() error
	}{
		{"Close", s.Close},
		{"Has", func() error { _, err := s.Has("a"); return err }},
		{"Get", func() error { _, err := s.Get("a"); return err }},
		{"Set", func() error { return s.Set("a", []byte("x")) }},
		{"Delete", func() error { return s.Delete("a") }},
		{"GetOffset", func() error { _, err := s.GetOffset(0); return err }},
		{"SetOffset", func() error { return s.SetOffset(1) }},
		{"MarkRecovered", s.MarkRecovered},
		{"Iterator", func() error { _, err := s.Iterator(); return err }},
		{"IteratorWithRange", func() error { _, err := s.IteratorWithRange(nil, nil); return err }},
		{"open-iterator", it.Err},
	}
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			if err := op.do(); !errors.Is(err, ErrClosed) {
				t.Fatalf("%s after Close = %v, want ErrClosed", op.name, err)
			}
		})
	}
	if it.Next() || it.Seek([]byte("a")) || it.Key() != nil {
		t.Fatal("iterator still moves after Close")
	}
	if v, err := it.Value(); v != nil || err != nil {
		t.Fatalf("Value after Close = %q, %v", v, err)
	}
	it.Release()
}

func TestEmptyValueOnDisk(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	mustSet(t, s, "empty", "")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	wantGet(t, s, "empty", []byte{})
}

func TestOpenInvalidOptions(t *testing.T) {
	if _, err := Open("db", Options{CacheSize: -1, InMemory: true}); !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("Open with CacheSize -1 = %v, want ErrInvalidOptions", err)
	}
}

func TestCorruptOffsetFailsOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.db.Set([]byte(offsetKey), []byte("bad"), pebble.NoSync); err != nil {
		t.Fatalf("db.Set: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := Open(dir, Options{}); !errors.Is(err, ErrCorruptOffset) {
		t.Fatalf("Open with a corrupt offset = %v, want ErrCorruptOffset", err)
	}
	// The failed Open released the DB: it opens again.
	if err := removeOffset(dir); err != nil {
		t.Fatalf("removeOffset: %v", err)
	}
}

// removeOffset deletes the offset record with pebble directly.
func removeOffset(dir string) error {
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		return fmt.Errorf("reopen after failed Open: %w", err)
	}
	return errors.Join(db.Delete([]byte(offsetKey), pebble.NoSync), db.Close())
}

// TestBlockCacheCaches guards the cache sizing: pebble reserves its
// memtables in the block cache, so a cache no larger than the memtables
// would cache no block.
func TestBlockCacheCaches(t *testing.T) {
	s, err := Open(t.TempDir(), Options{CacheSize: 1 << 20, MemTableSize: 1 << 20})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	value := make([]byte, 300)
	for i := range 4000 {
		if err := s.Set(fmt.Sprint(i), value); err != nil {
			t.Fatalf("Set: %v", err)
		}
	}
	if err := s.db.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	for range 2 {
		for i := range 4000 {
			if _, err := s.Get(fmt.Sprint(i)); err != nil {
				t.Fatalf("Get: %v", err)
			}
		}
	}
	if m := s.db.Metrics().BlockCache; m.Hits == 0 || m.Size == 0 {
		t.Fatalf("block cache unused: %+v", m)
	}
}

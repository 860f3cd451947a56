package state

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/lovoo/goka/storage"
)

// Store is one pebble DB holding one goka table partition. It implements
// goka's storage.Storage: any number of concurrent readers with one writer
// (goka calls SetOffset from the producer's goroutine, concurrently with the
// processor's Set; that is safe too).
//
// Writes are not synced: the changelog topic is the durable copy. The store
// on disk is a prefix of its writes, and the table offset is written in the
// same batch as the next Set or Delete after SetOffset (or by
// MarkRecovered and Close), so a stored offset never runs ahead of the data.
type Store struct {
	db         *pebble.DB
	disableWAL bool

	// life guards closed: every method holds it for reading, Close for
	// writing, so no pebble call races with (or follows) db.Close.
	life   sync.RWMutex
	closed bool

	// w serialises writes; it owns batch and the record of the offset
	// last written.
	w struct {
		sync.Mutex
		batch   *pebble.Batch
		written int64
		stored  bool // written holds an offset that is in the DB
	}

	// offset is the latest SetOffset (or the stored offset at open); set
	// reports whether there is one.
	offset atomic.Int64
	set    atomic.Bool

	keys  sync.Pool // *[]byte scratch buffers for read keys
	iters iterSet   // open iterators, closed by Close

	// misses predicts whether the next lookup finds nothing: a counter
	// of recent lookups, up by one (at most missesMax) for a key that
	// was absent, down by one for a key that was there (see get).
	misses atomic.Int32
}

var _ storage.Storage = (*Store)(nil)

// Open opens (creating if needed) the pebble DB in dir. o.Dir is ignored.
func Open(dir string, o Options) (*Store, error) {
	o.Dir = dir
	o.EnsureDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	return open(dir, o, o.filesystem())
}

// open opens the DB in dir on fs with validated options.
func open(dir string, o Options, fs vfs.FS) (*Store, error) {
	po := o.pebbleOptions(fs)
	defer po.Cache.Unref()
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", dir, err)
	}
	s := &Store{db: db, disableWAL: o.DisableWAL}
	s.w.batch = db.NewBatch()
	s.keys.New = func() any { b := make([]byte, 0, 64); return &b }
	if err := s.loadOffset(); err != nil {
		return nil, errors.Join(err, s.w.batch.Close(), db.Close())
	}
	return s, nil
}

// Open is a no-op: the DB is opened by Open or by a Builder. It is part of
// goka's storage.Storage.
func (s *Store) Open() error { return nil }

// Close writes the latest offset, flushes the memtable when the WAL is
// off, and closes the DB. Open iterators are released. A second Close
// returns ErrClosed.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	s.iters.closeAll()
	err := s.writeOffset()
	if err == nil && s.disableWAL {
		err = s.db.Flush()
	}
	err = errors.Join(err, s.w.batch.Close(), s.db.Close())
	if err != nil {
		return fmt.Errorf("state: close: %w", err)
	}
	return nil
}

// acquire takes the read side of life; it fails once the store is closed.
// The caller must call s.life.RUnlock when it succeeds.
func (s *Store) acquire() error {
	s.life.RLock()
	if s.closed {
		s.life.RUnlock()
		return ErrClosed
	}
	return nil
}

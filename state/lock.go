package state

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// LockFile is the file in a state directory that LockDir locks.
const LockFile = "streamsgd.lock"

// LockDir makes dir if needed and locks it for this process until the
// returned Closer is closed: a second process, or a second LockDir of
// this one, gets an error naming the directory. pebble locks each store
// on its own, but only when it opens it: two processes sharing the stores
// of a directory would otherwise run until they open the same partition,
// and then fail on it again at every restart.
func LockDir(dir string) (io.Closer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	l, err := vfs.Default.Lock(filepath.Join(dir, LockFile))
	if err != nil {
		return nil, fmt.Errorf("state: directory %s is in use by another process (%w)", dir, err)
	}
	return l, nil
}

// LockDirs is LockDir of each of dirs: all of them locked, or none and the
// first error.
func LockDirs(dirs ...string) (io.Closer, error) {
	var locks locks
	for _, d := range dirs {
		l, err := LockDir(d)
		if err != nil {
			return nil, errors.Join(err, locks.Close())
		}
		locks = append(locks, l)
	}
	return locks, nil
}

type locks []io.Closer

func (ls locks) Close() error {
	var errs []error
	for _, l := range ls {
		if err := l.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

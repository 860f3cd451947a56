package state

import "errors"

// Sentinel errors. Callers match them with errors.Is; the store wraps them
// with context (the operation, the key or the directory).
var (
	// ErrClosed is returned by every method of a Store (and of its
	// iterators) after Close.
	ErrClosed = errors.New("state: closed")
	// ErrNilValue is returned by Set for a nil value, as goka's memory
	// storage does: Get returns nil only for a missing key, so a nil value
	// could not be told apart from one. An empty non-nil value is fine.
	ErrNilValue = errors.New("state: nil value")
	// ErrCorruptOffset is returned when the stored table offset cannot be
	// decoded.
	ErrCorruptOffset = errors.New("state: corrupt offset record")
	// ErrInvalidOptions is wrapped by Options.Validate for every field it
	// rejects.
	ErrInvalidOptions = errors.New("state: invalid options")
	// ErrInvalidPartition is returned by a Builder for an empty topic or a
	// negative partition.
	ErrInvalidPartition = errors.New("state: invalid topic or partition")
)

package input

import (
	"errors"
	"fmt"
)

// Errors for whole messages that cannot be decoded; Decode wraps them with
// details, so test them with errors.Is.
var (
	// ErrUnknownSchemaID: a Confluent message names a schema id that is not
	// in Spec.SchemaIDs.
	ErrUnknownSchemaID = errors.New("input: unknown schema id")
	// ErrBadMagic: a Confluent message does not start with magic byte 0, or
	// an Object Container File does not start with "Obj\x01".
	ErrBadMagic = errors.New("input: bad magic bytes")
	// ErrBadHeader: a CSV header line or an OCF header is unusable.
	ErrBadHeader = errors.New("input: bad header")
)

// RowError is one bad row of a message. The other rows of the message are
// still decoded.
type RowError struct {
	// Index is the position of the row inside the message (0-based), in the
	// same numbering as Row.Index.
	Index int32
	// Reason says what is wrong, starting with "row N: ", e.g.
	// `row 3: expected 19 columns, got 18` or
	// `row 0: column f7: parse "abc": invalid syntax`.
	Reason string
	// Raw is a copy of the bad line (CSV, without its line end) or of the
	// bad record's bytes (Avro), when known; nil otherwise.
	Raw []byte
}

// Error implements error.
func (e *RowError) Error() string { return "input: " + e.Reason }

// errorf formats a package-prefixed error.
func errorf(format string, args ...any) error {
	return fmt.Errorf("input: "+format, args...)
}

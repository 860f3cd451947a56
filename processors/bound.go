package processors

import (
	"fmt"
	"time"
)

// Bound is the end of the input a Route routes (replay --until: rebuild
// the models as they were at an offset or a time). A message beyond it is
// neither routed nor dead-lettered; it is committed like any other, so the
// route group still consumes its input to the end. Whether a message is
// beyond depends only on its offset and timestamp, never on when it is
// consumed.
type Bound struct {
	// Offset, with ByOffset: messages at offsets above Offset are beyond,
	// in every input partition.
	Offset   int64
	ByOffset bool
	// Time, if not zero: messages with a timestamp after Time are beyond.
	Time time.Time
}

// OffsetBound routes the messages at offsets up to n (inclusive) of every
// input partition.
func OffsetBound(n int64) *Bound { return &Bound{Offset: n, ByOffset: true} }

// TimeBound routes the messages with timestamps up to t (inclusive).
func TimeBound(t time.Time) *Bound { return &Bound{Time: t} }

// Beyond reports whether a message at offset with timestamp ts is past b.
// A nil Bound bounds nothing.
func (b *Bound) Beyond(offset int64, ts time.Time) bool {
	if b == nil {
		return false
	}
	if b.ByOffset && offset > b.Offset {
		return true
	}
	return !b.Time.IsZero() && ts.After(b.Time)
}

// String describes b ("offset 1234", "2024-01-02T03:04:05Z", "none").
func (b *Bound) String() string {
	switch {
	case b == nil || (!b.ByOffset && b.Time.IsZero()):
		return "none"
	case b.ByOffset && !b.Time.IsZero():
		return fmt.Sprintf("offset %d and %s", b.Offset, b.Time.Format(time.RFC3339Nano))
	case b.ByOffset:
		return fmt.Sprintf("offset %d", b.Offset)
	}
	return b.Time.Format(time.RFC3339Nano)
}

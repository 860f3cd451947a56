package binio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Errors of a Reader. Decoders wrap them in their own corrupt-data errors,
// so their text carries no package prefix.
var (
	// ErrTruncated: the input ends inside a value.
	ErrTruncated = errors.New("truncated input")
	// ErrOverflow: a varint of more than 64 bits.
	ErrOverflow = errors.New("varint overflows 64 bits")
)

// Reader reads primitives from a byte slice. The first error sticks: every
// later read returns a zero value. The zero Reader reads an empty input.
type Reader struct {
	b   []byte
	err error
}

// NewReader returns a Reader of b. It does not copy b.
func NewReader(b []byte) Reader { return Reader{b: b} }

// Err returns the first error, nil if every read succeeded.
func (r *Reader) Err() error { return r.err }

// Len returns the number of bytes left, 0 after an error.
func (r *Reader) Len() int { return len(r.b) }

// Fail records err as the reader's error unless it has one already, and
// drops the rest of the input: a decoder reports what it finds invalid
// through the same sticky error.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if len(r.b) == 0 {
		r.Fail(ErrTruncated)
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// Bool reads one byte, 0 for false or 1 for true.
func (r *Reader) Bool() bool {
	if len(r.b) == 0 {
		r.Fail(ErrTruncated)
		return false
	}
	c := r.b[0]
	if c > 1 {
		r.Fail(fmt.Errorf("boolean byte %d", c))
		return false
	}
	r.b = r.b[1:]
	return c == 1
}

// Uvarint reads an unsigned varint (encoding/binary).
func (r *Reader) Uvarint() uint64 {
	if len(r.b) > 0 && r.b[0] < 0x80 { // one byte: counts, lengths, small values
		c := r.b[0]
		r.b = r.b[1:]
		return uint64(c)
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.failVarint(n)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Varint reads a zigzag varint (encoding/binary; Avro's int and long).
func (r *Reader) Varint() int64 {
	if len(r.b) > 0 && r.b[0] < 0x80 {
		c := r.b[0]
		r.b = r.b[1:]
		return int64(c>>1) ^ -int64(c&1)
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.failVarint(n)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// failVarint fails with the error of encoding/binary's n <= 0.
func (r *Reader) failVarint(n int) {
	if n == 0 {
		r.Fail(ErrTruncated)
		return
	}
	r.Fail(ErrOverflow)
}

// Uint64 reads 8 bytes little-endian.
func (r *Reader) Uint64() uint64 {
	if len(r.b) < 8 {
		r.Fail(ErrTruncated)
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// Float64 reads an IEEE 754 double, 8 bytes little-endian.
func (r *Reader) Float64() float64 { return math.Float64frombits(r.Uint64()) }

// Peek returns the bytes left, without reading them (Next reads them):
// for a decoder's own loop over many small values.
func (r *Reader) Peek() []byte { return r.b }

// Next reads the next n bytes, without copying them.
func (r *Reader) Next(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.Fail(ErrTruncated)
		return nil
	}
	p := r.b[:n:n]
	r.b = r.b[n:]
	return p
}

// Bytes reads a Uvarint length and that many bytes, without copying them.
func (r *Reader) Bytes() []byte {
	n := r.Uvarint()
	if n > uint64(len(r.b)) {
		r.Fail(ErrTruncated)
		return nil
	}
	return r.Next(int(n))
}

// Str reads what Bytes reads, as a string. (Not String: a Reader is no
// fmt.Stringer, printing one must not consume it.)
func (r *Reader) Str() string { return string(r.Bytes()) }

// Count reads a Uvarint count of items that take at least min bytes each
// (min >= 1), and fails when the bytes left cannot hold that many: a
// decoder may then allocate count items.
func (r *Reader) Count(min int) int {
	n := r.Uvarint()
	if r.err == nil && n > uint64(len(r.b)/max(min, 1)) {
		r.Fail(fmt.Errorf("count %d exceeds the %d bytes left", n, len(r.b)))
		return 0
	}
	return int(n)
}

package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

var (
	errTruncated = errors.New("truncated input")
	errVarint    = errors.New("varint overflows a long")
)

// reader decodes Avro binary from b. The first error sticks: every later
// read returns a zero value, so callers check err once at the end (and in
// loops, to stop early).
type reader struct {
	b   []byte
	err error
	// slab, when set, backs the arrays of double read into empty slices
	// without capacity: one allocation for every row of a fresh decode.
	slab []float64
}

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *reader) long() int64 {
	if len(r.b) > 0 && r.b[0] < 0x80 { // one byte: counts, indexes, small ints
		c := r.b[0]
		r.b = r.b[1:]
		return int64(c>>1) ^ -int64(c&1)
	}
	var u uint64
	for i := 0; i < len(r.b) && i < 10; i++ {
		c := r.b[i]
		if i == 9 && c > 1 {
			r.fail(errVarint)
			return 0
		}
		u |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			r.b = r.b[i+1:]
			return int64(u>>1) ^ -int64(u&1)
		}
	}
	r.fail(errTruncated)
	return 0
}

func (r *reader) int() int32 {
	v := r.long()
	if v != int64(int32(v)) {
		r.fail(fmt.Errorf("int %d out of range", v))
		return 0
	}
	return int32(v)
}

func (r *reader) double() float64 {
	if len(r.b) < 8 {
		r.fail(errTruncated)
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return f
}

func (r *reader) boolean() bool {
	if len(r.b) < 1 {
		r.fail(errTruncated)
		return false
	}
	c := r.b[0]
	if c > 1 {
		r.fail(fmt.Errorf("boolean byte %d", c))
		return false
	}
	r.b = r.b[1:]
	return c == 1
}

// raw reads the payload of a string or bytes without copying it.
func (r *reader) raw() []byte {
	n := r.long()
	if n < 0 {
		r.fail(fmt.Errorf("negative length %d", n))
		return nil
	}
	if n > int64(len(r.b)) {
		r.fail(errTruncated)
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *reader) string() string { return string(r.raw()) }

// stringReuse returns old when it equals the next string, sparing an
// allocation when the same names repeat message after message.
func (r *reader) stringReuse(old string) string {
	p := r.raw()
	if string(p) == old {
		return old
	}
	return string(p)
}

// bytes returns a copy of the next bytes, never nil.
func (r *reader) bytes() []byte {
	p := r.raw()
	if r.err != nil {
		return nil
	}
	return append([]byte{}, p...)
}

// union reads the branch index of a two-branch union ["null", T] and
// reports whether the value is present.
func (r *reader) union() bool {
	switch i := r.long(); i {
	case 0:
		return false
	case 1:
		return true
	default:
		if r.err == nil {
			r.fail(fmt.Errorf("union branch %d", i))
		}
		return false
	}
}

func (r *reader) nullableDouble() (float64, bool) {
	if !r.union() {
		return 0, false
	}
	f := r.double()
	return f, r.err == nil
}

func (r *reader) nullableBytes() []byte {
	if !r.union() {
		return nil
	}
	return r.bytes()
}

// block reads the item count of the next array block (0 at the end of the
// array), skipping the byte size that follows a negative count. Every item
// takes at least minSize bytes: a count that cannot fit in the rest of the
// input is truncation, caught before anything is allocated for it.
func (r *reader) block(minSize int) int {
	n := r.long()
	if n < 0 {
		if n == math.MinInt64 {
			r.fail(fmt.Errorf("block count %d", n))
			return 0
		}
		n = -n
		if size := r.long(); size < 0 {
			r.fail(fmt.Errorf("negative block size %d", size))
			return 0
		}
	}
	if r.err != nil {
		return 0
	}
	if n > int64(len(r.b)/minSize) {
		r.fail(errTruncated)
		return 0
	}
	return int(n)
}

// doubles appends an array of double to dst.
func (r *reader) doubles(dst []float64) []float64 {
	for {
		n := r.block(8)
		if n == 0 {
			return dst
		}
		if cap(dst) == 0 && n <= len(r.slab) {
			dst, r.slab = r.slab[:0:n], r.slab[n:]
		}
		dst = slices.Grow(dst, n)
		base := len(dst)
		dst = dst[:base+n]
		out, in := dst[base:], r.b[:8*n]
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(in[8*i:]))
		}
		r.b = r.b[8*n:]
	}
}

// done wraps the first error, or reports bytes left over after the record.
func (r *reader) done(what string) error {
	if r.err != nil {
		return fmt.Errorf("wire: read %s: %w", what, r.err)
	}
	if len(r.b) > 0 {
		return fmt.Errorf("wire: read %s: %d trailing bytes", what, len(r.b))
	}
	return nil
}

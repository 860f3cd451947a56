package wire

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// reader decodes Avro binary: a binio.Reader (whose Varint is Avro's
// zigzag long) with Avro's strings, unions and array blocks. The first
// error sticks: every later read returns a zero value, so callers check
// Err once at the end (and in loops, to stop early).
type reader struct {
	binio.Reader
	// slab, when set, backs the arrays of double read into empty slices
	// without capacity: one allocation for every row of a fresh decode.
	slab []float64
}

func newReader(data []byte) reader { return reader{Reader: binio.NewReader(data)} }

func (r *reader) long() int64 { return r.Varint() }

func (r *reader) int() int32 {
	v := r.Varint()
	if v != int64(int32(v)) {
		r.Fail(fmt.Errorf("int %d out of range", v))
		return 0
	}
	return int32(v)
}

func (r *reader) double() float64 { return r.Float64() }

func (r *reader) boolean() bool { return r.Bool() }

// raw reads the payload of a string or bytes without copying it.
func (r *reader) raw() []byte {
	n := r.Varint()
	if n < 0 {
		r.Fail(fmt.Errorf("negative length %d", n))
		return nil
	}
	if n > int64(r.Len()) {
		r.Fail(binio.ErrTruncated)
		return nil
	}
	return r.Next(int(n))
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
	if r.Err() != nil {
		return nil
	}
	return append([]byte{}, p...)
}

// union reads the branch index of a two-branch union ["null", T] and
// reports whether the value is present.
func (r *reader) union() bool {
	switch i := r.Varint(); i {
	case 0:
		return false
	case 1:
		return true
	default:
		if r.Err() == nil {
			r.Fail(fmt.Errorf("union branch %d", i))
		}
		return false
	}
}

func (r *reader) nullableDouble() (float64, bool) {
	if !r.union() {
		return 0, false
	}
	f := r.Float64()
	return f, r.Err() == nil
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
	n := r.Varint()
	if n < 0 {
		if n == math.MinInt64 {
			r.Fail(fmt.Errorf("block count %d", n))
			return 0
		}
		n = -n
		if size := r.Varint(); size < 0 {
			r.Fail(fmt.Errorf("negative block size %d", size))
			return 0
		}
	}
	if r.Err() != nil {
		return 0
	}
	if n > int64(r.Len()/minSize) {
		r.Fail(binio.ErrTruncated)
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
		out, in := dst[base:], r.Next(8*n)
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(in[8*i:]))
		}
	}
}

// done wraps the first error, or reports bytes left over after the record.
func (r *reader) done(what string) error {
	if err := r.Err(); err != nil {
		return fmt.Errorf("wire: read %s: %w", what, err)
	}
	if r.Len() > 0 {
		return fmt.Errorf("wire: read %s: %d trailing bytes", what, r.Len())
	}
	return nil
}

package wire

import (
	"encoding/binary"
	"math/bits"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// The Avro binary encoding, by hand: zigzag varints for int and long,
// little-endian IEEE 754 for double, length-prefixed string and bytes, an
// array as one block (count, items, 0) or a single 0 when empty, a union as
// the branch index then the value. This is byte for byte what goavro writes.

// appendLong writes an Avro long: encoding/binary's zigzag varint, which
// binio.Reader.Varint reads.
func appendLong(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

func appendInt(b []byte, v int32) []byte { return appendLong(b, int64(v)) }

func appendDouble(b []byte, f float64) []byte { return binio.AppendFloat64(b, f) }

func appendString(b []byte, s string) []byte {
	b = appendLong(b, int64(len(s)))
	return append(b, s...)
}

func appendBytes(b []byte, p []byte) []byte {
	b = appendLong(b, int64(len(p)))
	return append(b, p...)
}

// appendNullableBytes writes a ["null","bytes"] union: nil is null.
func appendNullableBytes(b []byte, p []byte) []byte {
	if p == nil {
		return append(b, 0)
	}
	return appendBytes(append(b, 2), p) // branch 1, zigzag 2
}

// appendNullableDouble writes a ["null","double"] union.
func appendNullableDouble(b []byte, f float64, ok bool) []byte {
	if !ok {
		return append(b, 0)
	}
	return appendDouble(append(b, 2), f)
}

// appendDoubles writes an array of double.
func appendDoubles(b []byte, fs []float64) []byte {
	if len(fs) == 0 {
		return append(b, 0)
	}
	b = appendLong(b, int64(len(fs)))
	for _, f := range fs {
		b = binio.AppendFloat64(b, f)
	}
	return append(b, 0)
}

// appendArrayStart writes the block count of a non-empty array, or the
// terminating 0 of an empty one; appendArrayEnd closes a non-empty array.
func appendArrayStart(b []byte, n int) []byte { return appendLong(b, int64(n)) }

func appendArrayEnd(b []byte, n int) []byte {
	if n == 0 {
		return b
	}
	return append(b, 0)
}

// sizeLong is the encoded size of v.
func sizeLong(v int64) int {
	u := uint64(v<<1) ^ uint64(v>>63)
	return (bits.Len64(u|1) + 6) / 7
}

func sizeString(s string) int { return sizeLong(int64(len(s))) + len(s) }

func sizeDoubles(n int) int {
	if n == 0 {
		return 1
	}
	return sizeLong(int64(n)) + 8*n + 1
}

func sizeArray(n int) int {
	if n == 0 {
		return 1
	}
	return sizeLong(int64(n)) + 1
}

func appendBoolean(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

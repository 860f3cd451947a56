package binio

import (
	"encoding/binary"
	"math"
)

// The writers of what a Reader reads. Varints are encoding/binary's
// AppendUvarint and AppendVarint.

// AppendBool appends 1 for true, 0 for false (Reader.Bool).
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// AppendFloat64 appends f as 8 bytes little-endian (Reader.Float64).
func AppendFloat64(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

// AppendBytes appends the Uvarint length of p, then p (Reader.Bytes).
func AppendBytes(b, p []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(p)))
	return append(b, p...)
}

// AppendString appends the Uvarint length of s, then s (Reader.Str).
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

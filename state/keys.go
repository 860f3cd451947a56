package state

import (
	"encoding/binary"
	"fmt"
)

// Key layout inside one pebble DB. The first byte of every pebble key names
// its namespace, so no table key can collide with the store's own records
// (goka's LevelDB store keeps its offset under the table key "__offset" and
// hides it from iterators; here a table key "__offset" is an ordinary key).
// Namespaces above nsTable are free for later users of the same DB (a
// checkpoint registry, for one).
const (
	nsMeta  byte = 0x00 // the store's own records
	nsTable byte = 0x01 // goka table entries: nsTable + key

	// offsetKey holds the table offset: 8 bytes, big-endian two's complement.
	offsetKey = "\x00offset"
	// offsetLen is the size of an encoded offset.
	offsetLen = 8
)

// appendTableKey appends the pebble key of the table key key to dst.
func appendTableKey[K string | []byte](dst []byte, key K) []byte {
	dst = append(dst, nsTable)
	return append(dst, key...)
}

// tableUpperBound is the exclusive upper bound of the table namespace.
func tableUpperBound() []byte { return []byte{nsTable + 1} }

// putOffset encodes a table offset into dst[:offsetLen].
func putOffset(dst []byte, offset int64) {
	binary.BigEndian.PutUint64(dst, uint64(offset))
}

// decodeOffset decodes a value written by putOffset.
func decodeOffset(b []byte) (int64, error) {
	if len(b) != offsetLen {
		return 0, fmt.Errorf("%w: %d bytes, want %d", ErrCorruptOffset, len(b), offsetLen)
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

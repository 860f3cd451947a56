// Package binio owns the one binary reader of streamsgd's codecs: a
// bounds-checked Reader whose first error sticks, and the append helpers
// that write what it reads.
//
// Every hand-written decoder uses it: the table values of codecs/table
// (model states, shard states, checkpoint registries), the Avro binary of
// codecs/wire, the learner state of model and the metric window of
// metrics. Each of them keeps its own layout and its own corrupt-data
// error; binio only reads the primitives they share.
//
// # Encodings
//
//   - Uvarint, Varint: encoding/binary's varints. Varint is the zigzag
//     varint that Avro calls int and long.
//   - Uint64, Float64: 8 bytes little-endian (IEEE 754 for Float64).
//   - Bool: one byte, 0 or 1.
//   - Bytes, Str: a Uvarint length, then that many bytes.
//
// # Guarantees
//
// A Reader never panics, whatever its input. After the first error every
// read returns a zero value, so a decoder checks Err once at the end (and
// in loops, to stop early). Count refuses a count of items larger than the
// bytes left can hold, so a decoder never allocates more than its input
// can fill. Bytes and Next return slices of the input, not copies.
//
// # Imports
//
// The standard library only. Every codec imports binio; binio must not
// import any streamsgd package.
package binio

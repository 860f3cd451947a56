// Package input decodes Kafka input records into rows of float64 features
// for online learning.
//
// # What it owns
//
// One [Spec] describes an input topic: its format (CSV or Avro), where the
// label comes from (the record key, a named column or field, or nowhere),
// which columns are features, and which column names the entity for
// per-entity models. [NewDecoder] turns a Spec into a [Decoder]; a Decoder
// turns one record (key, value) into zero or more [Row] values and reports
// every bad row as a [RowError] with a precise reason, so that the caller can
// dead-letter it.
//
// The reasons that are not about one field's text (an empty message, a
// message without rows, an entity that is not UTF-8, a label a model
// refuses, a row too large) are named once, in reason.go (Reason*), for
// the decoders, route and the consumers of dead letters.
//
// # Formats
//
//   - CSV: one row per line, with or without a header line at the start of
//     each message; \n or \r\n line ends; empty lines are skipped; spaces
//     and tabs around fields are ignored; RFC 4180 quoting, except that a
//     quoted field cannot span lines (so a broken line never swallows the
//     next). This is the hot path: a line of 18 floats decodes on the
//     bytes of the message, without copying, and with one allocation per
//     message; short decimals take Clinger's exact fast path, the rest
//     strconv.ParseFloat, with bit-for-bit the same result either way.
//   - Avro, plain binary: one or several records concatenated, written with
//     [Spec.AvroSchema].
//   - Avro Object Container Files (null, deflate, snappy and zstandard
//     codecs), read with the writer schema of the file; fields are matched
//     by name. The framing is parsed here, with size limits, not by goavro's
//     OCFReader, whose block buffers are sized from untrusted input.
//   - Avro in the Confluent wire format: magic byte 0, a 4-byte big-endian
//     schema id, then Avro binary written with [Spec.AvroSchema].
//
// # Determinism
//
// Decoding depends only on the Spec and the record: no clocks, no map
// iteration order, no state carried from one message to the next (caches
// only save work). A Decoder is safe for concurrent use.
//
// # Imports
//
// This package is a leaf: it imports the standard library, goavro,
// compression libraries and codecs/binio (the framing of Object Container
// Files) only. It must not import goka, franz-go, the model,
// the processors or the topology.
package input

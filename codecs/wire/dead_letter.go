package wire

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"unicode/utf8"
)

// NewDeadLetter makes the dead letter of a record (or of one row of it, at
// index): it copies key and value, and records their sizes and SHA-256
// hashes. Fit then cuts it to a topic's size limit.
func NewDeadLetter(src Source, index int32, key, value []byte, reason string) *DeadLetter {
	d := &DeadLetter{
		Topic: src.Topic, Partition: src.Partition, Offset: src.Offset, Index: index,
		Key: clone(key), Value: clone(value), Reason: reason,
		KeySize: int64(len(key)), ValueSize: int64(len(value)),
	}
	d.KeySHA256 = hashOf(key)
	d.ValueSHA256 = hashOf(value)
	return d
}

// clone copies p, keeping nil as nil.
func clone(p []byte) []byte {
	if p == nil {
		return nil
	}
	return append([]byte{}, p...)
}

func hashOf(p []byte) []byte {
	if p == nil {
		return nil
	}
	h := sha256.Sum256(p)
	return h[:]
}

// MaxDeadLetterReason bounds the bytes of a reason that Fit keeps.
const MaxDeadLetterReason = 1024

// Fit cuts d so that its encoding (JSON or Avro, as DeadLetterCodec
// writes it) takes at most limit bytes: first the reason to
// MaxDeadLetterReason bytes, then the value, then the key, each to a
// prefix (on a character boundary when the bytes are UTF-8 text). It sets
// Truncated when it cut anything; sizes and hashes are kept. It reports
// whether d fits (it cannot when the coordinates alone exceed limit).
func (d *DeadLetter) Fit(encoding string, limit int) bool {
	enc := AppendDeadLetter
	if encoding != Avro {
		enc = AppendDeadLetterJSON
	}
	var buf []byte
	size := func() int { buf = enc(buf[:0], d); return len(buf) }
	n := size()
	if n <= limit {
		return true
	}
	d.Truncated = true
	if len(d.Reason) > MaxDeadLetterReason {
		d.Reason = string(cutText([]byte(d.Reason), MaxDeadLetterReason))
		n = size()
	}
	for _, p := range []*[]byte{&d.Value, &d.Key} {
		for n > limit && len(*p) > 0 {
			full := *p
			*p = full[:0]
			base := size()
			// Encoded bytes per raw byte (1 for Avro, 1.3 to 7.3 for
			// JSON's text and base64); the loop corrects an estimate that
			// is off (UTF-8 that a cut makes valid or invalid).
			keep := 0
			if per := float64(n-base) / float64(len(full)); limit > base && per > 0 {
				keep = min(len(full)-1, int(float64(limit-base)/per))
			}
			*p = cutText(full, keep)
			n = size()
		}
	}
	if n > limit {
		d.Reason = ""
		n = size()
	}
	return n <= limit
}

// cutText returns the first n bytes of p, backed off to the start of a
// character when p is valid UTF-8 (so that a cut text stays text).
func cutText(p []byte, n int) []byte {
	if n >= len(p) {
		return p
	}
	if utf8.Valid(p) {
		for n > 0 && !utf8.RuneStart(p[n]) {
			n--
		}
	}
	return p[:n]
}

// AppendDeadLetter appends the Avro binary encoding of d (schema
// schemas.DeadLetter) to b; a nil Key or Value, or a nil hash, is written
// as null.
func AppendDeadLetter(b []byte, d *DeadLetter) []byte {
	b = appendString(b, d.Topic)
	b = appendInt(b, d.Partition)
	b = appendLong(b, d.Offset)
	b = appendInt(b, d.Index)
	b = appendNullableBytes(b, d.Key)
	b = appendNullableBytes(b, d.Value)
	b = appendString(b, d.Reason)
	b = appendLong(b, d.KeySize)
	b = appendNullableBytes(b, d.KeySHA256)
	b = appendLong(b, d.ValueSize)
	b = appendNullableBytes(b, d.ValueSHA256)
	return appendBoolean(b, d.Truncated)
}

// ReadDeadLetter decodes the Avro binary of a DeadLetter into d.
func ReadDeadLetter(data []byte, d *DeadLetter) error {
	r := newReader(data)
	d.Topic = r.string()
	d.Partition = r.int()
	d.Offset = r.long()
	d.Index = r.int()
	d.Key = r.nullableBytes()
	d.Value = r.nullableBytes()
	d.Reason = r.string()
	d.KeySize = r.long()
	d.KeySHA256 = r.nullableBytes()
	d.ValueSize = r.long()
	d.ValueSHA256 = r.nullableBytes()
	d.Truncated = r.boolean()
	return r.done("dead letter")
}

// AppendDeadLetterJSON appends d as one JSON object. key and value are
// strings when they are valid UTF-8 (else null); key_base64 and
// value_base64 always carry the exact bytes (null for a nil Key or Value);
// the hashes are hexadecimal strings (null without a key or value).
func AppendDeadLetterJSON(b []byte, d *DeadLetter) []byte {
	b = append(b, `{"topic":`...)
	b = appendJSONString(b, d.Topic)
	b = append(b, `,"partition":`...)
	b = appendJSONInt(b, int64(d.Partition))
	b = append(b, `,"offset":`...)
	b = appendJSONInt(b, d.Offset)
	b = append(b, `,"index":`...)
	b = appendJSONInt(b, int64(d.Index))
	b = append(b, `,"key":`...)
	b = appendJSONText(b, d.Key)
	b = append(b, `,"key_base64":`...)
	b = appendJSONBase64(b, d.Key)
	b = append(b, `,"value":`...)
	b = appendJSONText(b, d.Value)
	b = append(b, `,"value_base64":`...)
	b = appendJSONBase64(b, d.Value)
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, d.Reason)
	b = append(b, `,"key_size":`...)
	b = appendJSONInt(b, d.KeySize)
	b = append(b, `,"key_sha256":`...)
	b = appendJSONHex(b, d.KeySHA256)
	b = append(b, `,"value_size":`...)
	b = appendJSONInt(b, d.ValueSize)
	b = append(b, `,"value_sha256":`...)
	b = appendJSONHex(b, d.ValueSHA256)
	b = append(b, `,"truncated":`...)
	b = appendJSONBool(b, d.Truncated)
	return append(b, '}')
}

type deadLetterJSON struct {
	Topic       string  `json:"topic"`
	Partition   int32   `json:"partition"`
	Offset      int64   `json:"offset"`
	Index       int32   `json:"index"`
	Key         *string `json:"key"`
	KeyBase64   *string `json:"key_base64"`
	Value       *string `json:"value"`
	ValueBase64 *string `json:"value_base64"`
	Reason      string  `json:"reason"`
	KeySize     int64   `json:"key_size"`
	KeySHA256   *string `json:"key_sha256"`
	ValueSize   int64   `json:"value_size"`
	ValueSHA256 *string `json:"value_sha256"`
	Truncated   bool    `json:"truncated"`
}

// rawBytes returns the bytes of a base64 field, or of the text field when
// the base64 one is absent, or nil.
func rawBytes(b64, text *string) ([]byte, error) {
	switch {
	case b64 != nil:
		return base64.StdEncoding.AppendDecode([]byte{}, []byte(*b64))
	case text != nil:
		return []byte(*text), nil
	}
	return nil, nil
}

// hexBytes decodes a hexadecimal field; null is nil.
func hexBytes(s *string) ([]byte, error) {
	if s == nil {
		return nil, nil
	}
	return hex.AppendDecode([]byte{}, []byte(*s))
}

// ReadDeadLetterJSON decodes one JSON object written by
// AppendDeadLetterJSON into d.
func ReadDeadLetterJSON(data []byte, d *DeadLetter) error {
	dj, err := decodeJSONObject[deadLetterJSON](data)
	if err != nil {
		return fmt.Errorf("wire: read dead letter json: %w", err)
	}
	key, err := rawBytes(dj.KeyBase64, dj.Key)
	if err != nil {
		return fmt.Errorf("wire: read dead letter json: key_base64: %w", err)
	}
	value, err := rawBytes(dj.ValueBase64, dj.Value)
	if err != nil {
		return fmt.Errorf("wire: read dead letter json: value_base64: %w", err)
	}
	keyHash, err := hexBytes(dj.KeySHA256)
	if err != nil {
		return fmt.Errorf("wire: read dead letter json: key_sha256: %w", err)
	}
	valueHash, err := hexBytes(dj.ValueSHA256)
	if err != nil {
		return fmt.Errorf("wire: read dead letter json: value_sha256: %w", err)
	}
	*d = DeadLetter{
		Topic: dj.Topic, Partition: dj.Partition, Offset: dj.Offset, Index: dj.Index,
		Key: key, Value: value, Reason: dj.Reason,
		KeySize: dj.KeySize, KeySHA256: keyHash, ValueSize: dj.ValueSize, ValueSHA256: valueHash,
		Truncated: dj.Truncated,
	}
	return nil
}

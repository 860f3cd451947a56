package wire

import (
	"encoding/base64"
	"fmt"
)

// AppendDeadLetter appends the Avro binary encoding of d (schema
// schemas.DeadLetter) to b; a nil Key or Value is written as null.
func AppendDeadLetter(b []byte, d *DeadLetter) []byte {
	b = appendString(b, d.Topic)
	b = appendInt(b, d.Partition)
	b = appendLong(b, d.Offset)
	b = appendInt(b, d.Index)
	b = appendNullableBytes(b, d.Key)
	b = appendNullableBytes(b, d.Value)
	return appendString(b, d.Reason)
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
	return r.done("dead letter")
}

// AppendDeadLetterJSON appends d as one JSON object. key and value are
// strings when they are valid UTF-8 (else null); key_base64 and
// value_base64 always carry the exact bytes (null for a nil Key or Value).
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
	*d = DeadLetter{
		Topic: dj.Topic, Partition: dj.Partition, Offset: dj.Offset, Index: dj.Index,
		Key: key, Value: value, Reason: dj.Reason,
	}
	return nil
}

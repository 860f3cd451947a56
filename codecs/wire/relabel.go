package wire

import (
	"encoding/binary"
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// Relabel is a label record that the join read in a partition of the
// labels topic other than the one its key belongs to (a producer whose
// partitioner is not goka's FNV-1a: Kafka's Java client, librdkafka's
// default), forwarded to <p>.repartitioned-labels under the same key so
// that it reaches the partition of its example. Source and At are the
// original record's, so that a redelivered copy is known as one.
type Relabel struct {
	Source Source
	At     int64 // the original record's timestamp, Unix milliseconds
	Value  []byte
}

const relabelFormat = 1

// The encoding:
//
//	format:u8 topic partition:varint offset:varint at:varint value:bytes

// RelabelCodec encodes *Relabel (goka.Codec).
type RelabelCodec struct{}

// Encode implements goka.Codec.
func (RelabelCodec) Encode(value any) ([]byte, error) {
	l, ok := value.(*Relabel)
	if !ok {
		return nil, fmt.Errorf("wire: relabel codec: cannot encode %T", value)
	}
	b := []byte{relabelFormat}
	b = binio.AppendString(b, l.Source.Topic)
	b = binary.AppendVarint(b, int64(l.Source.Partition))
	b = binary.AppendVarint(b, l.Source.Offset)
	b = binary.AppendVarint(b, l.At)
	return binio.AppendBytes(b, l.Value), nil
}

// Decode implements goka.Codec.
func (RelabelCodec) Decode(data []byte) (any, error) {
	r := binio.NewReader(data)
	if f := r.Byte(); r.Err() == nil && f != relabelFormat {
		return nil, fmt.Errorf("wire: relabel format %d, want %d", f, relabelFormat)
	}
	l := &Relabel{}
	l.Source.Topic = r.Str()
	l.Source.Partition = int32(r.Varint())
	l.Source.Offset = r.Varint()
	l.At = r.Varint()
	l.Value = append([]byte(nil), r.Bytes()...)
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("wire: relabel: %w", err)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("wire: relabel: %d bytes after the value", r.Len())
	}
	return l, nil
}

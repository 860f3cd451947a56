package table

import (
	"encoding/binary"
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/binio"
	"github.com/streamsgd/streamsgd/codecs/wire"
)

// Pending is the value of the join table (delayed labels), keyed by
// example id: one example's features, predicted when they arrived, and
// its label, whichever came first waiting for the other. The entry lives
// on after the pair is made (Done) or after it expired (Expired), for one
// more expiry period, so that a redelivered message finds what it did and a
// late label is told from a new one.
type Pending struct {
	// Features of the example, nil until they arrived (a tombstone keeps
	// only their ID, Source and Index), with the coordinates of the
	// <p>.features message that brought them (zero when none came).
	Features       *wire.Features
	FeaturesSource wire.Source
	// Predictions made when the features arrived, one per model key of
	// the row.
	Predictions []Predicted
	// Label, when HasLabel, with the coordinates of its message (kept in
	// a tombstone).
	HasLabel    bool
	Label       float64
	LabelSource wire.Source
	// Done: the pair was made and sent to the learner, by the message at
	// Trigger (a redelivery of it sends the pair again, with the same
	// source, so the learner skips it).
	Done    bool
	Trigger wire.Source
	// Expired: the entry waited longer than allowed; what waited was
	// dead-lettered. What remains is a tombstone.
	Expired bool
	// Since is when the entry took its present state: the record timestamp
	// (Unix milliseconds) and the position in its partition of
	// <p>.features (Join.Positions) then; expiry counts from them.
	SinceMillis int64
	SinceRow    int64
}

// Predicted is a prediction made when an example's features arrived.
type Predicted struct {
	Model, Key string
	// Version is the rows the served state had learned.
	Version int64
	Scores  []float64
}

// pendingFormat is the first byte of an encoded Pending.
const pendingFormat = 1

// Encoding:
//
//	format:u8 flags:u8 (1 features, 2 label, 4 done, 8 expired)
//	[features] source n:uvarint (model key version:varint scores)*n
//	[label:f64 source] [trigger] since_ms:varint since_row:varint
//
// with source = topic partition:varint offset:varint.

// PendingCodec is the goka codec of the join table (values *Pending).
type PendingCodec struct{}

// Encode implements goka.Codec.
func (PendingCodec) Encode(value any) ([]byte, error) {
	p, ok := value.(*Pending)
	if !ok {
		return nil, fmt.Errorf("table: pending codec: unexpected %T", value)
	}
	return p.AppendBinary(nil), nil
}

// AppendBinary appends the encoding of p to b.
func (p *Pending) AppendBinary(b []byte) []byte {
	var flags byte
	for i, on := range []bool{p.Features != nil, p.HasLabel, p.Done, p.Expired} {
		if on {
			flags |= 1 << i
		}
	}
	b = append(b, pendingFormat, flags)
	if p.Features != nil {
		b = wire.AppendFeatures(b, p.Features)
	}
	b = appendSource(b, p.FeaturesSource)
	b = binary.AppendUvarint(b, uint64(len(p.Predictions)))
	for _, pr := range p.Predictions {
		b = binio.AppendString(b, pr.Model)
		b = binio.AppendString(b, pr.Key)
		b = binary.AppendVarint(b, pr.Version)
		b = wire.AppendFloats(b, pr.Scores)
	}
	if p.HasLabel {
		b = binio.AppendFloat64(b, p.Label)
		b = appendSource(b, p.LabelSource)
	}
	if p.Done {
		b = appendSource(b, p.Trigger)
	}
	b = binary.AppendVarint(b, p.SinceMillis)
	return binary.AppendVarint(b, p.SinceRow)
}

func appendSource(b []byte, s wire.Source) []byte {
	b = binio.AppendString(b, s.Topic)
	b = binary.AppendVarint(b, int64(s.Partition))
	return binary.AppendVarint(b, s.Offset)
}

func readSource(r *binio.Reader) wire.Source {
	return wire.Source{Topic: r.Str(), Partition: int32(r.Varint()), Offset: r.Varint()}
}

// Decode implements goka.Codec.
func (PendingCodec) Decode(data []byte) (any, error) {
	p, err := DecodePending(data)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DecodePending decodes what AppendBinary wrote.
func DecodePending(data []byte) (*Pending, error) {
	r := binio.NewReader(data)
	if f := r.Byte(); r.Err() == nil && f != pendingFormat {
		return nil, fmt.Errorf("%w: pending format %d, want %d", ErrStateCorrupt, f, pendingFormat)
	}
	flags := r.Byte()
	p := &Pending{HasLabel: flags&2 != 0, Done: flags&4 != 0, Expired: flags&8 != 0}
	if flags&1 != 0 {
		p.Features = wire.ReadFeatures(&r)
	}
	p.FeaturesSource = readSource(&r)
	if n := r.Count(4); n > 0 {
		p.Predictions = make([]Predicted, n)
		for i := range p.Predictions {
			p.Predictions[i] = Predicted{Model: r.Str(), Key: r.Str(), Version: r.Varint(), Scores: wire.ReadFloats(&r)}
		}
	}
	if p.HasLabel {
		p.Label = r.Float64()
		p.LabelSource = readSource(&r)
	}
	if p.Done {
		p.Trigger = readSource(&r)
	}
	p.SinceMillis = r.Varint()
	p.SinceRow = r.Varint()
	switch {
	case r.Err() != nil:
		return nil, fmt.Errorf("%w: pending: %w", ErrStateCorrupt, r.Err())
	case r.Len() != 0:
		return nil, fmt.Errorf("%w: pending: %d bytes after the value", ErrStateCorrupt, r.Len())
	}
	return p, nil
}

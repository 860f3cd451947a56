package wire

import (
	"encoding/binary"
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// Features is one input row of a pipeline whose labels arrive later on a
// topic of their own (delayed labels): the value on <p>.features, keyed by
// the row's example id, from route to the join group. It carries what the
// join needs to predict the row now and to learn it when its label comes:
// the row's features and, per model that takes the row, the model key
// route gave it.
type Features struct {
	// ID is the example id: the input record's key (with "/<index>" for
	// the rows of a record of more than one row).
	ID string
	// Source is the input message's coordinates and Index the row's place
	// in it: the id of the row's prediction.
	Source Source
	Index  int32
	// Values are the features.
	Values []float64
	// Keys are the model keys of the row, one per model that takes it.
	Keys []ModelKey
}

// ModelKey names the state of a model that a row goes to.
type ModelKey struct {
	Model string
	Key   string
}

// featuresFormat is the first byte of an encoded Features.
const featuresFormat = 1

// Encoding:
//
//	format:u8 id topic partition:varint offset:varint index:varint
//	n:uvarint value:f64*n k:uvarint (model key)*k

// AppendFeatures appends the binary encoding of f to b.
func AppendFeatures(b []byte, f *Features) []byte {
	b = append(b, featuresFormat)
	b = binio.AppendString(b, f.ID)
	b = binio.AppendString(b, f.Source.Topic)
	b = binary.AppendVarint(b, int64(f.Source.Partition))
	b = binary.AppendVarint(b, f.Source.Offset)
	b = binary.AppendVarint(b, int64(f.Index))
	b = AppendFloats(b, f.Values)
	b = binary.AppendUvarint(b, uint64(len(f.Keys)))
	for _, k := range f.Keys {
		b = binio.AppendString(b, k.Model)
		b = binio.AppendString(b, k.Key)
	}
	return b
}

// AppendFloats appends a Uvarint count and the values (ReadFloats).
func AppendFloats(b []byte, v []float64) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	for _, x := range v {
		b = binio.AppendFloat64(b, x)
	}
	return b
}

// ReadFloats reads what AppendFloats wrote; nil for none.
func ReadFloats(r *binio.Reader) []float64 {
	n := r.Count(8)
	if n == 0 {
		return nil
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = r.Float64()
	}
	return v
}

// ReadFeatures decodes what AppendFeatures wrote from r.
func ReadFeatures(r *binio.Reader) *Features {
	if f := r.Byte(); r.Err() == nil && f != featuresFormat {
		r.Fail(fmt.Errorf("features format %d, want %d", f, featuresFormat))
		return nil
	}
	f := &Features{ID: r.Str()}
	f.Source.Topic = r.Str()
	f.Source.Partition = int32(r.Varint())
	f.Source.Offset = r.Varint()
	f.Index = int32(r.Varint())
	f.Values = ReadFloats(r)
	if n := r.Count(2); n > 0 {
		f.Keys = make([]ModelKey, n)
		for i := range f.Keys {
			f.Keys[i] = ModelKey{Model: r.Str(), Key: r.Str()}
		}
	}
	return f
}

// FeaturesCodec is the goka codec of <p>.features (values *Features).
type FeaturesCodec struct{}

// Encode implements goka.Codec.
func (FeaturesCodec) Encode(value any) ([]byte, error) {
	f, ok := value.(*Features)
	if !ok {
		return nil, fmt.Errorf("wire: features codec: cannot encode %T", value)
	}
	return AppendFeatures(nil, f), nil
}

// Decode implements goka.Codec.
func (FeaturesCodec) Decode(data []byte) (any, error) {
	r := binio.NewReader(data)
	f := ReadFeatures(&r)
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("wire: features: %w", err)
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("wire: features: %d bytes after the value", r.Len())
	}
	return f, nil
}

package input

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
	"github.com/linkedin/goavro/v2"
)

// avroDecoder decodes Avro messages: binary, OCF or Confluent framed.
type avroDecoder struct {
	spec       *Spec
	codec      *goavro.Codec // from AvroSchema; nil in ocf mode without it
	plan       *avroPlan     // from AvroSchema; nil in ocf mode without it
	labels     labeler
	labelWhere string // "field <label>", for reasons
	keyWhere   string // "field <key>", for reasons

	ocfSpec Spec                      // Spec with the features fixed by AvroSchema, if given
	lastOCF atomic.Pointer[ocfSchema] // the last writer schema seen
	zstd    func() (*zstd.Decoder, error)
}

// ocfSchema is a compiled OCF writer schema.
type ocfSchema struct {
	text  string
	codec *goavro.Codec
	plan  *avroPlan
}

func newAvroDecoder(c *checked) (*avroDecoder, error) {
	d := &avroDecoder{
		spec:       &c.spec,
		codec:      c.codec,
		labels:     newLabeler(c.spec.Classes),
		labelWhere: "field " + c.spec.LabelColumn,
		keyWhere:   "field " + c.spec.KeyColumn,
		ocfSpec:    c.spec,
		zstd: sync.OnceValues(func() (*zstd.Decoder, error) {
			return zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxBlockBytes))
		}),
	}
	if c.schema != nil {
		p, err := newAvroPlan(c.schema, &c.spec)
		if err != nil {
			return nil, errorf("%w", err)
		}
		d.plan = p
		d.ocfSpec.Features = p.features
	}
	return d, nil
}

// Decode implements Decoder.
func (d *avroDecoder) Decode(key, value []byte, dst []Row) ([]Row, []RowError, error) {
	r := avroRun{d: d, rows: dst}
	if d.spec.Label == LabelFromKey {
		r.key = d.labels.fromKey(key)
	}
	var err error
	switch d.spec.AvroMode {
	case AvroConfluent:
		var body []byte
		if body, err = d.confluentBody(value); err == nil {
			r.binary(d.codec, d.plan, body)
		}
	case AvroOCF:
		err = r.ocf(value)
	default:
		r.binary(d.codec, d.plan, value)
	}
	if err != nil {
		return dst, nil, err
	}
	return r.rows, r.bad, nil
}

// confluentBody checks the 5-byte Confluent header and returns what follows.
func (d *avroDecoder) confluentBody(value []byte) ([]byte, error) {
	if len(value) < 5 {
		return nil, fmt.Errorf("%w: a confluent message needs 5 header bytes, got %d", ErrBadMagic, len(value))
	}
	if value[0] != 0 {
		return nil, fmt.Errorf("%w: confluent magic byte is 0x%02x, want 0x00", ErrBadMagic, value[0])
	}
	id := int32(binary.BigEndian.Uint32(value[1:5]))
	if len(d.spec.SchemaIDs) > 0 && !slices.Contains(d.spec.SchemaIDs, id) {
		return nil, fmt.Errorf("%w %d: accepted ids are %v", ErrUnknownSchemaID, id, d.spec.SchemaIDs)
	}
	return value[5:], nil
}

// ocfSchemaFor compiles an OCF writer schema, reusing the last one when the
// schema text is the same.
func (d *avroDecoder) ocfSchemaFor(text []byte) (*ocfSchema, error) {
	if s := d.lastOCF.Load(); s != nil && s.text == string(text) {
		return s, nil
	}
	codec, err := newCodec(string(text))
	if err != nil {
		return nil, err
	}
	rec, err := parseAvroRecord(string(text))
	if err != nil {
		return nil, err
	}
	plan, err := newAvroPlan(rec, &d.ocfSpec)
	if err != nil {
		return nil, err
	}
	s := &ocfSchema{text: string(text), codec: codec, plan: plan}
	d.lastOCF.Store(s)
	return s, nil
}

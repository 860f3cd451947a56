package input

import "github.com/linkedin/goavro/v2"

// checkAvro validates the Avro fields of a Spec with defaults, and returns
// the parsed and compiled AvroSchema when there is one.
func (s *Spec) checkAvro() (*avroRecord, *goavro.Codec, error) {
	switch {
	case s.Header:
		return nil, nil, errorf("header is only for format %q", FormatCSV)
	case s.Delimiter != 0:
		return nil, nil, errorf("delimiter is only for format %q", FormatCSV)
	case len(s.Columns) > 0:
		return nil, nil, errorf("columns is only for format %q", FormatCSV)
	}
	switch s.AvroMode {
	case AvroBinary, AvroOCF, AvroConfluent:
	default:
		return nil, nil, errorf("avro_mode must be %q, %q or %q, got %q", AvroBinary, AvroOCF, AvroConfluent, s.AvroMode)
	}
	if len(s.SchemaIDs) > 0 && s.AvroMode != AvroConfluent {
		return nil, nil, errorf("schema_ids is only for avro_mode %q", AvroConfluent)
	}
	if s.AvroSchema == "" {
		if s.AvroMode == AvroOCF {
			return nil, nil, nil
		}
		return nil, nil, errorf("avro_schema is required when avro_mode is %q", s.AvroMode)
	}
	codec, err := goavro.NewCodec(s.AvroSchema)
	if err != nil {
		return nil, nil, errorf("avro_schema: %w", err)
	}
	rec, err := parseAvroRecord(s.AvroSchema)
	if err != nil {
		return nil, nil, errorf("avro_schema: %w", err)
	}
	if _, err := newAvroPlan(rec, s); err != nil {
		return nil, nil, errorf("%w", err)
	}
	return rec, codec, nil
}

package input

import "slices"

// Row is one decoded example.
type Row struct {
	// Index is the position of the row inside the message (0-based): the
	// data line (CSV, not counting the header and empty lines) or the
	// record (Avro). Good and bad rows share this numbering. In an OCF
	// block, the records after an undecodable one are skipped and their
	// indices left unused.
	Index int32
	// Features holds one value per feature, in the order of Spec.Features.
	// Every value is finite. The slices of the rows of one Decode call may
	// share one backing array (each is capped at its own length, so an
	// append to one row's slice never overwrites another's).
	Features []float64
	// Label is the label: a class index with Spec.Classes, else the
	// number. Zero when HasLabel is false.
	Label float64
	// HasLabel is false when Spec.Label is LabelFromNone.
	HasLabel bool
	// Entity is the value of Spec.KeyColumn, or "" without one or when
	// the row's is empty or null.
	Entity string
	// ID is the value of Spec.IDColumn, or "" without one.
	ID string
}

// Decoder turns one Kafka record into rows. Decoders are safe for
// concurrent use.
type Decoder interface {
	// Decode appends the good rows of one message to dst and returns them
	// with the bad rows; err != nil means the whole message is undecodable
	// (e.g. a corrupt OCF header, a wrong magic byte, an unknown schema id,
	// a CSV header that lacks a needed column), and then no row is
	// appended. Never panics. Does not retain key or value after returning.
	Decode(key, value []byte, dst []Row) (rows []Row, bad []RowError, err error)
}

// NewDecoder validates a copy of s (after EnsureDefaults) and returns its
// decoder. The decoder keeps its own copies of the slices of s.
func NewDecoder(s Spec) (Decoder, error) {
	s.Columns = slices.Clone(s.Columns)
	s.SchemaIDs = slices.Clone(s.SchemaIDs)
	s.Features = slices.Clone(s.Features)
	s.Classes = slices.Clone(s.Classes)
	c, err := s.check()
	if err != nil {
		return nil, err
	}
	if c.spec.Format == FormatCSV {
		return newCSVDecoder(&c.spec)
	}
	return newAvroDecoder(c)
}

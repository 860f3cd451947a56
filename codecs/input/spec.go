package input

import (
	"slices"

	"github.com/linkedin/goavro/v2"
)

// LabelFrom says where a row's label comes from.
type LabelFrom string

// Label sources.
const (
	// LabelFromKey parses the Kafka record key as the label of every row of
	// the message, as in the classic SUSY-on-Kafka tutorial (key "0"/"1").
	LabelFromKey LabelFrom = "key"
	// LabelFromColumn reads the label from Spec.LabelColumn.
	LabelFromColumn LabelFrom = "column"
	// LabelFromNone decodes unlabelled rows (scoring, or prediction only).
	LabelFromNone LabelFrom = "none"
)

// Formats and Avro modes accepted in a Spec.
const (
	FormatCSV  = "csv"
	FormatAvro = "avro"

	AvroBinary    = "binary"
	AvroOCF       = "ocf"
	AvroConfluent = "confluent"
)

// Spec describes how to decode one input topic. Call EnsureDefaults, then
// Validate, or just NewDecoder, which does both on its own copy.
type Spec struct {
	// Format is "csv" or "avro". Default "csv".
	Format string

	// Header says that the first non-empty line of EACH message is a header
	// with the column names. If Columns is also given, the header must
	// repeat it exactly. CSV only. Default false.
	Header bool
	// Delimiter separates CSV fields. It must not be '"', '\r' or '\n'.
	// Default ','. CSV only.
	Delimiter rune
	// Columns names every CSV column in order, for messages without a
	// header. Default: c0, c1, ..., c{n-1}, with n taken from the first row
	// of each message (so that decoding never depends on earlier messages).
	Columns []string

	// AvroSchema is the writer schema (JSON) of a record whose features are
	// int, long, float, double or boolean fields, or ["null", numeric]
	// unions; the label field may also be a string or an enum, the key
	// field a string, an enum, an int or a long. Required for the "binary"
	// and "confluent" modes; optional for "ocf", whose files carry their
	// own writer schema (given, it fixes the default feature list and every
	// file must have those fields).
	AvroSchema string
	// AvroMode is "binary" (one or more concatenated records), "ocf" (an
	// Object Container File) or "confluent" (magic byte 0, a 4-byte
	// big-endian schema id, then binary). Default "binary".
	AvroMode string
	// SchemaIDs lists the accepted Confluent schema ids; a message with any
	// other id is rejected whole. Empty: any id. Confluent mode only.
	SchemaIDs []int32

	// Features names the feature columns (fields) in the order of
	// Row.Features. Empty: every column except the label and key columns,
	// in column order (Avro: every numeric field, in schema order).
	Features []string
	// Label says where the label comes from. Default: LabelFromColumn if
	// LabelColumn is set, else LabelFromNone.
	Label LabelFrom
	// LabelColumn names the label column (field); required with
	// LabelFromColumn and only allowed with it.
	LabelColumn string
	// Classes, if given, maps label strings to class indices 0..K-1 in this
	// order; a label outside it is a bad row. Without Classes the label must
	// parse as a finite number.
	Classes []string
	// LabelsOptional makes a missing label (an empty label column, a null
	// or absent label field, an empty record key) no label: the row comes
	// back with HasLabel false instead of as a bad row. Scoring decodes so:
	// it needs no label, and evaluates the labels it is given. A label
	// that is there but is none (not a number, not a class) is a bad row
	// still.
	LabelsOptional bool
	// KeyColumn, if given, names the column (field) whose string value is
	// returned as Row.Entity, for per-entity models. An empty or null
	// entity is Row.Entity "": the per-entity models refuse such a row
	// (each with its own dead letter), the global ones take it.
	KeyColumn string
	// IDColumn, if given, names the column (field) whose string value is
	// returned as Row.ID: the example id that delayed labels refer to. An
	// empty id is a bad row.
	IDColumn string
}

// EnsureDefaults fills in the zero-valued fields that have a default.
func (s *Spec) EnsureDefaults() {
	if s.Format == "" {
		s.Format = FormatCSV
	}
	if s.Format == FormatCSV && s.Delimiter == 0 {
		s.Delimiter = ','
	}
	if s.Format == FormatAvro && s.AvroMode == "" {
		s.AvroMode = AvroBinary
	}
	if s.Label == "" {
		s.Label = LabelFromNone
		if s.LabelColumn != "" {
			s.Label = LabelFromColumn
		}
	}
}

// Validate reports the first problem of the Spec (after defaults), naming
// the field, e.g. `input: label_column is required when label is "column"`.
func (s Spec) Validate() error {
	_, err := s.check()
	return err
}

// checked is what check learned and NewDecoder reuses.
type checked struct {
	spec   Spec          // with defaults
	schema *avroRecord   // parsed AvroSchema; nil without one
	codec  *goavro.Codec // compiled AvroSchema; nil without one
}

func (s Spec) check() (*checked, error) {
	s.EnsureDefaults()
	if err := s.checkCommon(); err != nil {
		return nil, err
	}
	c := &checked{spec: s}
	var err error
	switch s.Format {
	case FormatCSV:
		err = s.checkCSV()
	case FormatAvro:
		c.schema, c.codec, err = s.checkAvro()
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Spec) checkCommon() error {
	if s.Format != FormatCSV && s.Format != FormatAvro {
		return errorf("format must be %q or %q, got %q", FormatCSV, FormatAvro, s.Format)
	}
	switch s.Label {
	case LabelFromKey, LabelFromNone:
		if s.LabelColumn != "" {
			return errorf("label_column is only allowed when label is %q (label is %q)", LabelFromColumn, s.Label)
		}
	case LabelFromColumn:
		if s.LabelColumn == "" {
			return errorf("label_column is required when label is %q", LabelFromColumn)
		}
	default:
		return errorf("label must be %q, %q or %q, got %q", LabelFromKey, LabelFromColumn, LabelFromNone, s.Label)
	}
	if len(s.Classes) > 0 && s.Label == LabelFromNone {
		return errorf("classes are given but label is %q", LabelFromNone)
	}
	if err := checkNames("classes", s.Classes, true); err != nil {
		return err
	}
	if err := checkNames("features", s.Features, false); err != nil {
		return err
	}
	return s.checkRoles()
}

// checkRoles checks that no column is used twice: as a feature, the label or
// the entity key.
func (s *Spec) checkRoles() error {
	for _, f := range s.Features {
		if s.LabelColumn != "" && f == s.LabelColumn {
			return errorf("features: %q is the label column", f)
		}
		if s.KeyColumn != "" && f == s.KeyColumn {
			return errorf("features: %q is the key column", f)
		}
	}
	if s.KeyColumn != "" && s.KeyColumn == s.LabelColumn {
		return errorf("key_column: %q is also the label column", s.KeyColumn)
	}
	if s.IDColumn != "" && (slices.Contains(s.Features, s.IDColumn) || s.IDColumn == s.LabelColumn || s.IDColumn == s.KeyColumn) {
		return errorf("id_column: %q is also a feature, the label or the key column", s.IDColumn)
	}
	return nil
}

// checkNames rejects duplicates and (unless allowEmpty) empty names.
func checkNames(field string, names []string, allowEmpty bool) error {
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		if n == "" && !allowEmpty {
			return errorf("%s[%d] is empty", field, i)
		}
		if seen[n] {
			return errorf("%s: %q appears twice", field, n)
		}
		seen[n] = true
	}
	return nil
}

// usedColumns lists the columns the Spec refers to by name, with the name of
// the Spec field that refers to each.
func (s *Spec) usedColumns() (names, fields []string) {
	for _, f := range s.Features {
		names, fields = append(names, f), append(fields, "features")
	}
	if s.LabelColumn != "" {
		names, fields = append(names, s.LabelColumn), append(fields, "label_column")
	}
	if s.KeyColumn != "" {
		names, fields = append(names, s.KeyColumn), append(fields, "key_column")
	}
	if s.IDColumn != "" {
		names, fields = append(names, s.IDColumn), append(fields, "id_column")
	}
	return names, fields
}

// FeatureNames validates the Spec and returns the names of the values of
// Row.Features, in order, when the Spec alone tells them: Features if given,
// else the CSV Columns or the numeric fields of AvroSchema, less the label
// and key columns. It returns nil names (and no error) when they depend on
// the messages: a CSV header or positional columns without Features, or an
// OCF without AvroSchema.
func (s Spec) FeatureNames() ([]string, error) {
	c, err := s.check()
	if err != nil {
		return nil, err
	}
	s = c.spec
	switch {
	case len(s.Features) > 0:
		return slices.Clone(s.Features), nil
	case c.schema != nil:
		p, err := newAvroPlan(c.schema, &s)
		if err != nil {
			return nil, errorf("%w", err)
		}
		return p.features, nil
	case s.Format == FormatCSV && !s.Header && len(s.Columns) > 0:
		var out []string
		for _, col := range s.Columns {
			if col != s.LabelColumn && col != s.KeyColumn && col != s.IDColumn {
				out = append(out, col)
			}
		}
		return out, nil
	}
	return nil, nil
}

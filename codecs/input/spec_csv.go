package input

import (
	"strconv"
	"unicode/utf8"
)

// checkCSV validates the CSV fields of a Spec with defaults.
func (s *Spec) checkCSV() error {
	switch {
	case s.AvroSchema != "":
		return errorf("avro_schema is only for format %q", FormatAvro)
	case s.AvroMode != "":
		return errorf("avro_mode is only for format %q", FormatAvro)
	case len(s.SchemaIDs) > 0:
		return errorf("schema_ids is only for format %q", FormatAvro)
	}
	if err := checkDelimiter(s.Delimiter); err != nil {
		return err
	}
	if err := checkNames("columns", s.Columns, false); err != nil {
		return err
	}
	switch {
	case len(s.Columns) > 0:
		return s.checkNamedColumns()
	case !s.Header:
		return s.checkPositionalColumns()
	}
	return nil // names are checked against each message's header
}

func checkDelimiter(r rune) error {
	if r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError || !utf8.ValidRune(r) {
		return errorf("delimiter %q is not allowed", r)
	}
	return nil
}

func (s *Spec) checkNamedColumns() error {
	set := make(map[string]bool, len(s.Columns))
	for _, c := range s.Columns {
		set[c] = true
	}
	names, fields := s.usedColumns()
	for i, n := range names {
		if !set[n] {
			return errorf("%s: %q is not one of the columns", fields[i], n)
		}
	}
	if len(s.Features) == 0 && len(s.Columns) <= len(names) {
		return errorf("columns: no feature column is left besides the label and key columns")
	}
	return nil
}

func (s *Spec) checkPositionalColumns() error {
	names, fields := s.usedColumns()
	for i, n := range names {
		if _, ok := positionalIndex(n); !ok {
			return errorf("%s: %q is not a column name: without a header or columns, columns are named c0, c1, ...", fields[i], n)
		}
	}
	return nil
}

// maxPositional bounds positional column indices, so that a typo cannot
// make a decoder expect millions of columns.
const maxPositional = 1 << 16

// positionalIndex parses a default column name "c<N>" (canonical decimal).
func positionalIndex(name string) (int, bool) {
	if len(name) < 2 || name[0] != 'c' || (name[1] == '0' && len(name) > 2) {
		return 0, false
	}
	for _, c := range name[1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(name[1:])
	if err != nil || n >= maxPositional {
		return 0, false
	}
	return n, true
}

// positionalName is the default name of column i.
func positionalName(i int) string { return "c" + strconv.Itoa(i) }

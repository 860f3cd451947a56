package input

import (
	"bytes"
	"fmt"
	"slices"
	"sync/atomic"
)

var utf8BOM = []byte("\uFEFF")

// csvDecoder decodes CSV messages: one row per non-empty line.
type csvDecoder struct {
	spec       *Spec
	split      splitter
	labels     labeler
	labelWhere string                  // "column <label>", for reasons
	fixed      *csvPlan                // Columns given, no header: one plan for all
	minWidth   int                     // positional columns: the fewest a row needs
	last       atomic.Pointer[csvPlan] // header or positional mode: the last plan built
}

func newCSVDecoder(s *Spec) (*csvDecoder, error) {
	d := &csvDecoder{
		spec:       s,
		split:      newSplitter(s.Delimiter),
		labels:     newLabeler(s.Classes),
		labelWhere: "column " + s.LabelColumn,
	}
	switch {
	case s.Header:
	case len(s.Columns) > 0:
		p, err := newNamedPlan(s.Columns, s)
		if err != nil {
			return nil, errorf("columns: %w", err)
		}
		d.fixed = p
	default:
		d.minWidth = minPositionalWidth(s)
	}
	return d, nil
}

// Decode implements Decoder.
func (d *csvDecoder) Decode(key, value []byte, dst []Row) ([]Row, []RowError, error) {
	r := csvRun{d: d, rows: dst, plan: d.fixed}
	if d.spec.Label == LabelFromKey {
		r.key = d.labels.fromKey(key)
	}
	value = bytes.TrimPrefix(value, utf8BOM)
	if d.spec.Header {
		var line []byte
		for len(line) == 0 && len(value) > 0 {
			line, value = nextLine(value)
		}
		if len(line) == 0 {
			return dst, nil, nil
		}
		p, err := d.headerPlan(line)
		if err != nil {
			return dst, nil, err
		}
		r.plan = p
	}
	r.hint = lineCount(value)
	r.rows = slices.Grow(r.rows, min(r.hint, maxChunkRows))
	for len(value) > 0 {
		var line []byte
		line, value = nextLine(value)
		if len(line) > 0 {
			r.row(line)
		}
	}
	return r.rows, r.bad, nil
}

// headerPlan returns the plan for a header line, reusing the last one when
// the header is the same.
func (d *csvDecoder) headerPlan(line []byte) (*csvPlan, error) {
	if p := d.last.Load(); p != nil && p.header == string(line) {
		return p, nil
	}
	fields, bad := d.split.splitAll(line)
	if bad != "" {
		return nil, fmt.Errorf("%w: %s", ErrBadHeader, bad)
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = string(f)
	}
	if err := matchColumns(names, d.spec.Columns); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadHeader, err)
	}
	p, err := newNamedPlan(names, d.spec)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadHeader, err)
	}
	p.header = string(line)
	d.last.Store(p)
	return p, nil
}

// matchColumns checks a header against Spec.Columns, when given.
func matchColumns(header, columns []string) error {
	if len(columns) == 0 {
		return nil
	}
	if len(header) != len(columns) {
		return fmt.Errorf("%d columns, want %d (columns)", len(header), len(columns))
	}
	for i := range header {
		if header[i] != columns[i] {
			return fmt.Errorf("column %d is %q, want %q (columns)", i, header[i], columns[i])
		}
	}
	return nil
}

// positionalPlan returns the plan for rows as wide as line, or why line
// cannot fix the width.
func (d *csvDecoder) positionalPlan(line []byte) (*csvPlan, string) {
	n, bad := d.split.countFields(line)
	if bad != "" {
		return nil, "column " + positionalName(n-1) + ": " + bad
	}
	if n < d.minWidth {
		return nil, fmt.Sprintf("expected at least %d columns, got %d", d.minWidth, n)
	}
	if p := d.last.Load(); p != nil && p.width == n {
		return p, ""
	}
	p, err := newPositionalPlan(n, d.spec)
	if err != nil { // unreachable: n >= minWidth
		return nil, err.Error()
	}
	d.last.Store(p)
	return p, ""
}

// lineCount is the number of lines of value, a bound on its rows.
func lineCount(value []byte) int {
	n := bytes.Count(value, []byte{'\n'})
	if len(value) > 0 && value[len(value)-1] != '\n' {
		n++
	}
	return max(n, 1)
}

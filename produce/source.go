package produce

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/streamsgd/streamsgd/datasets/susy"
)

// Row is one input row: its CSV line and its label (empty if none).
type Row struct {
	Line  []byte
	Label []byte
}

// Source yields rows. Next returns io.EOF after the last row. The returned
// slices are valid until the next call.
type Source interface {
	Next() (Row, error)
}

// CSVOptions configure a CSV file source.
type CSVOptions struct {
	// Header: the first line names the columns (and is not sent).
	Header bool
	// LabelColumn, if set, is taken out of each line and returned as the
	// row's label: a column name (with Header) or a 0-based index.
	LabelColumn string
	// Delimiter of the fields. Default ','.
	Delimiter byte
}

// CSVSource reads rows from CSV text.
type CSVSource struct {
	sc       *bufio.Scanner
	o        CSVOptions
	labelIdx int
	line     int
	buf      []byte
}

// NewCSVSource reads rows from r.
func NewCSVSource(r io.Reader, o CSVOptions) (*CSVSource, error) {
	if o.Delimiter == 0 {
		o.Delimiter = ','
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<24)
	s := &CSVSource{sc: sc, o: o, labelIdx: -1}
	if err := s.init(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *CSVSource) init() error {
	var header []string
	if s.o.Header {
		if !s.sc.Scan() {
			return fmt.Errorf("produce: csv: missing header line: %w", s.scanErr())
		}
		s.line++
		for _, f := range bytes.Split(bytes.TrimRight(s.sc.Bytes(), "\r"), []byte{s.o.Delimiter}) {
			header = append(header, string(f))
		}
	}
	if s.o.LabelColumn == "" {
		return nil
	}
	for i, h := range header {
		if h == s.o.LabelColumn {
			s.labelIdx = i
			return nil
		}
	}
	i, err := strconv.Atoi(s.o.LabelColumn)
	if err != nil || i < 0 {
		return fmt.Errorf("produce: csv: label column %q is not in the header nor an index", s.o.LabelColumn)
	}
	s.labelIdx = i
	return nil
}

func (s *CSVSource) scanErr() error {
	if err := s.sc.Err(); err != nil {
		return err
	}
	return io.EOF
}

// Next implements Source.
func (s *CSVSource) Next() (Row, error) {
	for s.sc.Scan() {
		s.line++
		line := bytes.TrimRight(s.sc.Bytes(), "\r")
		if len(line) == 0 {
			continue
		}
		if s.labelIdx < 0 {
			return Row{Line: line}, nil
		}
		return s.split(line)
	}
	return Row{}, s.scanErr()
}

// split takes the label column out of line.
func (s *CSVSource) split(line []byte) (Row, error) {
	start, col := 0, 0
	for i := 0; i <= len(line); i++ {
		if i < len(line) && line[i] != s.o.Delimiter {
			continue
		}
		if col == s.labelIdx {
			label := line[start:i]
			s.buf = append(s.buf[:0], line[:start]...)
			rest := line[min(i+1, len(line)):]
			if i == len(line) && start > 0 {
				s.buf = s.buf[:len(s.buf)-1]
			}
			s.buf = append(s.buf, rest...)
			return Row{Line: s.buf, Label: label}, nil
		}
		col++
		start = i + 1
	}
	return Row{}, fmt.Errorf("produce: csv line %d: no column %d", s.line, s.labelIdx)
}

// SyntheticSource yields the SUSY-shaped stream: 18 features, label 0/1.
type SyntheticSource struct {
	g    *susy.Generator
	left int64
	buf  []byte
	lab  [1]byte
}

// NewSynthetic returns rows rows of the SUSY-shaped generator for seed.
func NewSynthetic(seed uint64, rows int64) *SyntheticSource {
	return &SyntheticSource{g: susy.New(seed), left: rows}
}

// Next implements Source.
func (s *SyntheticSource) Next() (Row, error) {
	if s.left <= 0 {
		return Row{}, io.EOF
	}
	s.left--
	var label int
	s.buf, label = s.g.AppendCSV(s.buf[:0])
	s.lab[0] = byte('0' + label)
	return Row{Line: s.buf, Label: s.lab[:]}, nil
}

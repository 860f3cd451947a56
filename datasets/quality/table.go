package quality

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// ErrFormat reports a CSV that is not a numeric table with a header.
var ErrFormat = errors.New("quality: bad table")

// TestEvery fixes the split shared with scripts/sklearn_reference.py: rows
// numbered from 0 in file order (header excluded); row i is a test row when
// i%TestEvery == 0, a train row otherwise.
const TestEvery = 5

// IsTest reports whether row i belongs to the test part of the split.
func IsTest(i int) bool { return i%TestEvery == 0 }

// Table is a numeric CSV: one label column and the remaining columns as
// features, in file order.
type Table struct {
	Features []string    // feature column names, in file order
	X        [][]float64 // X[i] is row i's features
	Y        []float64   // Y[i] is row i's label
}

// Split returns the train and test rows of t, each in file order.
func (t *Table) Split() (train, test *Table) {
	train, test = &Table{Features: t.Features}, &Table{Features: t.Features}
	for i := range t.X {
		part := train
		if IsTest(i) {
			part = test
		}
		part.X = append(part.X, t.X[i])
		part.Y = append(part.Y, t.Y[i])
	}
	return train, test
}

// ReadCSVFile reads the CSV file at path, gunzipped when its name ends
// in .gz; see ReadCSV.
func ReadCSVFile(path, label string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("quality: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("quality: %s: %w", path, err)
		}
		defer z.Close()
		r = z
	}
	t, err := ReadCSV(r, label)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ReadCSV reads a comma-separated table whose first line names the columns
// and whose every other field is a finite number. The first column named
// label is the label; the others are the features.
func ReadCSV(r io.Reader, label string) (*Table, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrFormat, err)
	}
	li, t := -1, &Table{}
	for i, name := range header {
		if name == label && li < 0 {
			li = i
			continue
		}
		t.Features = append(t.Features, name)
	}
	if li < 0 {
		return nil, fmt.Errorf("%w: no column %q", ErrFormat, label)
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrFormat, err)
		}
		if err := t.append(rec, li); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrFormat, line, err)
		}
	}
}

// append parses one record, label at index li, into t.
func (t *Table) append(rec []string, li int) error {
	x := make([]float64, 0, len(t.Features))
	var y float64
	for i, s := range rec {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("field %d: %q is not a finite number", i+1, s)
		}
		if i == li {
			y = v
		} else {
			x = append(x, v)
		}
	}
	t.X = append(t.X, x)
	t.Y = append(t.Y, y)
	return nil
}

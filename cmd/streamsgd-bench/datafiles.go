package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/streamsgd/streamsgd/datasets/pixels"
	"github.com/streamsgd/streamsgd/datasets/susy"
)

// dataSet is one data set of the peers benchmark, written as files: CSV
// (label first) for streamsgd and the Python peers, and VW's text format
// for VW, a train and a held-out test file of each.
type dataSet struct {
	name               string
	features, classes  int // classes 2: binary
	trainRows, testRow int64
	dir                string
}

func (d dataSet) path(split, ext string) string {
	return filepath.Join(d.dir, d.name+"."+split+"."+ext)
}

// writeDataSets writes the SUSY-shaped set (rows train rows, rows/10 test)
// and the Fashion-MNIST-shaped one (wideRows train, wideRows/6 test, as
// Fashion-MNIST's 60,000 and 10,000) into dir; only those named in only,
// when it is not empty.
func writeDataSets(dir string, rows, wideRows int64, only ...string) ([]dataSet, error) {
	sets := []dataSet{
		{name: "susy", features: susy.Features, classes: 2, trainRows: rows, testRow: max(rows/10, 1000), dir: dir},
		{name: "wide", features: pixels.Features, classes: pixels.Classes, trainRows: wideRows, testRow: max(wideRows/6, 1000), dir: dir},
	}
	sets = slices.DeleteFunc(sets, func(d dataSet) bool { return len(only) > 0 && !slices.Contains(only, d.name) })
	for _, d := range sets {
		for i, split := range []string{"train", "test"} {
			n := d.trainRows
			if split == "test" {
				n = d.testRow
			}
			if err := d.write(split, n, uint64(i+1)); err != nil {
				return nil, fmt.Errorf("write %s.%s: %w", d.name, split, err)
			}
		}
	}
	return sets, nil
}

// write writes n rows of one split (seeded by seed) as CSV and VW text.
func (d dataSet) write(split string, n int64, seed uint64) error {
	csvF, err := os.Create(d.path(split, "csv"))
	if err != nil {
		return err
	}
	vwF, err := os.Create(d.path(split, "vw"))
	if err != nil {
		return errors.Join(err, csvF.Close())
	}
	cw, vw := bufio.NewWriterSize(csvF, 1<<20), bufio.NewWriterSize(vwF, 1<<20)
	x := make([]float64, d.features)
	var line []byte
	next := d.rows(seed)
	for range n {
		y := next(x)
		line = strconv.AppendInt(line[:0], int64(y), 10)
		for _, v := range x {
			line = strconv.AppendFloat(append(line, ','), v, 'g', -1, 64)
		}
		cw.Write(append(line, '\n'))
		line = line[:0]
		if d.classes == 2 {
			line = append(line, "-1 |f"...)
			if y == 1 {
				line = append(line[:0], "1 |f"...)
			}
		} else {
			line = append(strconv.AppendInt(line, int64(y+1), 10), " |f"...) // --oaa classes are 1..K
		}
		for i, v := range x {
			if v != 0 {
				line = strconv.AppendFloat(append(strconv.AppendInt(append(line, ' '), int64(i), 10), ':'), v, 'g', -1, 64)
			}
		}
		vw.Write(append(line, '\n'))
	}
	return errors.Join(cw.Flush(), vw.Flush(), csvF.Close(), vwF.Close())
}

// rows returns the generator of the set's rows.
func (d dataSet) rows(seed uint64) func([]float64) int {
	if d.name == "susy" {
		g := susy.New(seed)
		return func(x []float64) int { y, _ := g.Next(x); return y }
	}
	g := pixels.New(seed)
	return g.Next
}

// columns are the CSV columns: label, then the features.
func (d dataSet) columns() []string {
	cols := []string{"label"}
	if d.name == "susy" {
		return append(cols, susy.FeatureNames()...)
	}
	return append(cols, pixels.FeatureNames()...)
}

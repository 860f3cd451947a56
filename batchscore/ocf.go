package batchscore

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/streamsgd/streamsgd/codecs/input"
)

// OCFSpec adapts the input spec of a pipeline whose records are Avro
// (binary, Confluent-framed or containers) to an Avro Object Container File,
// whose writer schema travels in the file: the features stay the
// pipeline's. A label in the record key has none in a file: the rows are
// then unlabeled, unless labelColumn names the field that holds it.
func OCFSpec(s input.Spec, labelColumn string) (input.Spec, error) {
	s.EnsureDefaults()
	if s.Format != input.FormatAvro {
		return s, fmt.Errorf("batchscore: Avro container files need an Avro pipeline; its input is %s", s.Format)
	}
	s.AvroMode, s.SchemaIDs = input.AvroOCF, nil
	switch {
	case labelColumn != "":
		s.Label, s.LabelColumn = input.LabelFromColumn, labelColumn
	case s.Label == input.LabelFromKey:
		s.Label = input.LabelFromNone
		s.Classes = nil
	}
	if err := s.Validate(); err != nil {
		return s, err
	}
	return s, nil
}

// DecodeOCF reads the Avro Object Container File r whole and decodes its
// records with spec (see OCFSpec), then calls fn once with every row, in
// file order; a row's line is its record's number (1-based). Records that
// do not decode go to o.OnReject. The file is held in memory: containers
// are for files of a size that fits it (CSV files are streamed instead).
func DecodeOCF(ctx context.Context, r io.Reader, spec input.Spec, o Options, fn func(*Decoded) error) (Stats, error) {
	o.Spec = spec
	o.EnsureDefaults()
	start := time.Now()
	// Its rows are learned (streamsgd learn): a missing label is a bad
	// row, as in route.
	dec, err := input.NewDecoder(o.Spec)
	if err != nil {
		return Stats{}, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return Stats{}, err
	}
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	rows, bad, err := dec.Decode(nil, data, nil)
	if err != nil {
		return Stats{}, fmt.Errorf("batchscore: avro container: %w", err)
	}
	d := &Decoded{Rows: rows, Lines: make([]int64, len(rows))}
	for i := range rows {
		d.Lines[i] = int64(rows[i].Index) + 1
	}
	for _, b := range bad {
		rj := Reject{Line: int64(b.Index) + 1, Reason: cutRowPrefix(b.Reason, b.Index), Raw: b.Raw}
		d.Rejects = append(d.Rejects, rj)
		o.OnReject(rj)
	}
	if err := fn(d); err != nil {
		return Stats{}, err
	}
	st := Stats{Scored: int64(len(rows)), Rejected: int64(len(bad))}
	st.Rows = st.Scored + st.Rejected
	st.Elapsed = time.Since(start)
	o.Progress(st.Rows)
	return st, nil
}

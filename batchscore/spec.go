package batchscore

import (
	"fmt"
	"slices"

	"github.com/streamsgd/streamsgd/codecs/input"
)

// FileInput overrides what a pipeline's input section says about its
// records for a file, whose framing may differ: a file has no record keys,
// and may have a header or other columns.
type FileInput struct {
	// Header: the file's first non-empty line names its columns (Columns
	// of the spec are then dropped; the features are kept by name).
	Header bool
	// Columns name the file's columns (no header), overriding the spec's.
	Columns []string
	// LabelColumn is the column holding the label. Default: the spec's
	// label column; a spec whose label is in the record key has none in a
	// file, and its rows are scored unlabeled.
	LabelColumn string
}

// FileSpec adapts the input spec of a pipeline (record by record) to a CSV
// file: the features stay those of the pipeline, in its order, while the
// header, columns and label column may be the file's.
func FileSpec(s input.Spec, f FileInput) (input.Spec, error) {
	s.EnsureDefaults()
	if s.Format != input.FormatCSV {
		return s, fmt.Errorf("batchscore: files are CSV; the pipeline's input is %s", s.Format)
	}
	features, err := s.FeatureNames()
	if err != nil {
		return s, err
	}
	framing := f.Header || len(f.Columns) > 0 || f.LabelColumn != ""
	if framing && features == nil {
		return s, fmt.Errorf("batchscore: --header, --columns and --label-column need the pipeline's features by name (input.features or input.columns)")
	}
	if framing {
		s.Features = features
	}
	if f.Header {
		s.Header, s.Columns = true, nil
	}
	if len(f.Columns) > 0 {
		s.Header, s.Columns = false, slices.Clone(f.Columns)
	}
	switch {
	case f.LabelColumn != "":
		s.Label, s.LabelColumn = input.LabelFromColumn, f.LabelColumn
	case s.Label == input.LabelFromKey:
		s.Label = input.LabelFromNone
		s.Classes = nil
	}
	if err := s.Validate(); err != nil {
		return s, err
	}
	return s, nil
}

// newDecoder is the decoder of s for scoring: a row without a label is
// scored, unlabeled (input.Spec.LabelsOptional), as the score group and
// the score API do.
func newDecoder(s input.Spec) (input.Decoder, error) {
	s.LabelsOptional = true
	return input.NewDecoder(s)
}

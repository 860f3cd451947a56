package batchscore

import (
	"slices"
	"strings"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
)

func TestFileSpec(t *testing.T) {
	susy := input.Spec{Columns: []string{"f0", "f1"}, Label: input.LabelFromKey}
	cluster := input.Spec{Columns: []string{"label", "f0", "f1"}, LabelColumn: "label"}
	header := input.Spec{Header: true, LabelColumn: "y"}
	for _, c := range []struct {
		name string
		spec input.Spec
		file FileInput
		want func(input.Spec) bool
		err  string
	}{
		{"label in the key: unlabeled", susy, FileInput{},
			func(s input.Spec) bool { return s.Label == input.LabelFromNone && !s.Header }, ""},
		{"label in the key: a column of the file", susy, FileInput{Columns: []string{"y", "f1", "f0"}, LabelColumn: "y"},
			func(s input.Spec) bool {
				return s.LabelColumn == "y" && slices.Equal(s.Features, []string{"f0", "f1"}) && s.Columns[0] == "y"
			}, ""},
		{"header names the columns", cluster, FileInput{Header: true},
			func(s input.Spec) bool {
				return s.Header && s.Columns == nil && slices.Equal(s.Features, []string{"f0", "f1"}) && s.LabelColumn == "label"
			}, ""},
		{"as the pipeline", cluster, FileInput{},
			func(s input.Spec) bool { return slices.Equal(s.Columns, cluster.Columns) && s.Features == nil }, ""},
		{"features unknown", header, FileInput{Columns: []string{"a", "y"}}, nil, "features by name"},
		{"label column not in the file", susy, FileInput{LabelColumn: "y"}, nil, "not one of the columns"},
		{"avro", input.Spec{Format: input.FormatAvro, AvroSchema: `{"type":"record","name":"r","fields":[{"name":"x","type":"double"}]}`}, FileInput{}, nil, "files are CSV"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := FileSpec(c.spec, c.file)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("%+v, %v; want an error about %q", s, err, c.err)
				}
				return
			}
			if err != nil || !c.want(s) {
				t.Errorf("%+v, %v", s, err)
			}
		})
	}
}

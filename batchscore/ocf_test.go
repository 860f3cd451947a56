package batchscore

import (
	"testing"

	"github.com/streamsgd/streamsgd/codecs/input"
)

func TestOCFSpec(t *testing.T) {
	if _, err := OCFSpec(input.Spec{Format: input.FormatCSV}, ""); err == nil {
		t.Error("a CSV pipeline's spec became an Avro container's")
	}
	avro := input.Spec{Format: input.FormatAvro, AvroMode: input.AvroConfluent, SchemaIDs: []int32{3},
		AvroSchema: `{"type": "record", "name": "R", "fields": [{"name": "a", "type": "double"}, {"name": "y", "type": "int"}]}`,
		Features:   []string{"a"}, Label: input.LabelFromKey}
	s, err := OCFSpec(avro, "")
	if err != nil || s.AvroMode != input.AvroOCF || s.SchemaIDs != nil || s.Label != input.LabelFromNone {
		t.Errorf("label from the key: %+v, %v", s, err)
	}
	s, err = OCFSpec(avro, "y")
	if err != nil || s.Label != input.LabelFromColumn || s.LabelColumn != "y" {
		t.Errorf("--label-column y: %+v, %v", s, err)
	}
}

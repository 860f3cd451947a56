package config

import "github.com/streamsgd/streamsgd/codecs/input"

// InputSpec is the decoder spec of the pipeline's input, defaults applied
// (Validate has checked it).
func (c *Pipeline) InputSpec() input.Spec {
	s := c.inputSpec()
	s.EnsureDefaults()
	return s
}

func (c *Pipeline) inputSpec() input.Spec { return c.Input.spec(c.KeyColumn()) }

func (in Input) spec(keyColumn string) input.Spec {
	var delim rune
	for _, r := range in.Delimiter {
		delim = r
		break
	}
	classes := in.Label.Classes
	if in.Delayed() {
		classes = nil // of the labels topic's values, not of the input
	}
	return input.Spec{
		Format: in.Format, Header: in.Header, Delimiter: delim, Columns: in.Columns,
		AvroSchema: in.Avro.Schema, AvroMode: in.Avro.Mode, SchemaIDs: in.Avro.SchemaIDs,
		Features: in.Features, Label: input.LabelFrom(in.Label.From), LabelColumn: in.Label.Column,
		Classes: classes, KeyColumn: keyColumn, IDColumn: in.IDColumn,
	}
}

// KeyColumn is the entity column of the per-entity models (Validate has
// checked that they share one), or "" when every model is global.
func (c *Pipeline) KeyColumn() string {
	for _, m := range c.Models {
		if m.Key != "" && m.Key != KeyGlobal {
			return m.Key
		}
	}
	return ""
}

// FeatureCount is the number of features per row: the listed features,
// or the columns (CSV) or numeric fields (Avro) that are neither label nor
// key. 0 when the messages alone can tell (a CSV header without features).
func (c *Pipeline) FeatureCount() int {
	names, err := c.inputSpec().FeatureNames()
	if err != nil {
		return 0
	}
	return len(names)
}

package input

import (
	"fmt"
	"strings"
	"testing"
)

func TestEnsureDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Spec
		want Spec
	}{
		{"zero", Spec{}, Spec{Format: FormatCSV, Delimiter: ',', Label: LabelFromNone}},
		{"label column implies column", Spec{LabelColumn: "y"}, Spec{Format: FormatCSV, Delimiter: ',', Label: LabelFromColumn, LabelColumn: "y"}},
		{"avro", Spec{Format: FormatAvro, Label: LabelFromKey}, Spec{Format: FormatAvro, AvroMode: AvroBinary, Label: LabelFromKey}},
		{"kept", Spec{Delimiter: ';', Label: LabelFromKey}, Spec{Format: FormatCSV, Delimiter: ';', Label: LabelFromKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in
			got.EnsureDefaults()
			if got.Format != tt.want.Format || got.Delimiter != tt.want.Delimiter || got.AvroMode != tt.want.AvroMode ||
				got.Label != tt.want.Label || got.LabelColumn != tt.want.LabelColumn {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	schema := readSusySchema(t)
	avro := func(s Spec) Spec { s.Format = FormatAvro; return s }
	tests := []struct {
		name string
		spec Spec
		want string // "" = valid; else the whole error
	}{
		{"susy key", Spec{Label: LabelFromKey}, ""},
		{"header named", Spec{Header: true, LabelColumn: "y", Features: []string{"a", "b"}, KeyColumn: "id"}, ""},
		{"columns", Spec{Columns: []string{"a", "b", "y"}, LabelColumn: "y"}, ""},
		{"positional", Spec{LabelColumn: "c18", Features: []string{"c0", "c3"}}, ""},
		{"avro binary", avro(Spec{AvroSchema: schema, LabelColumn: "label"}), ""},
		{"avro ocf without schema", avro(Spec{AvroMode: AvroOCF, Label: LabelFromKey}), ""},
		{"avro confluent ids", avro(Spec{AvroMode: AvroConfluent, AvroSchema: schema, SchemaIDs: []int32{7}}), ""},

		{"bad format", Spec{Format: "json"}, `input: format must be "csv" or "avro", got "json"`},
		{"bad label", Spec{Label: "header"}, `input: label must be "key", "column" or "none", got "header"`},
		{"label column required", Spec{Label: LabelFromColumn}, `input: label_column is required when label is "column"`},
		{"label column with key", Spec{Label: LabelFromKey, LabelColumn: "y"}, `input: label_column is only allowed when label is "column" (label is "key")`},
		{"classes without label", Spec{Classes: []string{"a"}}, `input: classes are given but label is "none"`},
		{"duplicate class", Spec{Label: LabelFromKey, Classes: []string{"a", "a"}}, `input: classes: "a" appears twice`},
		{"empty feature", Spec{Header: true, Features: []string{""}}, `input: features[0] is empty`},
		{"duplicate feature", Spec{Header: true, Features: []string{"a", "a"}}, `input: features: "a" appears twice`},
		{"feature is label", Spec{Header: true, LabelColumn: "y", Features: []string{"y"}}, `input: features: "y" is the label column`},
		{"feature is key", Spec{Header: true, KeyColumn: "id", Features: []string{"id"}}, `input: features: "id" is the key column`},
		{"key is label", Spec{Header: true, LabelColumn: "y", KeyColumn: "y"}, `input: key_column: "y" is also the label column`},
		{"id is a feature", Spec{Header: true, Features: []string{"a"}, IDColumn: "a"}, `input: id_column: "a" is also a feature, the label or the key column`},
		{"id is the key", Spec{Header: true, KeyColumn: "k", IDColumn: "k"}, `input: id_column: "k" is also a feature, the label or the key column`},
		{"quote delimiter", Spec{Delimiter: '"'}, `input: delimiter '"' is not allowed`},
		{"newline delimiter", Spec{Delimiter: '\n'}, `input: delimiter '\n' is not allowed`},
		{"duplicate column", Spec{Columns: []string{"a", "a"}}, `input: columns: "a" appears twice`},
		{"feature not a column", Spec{Columns: []string{"a", "b"}, Features: []string{"c"}}, `input: features: "c" is not one of the columns`},
		{"label not a column", Spec{Columns: []string{"a", "b"}, LabelColumn: "y"}, `input: label_column: "y" is not one of the columns`},
		{"no feature column left", Spec{Columns: []string{"y"}, LabelColumn: "y"}, `input: columns: no feature column is left besides the label and key columns`},
		{"positional name", Spec{LabelColumn: "label"}, `input: label_column: "label" is not a column name: without a header or columns, columns are named c0, c1, ...`},
		{"positional leading zero", Spec{Features: []string{"c01"}}, `input: features: "c01" is not a column name: without a header or columns, columns are named c0, c1, ...`},
		{"avro schema with csv", Spec{AvroSchema: schema}, `input: avro_schema is only for format "avro"`},
		{"schema ids with csv", Spec{SchemaIDs: []int32{1}}, `input: schema_ids is only for format "avro"`},
		{"header with avro", avro(Spec{Header: true, AvroSchema: schema}), `input: header is only for format "csv"`},
		{"columns with avro", avro(Spec{Columns: []string{"a"}, AvroSchema: schema}), `input: columns is only for format "csv"`},
		{"bad avro mode", avro(Spec{AvroMode: "json", AvroSchema: schema}), `input: avro_mode must be "binary", "ocf" or "confluent", got "json"`},
		{"schema ids without confluent", avro(Spec{AvroSchema: schema, SchemaIDs: []int32{1}}), `input: schema_ids is only for avro_mode "confluent"`},
		{"avro schema required", avro(Spec{}), `input: avro_schema is required when avro_mode is "binary"`},
		{"avro schema not a record", avro(Spec{AvroSchema: `"double"`}), `input: avro_schema: the schema must be a JSON object of type "record"`},
		{"avro feature missing", avro(Spec{AvroSchema: schema, Features: []string{"f99"}}), `input: features: field "f99" is not in the schema`},
		{"avro label missing", avro(Spec{AvroSchema: schema, LabelColumn: "y"}), `input: label_column: field "y" is not in the schema`},
		{"avro string feature", avro(Spec{AvroSchema: kitchenSchema, Features: []string{"name"}}), `input: features: field "name" has type string, which cannot be used here`},
		{"avro logical feature", avro(Spec{AvroSchema: kitchenSchema, Features: []string{"ts"}}), `input: features: field "ts" has type long with logicalType timestamp-millis, which cannot be used here`},
		{"avro float key", avro(Spec{AvroSchema: kitchenSchema, KeyColumn: "x"}), `input: key_column: field "x" has type double, which cannot be used here`},
		{"avro no numeric field", avro(Spec{AvroSchema: `{"type":"record","name":"R","fields":[{"name":"s","type":"string"}]}`}), `input: features: the schema has no numeric field besides the label and key fields`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("Validate() = %v\nwant %s", err, tt.want)
			}
			if _, nerr := NewDecoder(tt.spec); (nerr == nil) != (err == nil) {
				t.Fatalf("NewDecoder error %v disagrees with Validate error %v", nerr, err)
			}
		})
	}
}

func TestValidateBadAvroJSON(t *testing.T) {
	err := Spec{Format: FormatAvro, AvroSchema: `{"type":`}.Validate()
	if err == nil || !strings.HasPrefix(err.Error(), "input: avro_schema: ") {
		t.Fatalf("got %v", err)
	}
}

func TestFeatureNames(t *testing.T) {
	susy := readSusySchema(t)
	tests := []struct {
		name string
		spec Spec
		want string // fmt of the names; "error" for an invalid Spec
	}{
		{"features", Spec{Header: true, Features: []string{"b", "a"}}, "[b a]"},
		{"columns", Spec{Columns: []string{"id", "a", "y", "b"}, LabelColumn: "y", KeyColumn: "id"}, "[a b]"},
		{"header", Spec{Header: true, LabelColumn: "y"}, "[]"},
		{"header with columns", Spec{Header: true, Columns: []string{"a", "y"}, LabelColumn: "y"}, "[]"},
		{"positional", Spec{Label: LabelFromKey}, "[]"},
		{"avro numeric fields", Spec{Format: FormatAvro, AvroSchema: kitchenSchema, LabelColumn: "i", KeyColumn: "id"}, "[x n f b opt]"},
		{"avro susy", Spec{Format: FormatAvro, AvroSchema: susy, LabelColumn: "label", Features: []string{"f3"}}, "[f3]"},
		{"ocf without schema", Spec{Format: FormatAvro, AvroMode: AvroOCF}, "[]"},
		{"invalid", Spec{Label: LabelFromColumn}, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names, err := tt.spec.FeatureNames()
			got := fmt.Sprint(names)
			if err != nil {
				got = "error"
			}
			if got != tt.want {
				t.Fatalf("FeatureNames() = %s (%v), want %s", got, err, tt.want)
			}
		})
	}
}

package input

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// fieldKind is what a top-level Avro record field holds, as far as decoding
// rows is concerned.
type fieldKind uint8

const (
	kindOther  fieldKind = iota // anything unusable: bytes, arrays, records, logical types, ...
	kindInt                     // int, long
	kindFloat                   // float, double
	kindBool                    // boolean
	kindString                  // string
	kindEnum                    // enum
)

func (k fieldKind) numeric() bool { return k == kindInt || k == kindFloat || k == kindBool }

// avroField is one field of a record schema.
type avroField struct {
	name     string
	kind     fieldKind
	nullable bool   // a ["null", T] union
	desc     string // the type, for error messages
}

// avroRecord is the field list of a record schema.
type avroRecord struct {
	fields []avroField
	byName map[string]int
}

// parseAvroRecord reads the fields of a record schema. goavro compiles the
// schema; this only classifies the top-level fields, which goavro does not
// expose.
func parseAvroRecord(schema string) (*avroRecord, error) {
	var top map[string]any
	if err := json.Unmarshal([]byte(schema), &top); err != nil {
		return nil, errors.New("the schema must be a JSON object of type \"record\"")
	}
	if top["type"] != "record" {
		return nil, errors.New("the top-level type must be a record")
	}
	list, _ := top["fields"].([]any)
	ns, _ := top["namespace"].(string)
	c := classifier{namespace: ns, enums: map[string]bool{}}
	rec := &avroRecord{byName: make(map[string]int, len(list))}
	for i, raw := range list {
		m, _ := raw.(map[string]any)
		fieldName, _ := m["name"].(string)
		if fieldName == "" {
			return nil, fmt.Errorf("field %d has no name", i)
		}
		f := c.field(m["type"])
		f.name = fieldName
		rec.byName[fieldName] = len(rec.fields)
		rec.fields = append(rec.fields, f)
	}
	return rec, nil
}

// classifier classifies field types, remembering the enums defined so far so
// that later fields may refer to them by name.
type classifier struct {
	namespace string
	enums     map[string]bool
}

func (c *classifier) field(t any) avroField {
	u, ok := t.([]any)
	if !ok {
		k, desc := c.kind(t)
		return avroField{kind: k, desc: desc}
	}
	var rest []any
	for _, m := range u {
		if m != "null" {
			rest = append(rest, m)
		}
	}
	if len(rest) != 1 {
		return avroField{kind: kindOther, desc: "a union other than [\"null\", T]"}
	}
	k, desc := c.kind(rest[0])
	if len(u) == 1 {
		return avroField{kind: k, desc: desc}
	}
	return avroField{kind: k, nullable: true, desc: "nullable " + desc}
}

func (c *classifier) kind(t any) (fieldKind, string) {
	switch t := t.(type) {
	case string:
		return c.named(t)
	case map[string]any:
		return c.complex(t)
	}
	return kindOther, "an unsupported type"
}

func (c *classifier) named(t string) (fieldKind, string) {
	switch t {
	case "int", "long":
		return kindInt, t
	case "float", "double":
		return kindFloat, t
	case "boolean":
		return kindBool, t
	case "string":
		return kindString, t
	}
	if c.enums[t] || c.enums[c.namespace+"."+t] {
		return kindEnum, "enum " + t
	}
	return kindOther, t
}

func (c *classifier) complex(m map[string]any) (fieldKind, string) {
	typ, ok := m["type"].(string)
	if !ok {
		return kindOther, "a nested type"
	}
	if lt, ok := m["logicalType"].(string); ok && typ != "string" {
		return kindOther, typ + " with logicalType " + lt
	}
	switch typ {
	case "enum":
		return c.enum(m)
	case "record", "error", "array", "map", "fixed":
		return kindOther, typ
	}
	return c.named(typ)
}

func (c *classifier) enum(m map[string]any) (fieldKind, string) {
	name, _ := m["name"].(string)
	ns, _ := m["namespace"].(string)
	if ns == "" && !strings.Contains(name, ".") {
		ns = c.namespace
	}
	c.enums[name] = true
	if ns != "" {
		c.enums[ns+"."+name] = true
	}
	return kindEnum, "enum " + name
}

// avroPlan names the fields a decoder reads from each record.
type avroPlan struct {
	features []string
	label    string // with LabelFromColumn
	key      string // with a KeyColumn
	id       string // with an IDColumn
}

// newAvroPlan resolves the Spec against a record schema: the default
// features, and a type check of every field used.
func newAvroPlan(rec *avroRecord, s *Spec) (*avroPlan, error) {
	p := &avroPlan{features: s.Features, label: s.LabelColumn, key: s.KeyColumn, id: s.IDColumn}
	if len(p.features) == 0 {
		p.features = rec.defaultFeatures(p.label, p.key, p.id)
		if len(p.features) == 0 {
			return nil, errors.New("features: the schema has no numeric field besides the label and key fields")
		}
	}
	for _, f := range p.features {
		if err := rec.expect("features", f, kindInt, kindFloat, kindBool); err != nil {
			return nil, err
		}
	}
	if p.label != "" {
		if err := rec.expect("label_column", p.label, kindInt, kindFloat, kindBool, kindString, kindEnum); err != nil {
			return nil, err
		}
	}
	if p.key != "" {
		if err := rec.expect("key_column", p.key, kindString, kindEnum, kindInt); err != nil {
			return nil, err
		}
	}
	if p.id != "" {
		if err := rec.expect("id_column", p.id, kindString, kindEnum, kindInt); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (r *avroRecord) defaultFeatures(label, key, id string) []string {
	var out []string
	for _, f := range r.fields {
		if f.kind.numeric() && f.name != label && f.name != key && f.name != id {
			out = append(out, f.name)
		}
	}
	return out
}

func (r *avroRecord) expect(spec, name string, kinds ...fieldKind) error {
	i, ok := r.byName[name]
	if !ok {
		return fmt.Errorf("%s: field %q is not in the schema", spec, name)
	}
	f := r.fields[i]
	for _, k := range kinds {
		if f.kind == k {
			return nil
		}
	}
	return fmt.Errorf("%s: field %q has type %s, which cannot be used here", spec, name, f.desc)
}

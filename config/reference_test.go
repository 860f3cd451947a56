package config

import (
	"bytes"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The README's "Pipeline config reference" is tested against the
// definitions: every key it shows is a yaml tag of a field, every tagged
// field is shown, and a value whose comment starts with "(default)" is the
// default of a minimal pipeline. Its field-error example is real output.

const readme = "../README.md"

const minimalYAML = `
name: min
input: {topics: [in], columns: [f0, f1]}
models: [{name: m}]
serve: [{name: s, topics: [t], model: m}]
`

func TestReadmeReference(t *testing.T) {
	doc := readmeSection(t)
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(doc)
	if block == nil {
		t.Fatal("no yaml block in the config reference")
	}
	var root yaml.Node
	if err := yaml.Unmarshal(block[1], &root); err != nil {
		t.Fatalf("the reference is not YAML: %v", err)
	}
	shown := map[string][2]*yaml.Node{}
	walkNode(root.Content[0], "", shown)
	defined := map[string]reflect.Type{}
	walkType(t, reflect.TypeFor[Pipeline](), "", defined)

	for path := range shown {
		if defined[path] == nil {
			t.Errorf("README shows %s, which is not a key of the config", path)
		}
	}
	for path := range defined {
		if _, ok := shown[path]; !ok {
			t.Errorf("README does not show %s", path)
		}
	}
	minimal, err := Parse([]byte(minimalYAML), "minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for path, kv := range shown {
		if !strings.HasPrefix(kv[0].LineComment+kv[1].LineComment, "# (default)") || defined[path] == nil {
			continue
		}
		want := reflect.New(defined[path])
		if err := kv[1].Decode(want.Interface()); err != nil {
			t.Errorf("README %s: %v", path, err)
			continue
		}
		if got := valueAt(reflect.ValueOf(*minimal), path); !reflect.DeepEqual(got.Interface(), want.Elem().Interface()) {
			t.Errorf("README %s: default %v, but it is %v", path, want.Elem(), got)
		}
	}
}

// TestReadmeFieldError: the README's example of an error is what a negative
// learning rate in examples/susy.yaml gives.
func TestReadmeFieldError(t *testing.T) {
	m := regexp.MustCompile("Errors name the file and the field[^`]*`([^`]+)`").FindSubmatch(readmeSection(t))
	if m == nil {
		t.Fatal("no error example in the config reference")
	}
	data, err := os.ReadFile("../examples/susy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(data, "examples/susy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c.Models[0].Config.Optimizer.LearningRate = -1
	if err := c.Validate(); err == nil || err.Error() != string(m[1]) {
		t.Errorf("README says\n%s\nValidate says\n%v", m[1], err)
	}
}

func readmeSection(t *testing.T) []byte {
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(data, []byte("\n## Pipeline config reference\n"))
	if start < 0 {
		t.Fatal("README has no config reference")
	}
	data = data[start+1:]
	if end := bytes.Index(data[3:], []byte("\n## ")); end >= 0 {
		data = data[:end+3]
	}
	return data
}

// walkNode records the key and value nodes of every key, by path
// ("models[].optimizer.name").
func walkNode(n *yaml.Node, path string, out map[string][2]*yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			out[p] = [2]*yaml.Node{k, v}
			walkNode(v, p, out)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind == yaml.MappingNode {
				walkNode(c, path+"[]", out)
			}
		}
	}
}

// walkType records the type of every yaml key of t, by path.
func walkType(t *testing.T, typ reflect.Type, path string, out map[string]reflect.Type) {
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, ok := f.Tag.Lookup("yaml")
		if !ok {
			t.Errorf("%s.%s has no yaml tag", typ, f.Name)
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case name == "-":
			continue
		case opts == "inline":
			walkType(t, f.Type, path, out)
			continue
		}
		p := join(path, name)
		out[p] = f.Type
		switch {
		case f.Type.Kind() == reflect.Struct:
			walkType(t, f.Type, p, out)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			walkType(t, f.Type.Elem(), p+"[]", out)
		}
	}
}

// valueAt is the field of v at a path of walkType, the first element of
// each slice.
func valueAt(v reflect.Value, path string) reflect.Value {
	for _, key := range strings.Split(path, ".") {
		key, slice := strings.CutSuffix(key, "[]")
		v = fieldByKey(v, key)
		if slice {
			v = v.Index(0)
		}
	}
	return v
}

func fieldByKey(v reflect.Value, key string) reflect.Value {
	for i := range v.NumField() {
		name, opts, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		switch {
		case name == key:
			return v.Field(i)
		case opts == "inline":
			if f := fieldByKey(v.Field(i), key); f.IsValid() {
				return f
			}
		}
	}
	return reflect.Value{}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

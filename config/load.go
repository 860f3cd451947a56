package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads, defaults and validates a pipeline config file.
func Load(path string) (*Pipeline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(data, path)
}

// Parse decodes YAML (unknown keys are errors), applies defaults and
// validates. file is used in error messages and to resolve relative paths.
func Parse(data []byte, file string) (*Pipeline, error) {
	var c Pipeline
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(file, data, err)
	}
	c.File = file
	if err := explicitZeros(data, file); err != nil {
		return nil, err
	}
	c.resolveTLSFiles()
	if err := c.loadSchemaFile(); err != nil {
		return nil, err
	}
	c.EnsureDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// resolveTLSFiles makes the security section's relative paths relative to
// the config file, as schema_file is.
func (c *Pipeline) resolveTLSFiles() {
	for _, f := range []*string{&c.Security.TLS.CAFile, &c.Security.TLS.CertFile, &c.Security.TLS.KeyFile} {
		*f = c.relative(*f)
	}
}

// relative resolves a path relative to the config file.
func (c *Pipeline) relative(path string) string {
	if path == "" || c.File == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(c.File), path)
}

func (c *Pipeline) loadSchemaFile() error {
	avro := &c.Input.Avro
	if avro.SchemaFile == "" || avro.Schema != "" {
		return nil
	}
	data, err := os.ReadFile(c.relative(avro.SchemaFile))
	if err != nil {
		return &FieldError{File: c.File, Field: "input.avro.schema_file", Msg: err.Error()}
	}
	avro.Schema = string(data)
	return nil
}

var (
	typeErrorRE    = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type`)
	duplicateKeyRE = regexp.MustCompile(`^mapping key "(.*)" already defined`)
)

// yamlError turns a decoding error into a *FieldError: a syntax error
// gives its line, an unknown key its name and line, a value of the wrong
// type or a duplicate key the path of its key.
func yamlError(file string, data []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		return &FieldError{File: file, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	first := te.Errors[0]
	m := typeErrorRE.FindStringSubmatch(first)
	if m == nil {
		return &FieldError{File: file, Msg: first}
	}
	var line int
	fmt.Sscan(m[1], &line)
	keys := keysAt(data, line)
	if u := unknownFieldRE.FindStringSubmatch(m[2]); u != nil {
		// Field is the key as written; where it was found helps to see
		// that it belongs elsewhere.
		msg := "unknown field (line " + m[1] + ")"
		if key := keyNamed(keys, u[1]); key != u[1] {
			msg = "unknown field in " + strings.TrimSuffix(key, "."+u[1]) + " (line " + m[1] + ")"
		}
		return &FieldError{File: file, Field: u[1], Msg: msg}
	}
	if d := duplicateKeyRE.FindStringSubmatch(m[2]); d != nil {
		return &FieldError{File: file, Field: keyNamed(keys, d[1]), Msg: "defined twice (line " + m[1] + ")"}
	}
	if len(keys) > 0 {
		return &FieldError{File: file, Field: keys[len(keys)-1], Msg: m[2] + " (line " + m[1] + ")"}
	}
	return &FieldError{File: file, Msg: first}
}

// keyNamed is the path among keys whose last key is name, or name.
func keyNamed(keys []string, name string) string {
	for _, k := range keys {
		if k == name || strings.HasSuffix(k, "."+name) {
			return k
		}
	}
	return name
}

// keysAt are the paths of the keys on the given line of a YAML document,
// outermost first.
func keysAt(data []byte, line int) []string {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	var keys []string
	findKeys(&doc, "", line, &keys)
	return keys
}

func findKeys(n *yaml.Node, path string, line int, keys *[]string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			findKeys(c, path, line, keys)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if k.Line == line || v.Line == line {
				*keys = append(*keys, p)
			}
			findKeys(v, p, line, keys)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			findKeys(c, fmt.Sprintf("%s[%d]", path, i), line, keys)
		}
	}
}

// zeroIsDefault are the keys whose zero value means "the default"
// (setZero, model.Optimizer), with what they must be: written explicitly,
// a 0 was replaced by the default without a word (learning_rate: 0 learned
// at 0.1, beta1: 0 at 0.9, partitions: 0 made 4). Paths are from the top
// of the file; "models[]." stands for each model.
var zeroIsDefault = []struct{ path, want string }{
	{"partitions", ">= 1"}, {"replication", ">= 1"}, {"state.memory_mb", ">= 1"},
	{"api.max_body_kb", ">= 1"}, {"api.max_rows", ">= 1"},
	{"input.labels.expire_after.seconds", "> 0"}, {"input.labels.expire_after.rows", ">= 1"},
	{"models[].classes", ">= 2"}, {"models[].shards", ">= 1"}, {"models[].mix_every", ">= 1"},
	{"models[].metrics.emit_every", ">= 1"},
	{"models[].checkpoints.every_rows", ">= 1"}, {"models[].checkpoints.every_seconds", "> 0"},
	{"models[].checkpoints.idle_seconds", "> 0"}, {"models[].checkpoints.keep", ">= 1"},
	{"models[].optimizer.learning_rate", "> 0"}, {"models[].optimizer.decay", "> 0"},
	{"models[].optimizer.beta1", "in (0, 1)"}, {"models[].optimizer.beta2", "in (0, 1)"},
	{"models[].optimizer.epsilon", "> 0"}, {"models[].optimizer.ftrl_beta", "> 0"},
}

// explicitZeros refuses a key written as 0 where 0 means the default.
func explicitZeros(data []byte, file string) error {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil // the decoder reports what is wrong
	}
	top := doc.Content[0]
	var models []*yaml.Node
	if m := mappingValue(top, "models"); m != nil && m.Kind == yaml.SequenceNode {
		models = m.Content
	}
	for _, z := range zeroIsDefault {
		path, perModel := strings.CutPrefix(z.path, "models[].")
		roots, field := []*yaml.Node{top}, z.path
		if perModel {
			roots = models
		}
		for i, root := range roots {
			if perModel {
				field = fmt.Sprintf("models[%d].%s", i, path)
			}
			v := pathValue(root, path)
			if v == nil || v.Kind != yaml.ScalarNode {
				continue
			}
			if f, err := strconv.ParseFloat(v.Value, 64); err == nil && f == 0 {
				return &FieldError{File: file, Field: field,
					Msg: fmt.Sprintf("must be %s, got %s (line %d): 0 would mean the default here; leave the key out for it", z.want, v.Value, v.Line)}
			}
		}
	}
	return nil
}

// pathValue is the value at a dotted path of mappings under n, or nil.
func pathValue(n *yaml.Node, path string) *yaml.Node {
	for key := range strings.SplitSeq(path, ".") {
		if n = mappingValue(n, key); n == nil {
			return nil
		}
	}
	return n
}

// mappingValue is the value of key in mapping n, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

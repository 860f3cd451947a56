package config

import (
	"path/filepath"
	"testing"
)

// TestModelHashStable pins the config hash of the examples: versions record
// it, so it may change only on purpose.
func TestModelHashStable(t *testing.T) {
	want := map[string]string{
		"susy.yaml":         "a572ffc70027409d",
		"susy-cluster.yaml": "a572ffc70027409d",
		"susy-sharded.yaml": "8ebe870049876c0f",
	}
	for file, hash := range want {
		c, err := Load(filepath.Join("..", "examples", file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.ModelHash(c.Models[0])
		if err != nil || got != hash {
			t.Errorf("%s: hash %s (%v), want %s", file, got, err, hash)
		}
	}
}

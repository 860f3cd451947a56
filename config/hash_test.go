package config

import (
	"path/filepath"
	"testing"
)

// TestModelHashStable pins the config hash of the examples: versions record
// it, so it may change only on purpose.
func TestModelHashStable(t *testing.T) {
	want := map[string]string{
		"susy.yaml":         "059114b9ccec900a",
		"susy-cluster.yaml": "059114b9ccec900a",
		"susy-sharded.yaml": "c7ba981a2c61f993",
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

// TestModelHashIgnoresCheckpoints: when versions are made is not part of
// what a version holds.
func TestModelHashIgnoresCheckpoints(t *testing.T) {
	c, err := Load(filepath.Join("..", "examples", "susy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Models[0]
	before, _ := c.ModelHash(m)
	m.Checkpoints = Checkpoints{EveryRows: 7, EverySeconds: 1, IdleSeconds: 2, Keep: 3}
	if after, _ := c.ModelHash(m); after != before {
		t.Errorf("hash %s with other checkpoint settings, want %s", after, before)
	}
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/topology"
)

// TopologyCmd prints the DAG of a pipeline.
type TopologyCmd struct {
	Config string `required:"" type:"existingfile" help:"Pipeline config (YAML)."`
	Dot    bool   `help:"Print a Graphviz digraph instead of text."`
}

// Run implements the command.
func (c *TopologyCmd) Run(context.Context) error {
	p, err := loadPipeline(c.Config)
	if err != nil {
		return err
	}
	if c.Dot {
		fmt.Print(p.DOT())
		return nil
	}
	fmt.Print(p.Text())
	return nil
}

func loadPipeline(path string) (*topology.Pipeline, error) {
	cfg, err := config.Load(asGiven(path))
	if err != nil {
		return nil, err
	}
	return topology.Build(cfg)
}

// asGiven undoes kong's expansion of an existingfile flag to an absolute
// path when the file is under the working directory, so that errors name
// the config file as the user wrote it (examples/susy.yaml).
func asGiven(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil || !filepath.IsLocal(rel) {
		return path
	}
	return rel
}

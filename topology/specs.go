package topology

import (
	"fmt"

	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/processors"
)

// modelSpec is what the processors receive of one model of a validated
// config: its sections as they are, and what the pipeline derives.
func modelSpec(c *config.Pipeline, m config.Model) (processors.ModelSpec, error) {
	hash, err := c.ModelHash(m)
	if err != nil {
		return processors.ModelSpec{}, err
	}
	spec := processors.ModelSpec{
		Name: m.Name, Shards: m.Shards, Model: m.Config, Window: m.Metrics.Window,
		EmitEvery: m.Metrics.EmitEvery, MixEvery: m.MixEvery, Drift: m.Drift, Checkpoint: m.Checkpoints, ConfigHash: hash,
	}
	if m.PerEntity() {
		spec.KeyColumn = m.Key
	}
	return spec, nil
}

// modelSpecs converts every model, by name and in config order.
func modelSpecs(c *config.Pipeline) (map[string]processors.ModelSpec, []processors.ModelSpec, error) {
	byName := make(map[string]processors.ModelSpec, len(c.Models))
	var ordered []processors.ModelSpec
	for _, m := range c.Models {
		s, err := modelSpec(c, m)
		if err != nil {
			return nil, nil, fmt.Errorf("topology: model %s: %w", m.Name, err)
		}
		byName[m.Name] = s
		ordered = append(ordered, s)
	}
	return byName, ordered, nil
}

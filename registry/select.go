package registry

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/streamsgd/streamsgd/codecs/table"
)

// Selector says which version of a model key to serve.
type Selector struct {
	// Version is a fixed version id; 0 means the newest (or, with Pinned,
	// the newest pinned one).
	Version int64
	// Pinned picks the newest pinned version.
	Pinned bool
}

// ParseModelRef splits a model reference NAME, NAME@VERSION or
// NAME@pinned into the model name and its Selector (NAME alone: the
// newest version).
func ParseModelRef(ref string) (string, Selector, error) {
	name, at, found := strings.Cut(ref, "@")
	if name == "" {
		return "", Selector{}, fmt.Errorf("registry: model reference %q has no model name (want NAME, NAME@VERSION or NAME@pinned)", ref)
	}
	if !found {
		return name, Selector{}, nil
	}
	if at == "pinned" {
		return name, Selector{Pinned: true}, nil
	}
	id, err := strconv.ParseInt(at, 10, 64)
	if err != nil || id < 1 {
		return "", Selector{}, fmt.Errorf("registry: model reference %q: %q is neither a version (1, 2, ...) nor \"pinned\"", ref, at)
	}
	return name, Selector{Version: id}, nil
}

// String is the reference suffix: "", "@7" or "@pinned".
func (s Selector) String() string {
	switch {
	case s.Pinned:
		return "@pinned"
	case s.Version > 0:
		return "@" + strconv.FormatInt(s.Version, 10)
	}
	return ""
}

// Pick returns the version of reg that s selects, or an error wrapping
// ErrNoVersion that names the versions kept.
func (s Selector) Pick(reg *table.Registry) (*table.Version, error) {
	var v *table.Version
	what := "no versions"
	switch {
	case s.Pinned:
		v, what = reg.Pinned(), "no pinned version"
	case s.Version > 0:
		v, what = reg.Version(s.Version), "no version "+strconv.FormatInt(s.Version, 10)
	default:
		v = reg.Latest()
	}
	if v == nil {
		key := ""
		if reg != nil {
			key = reg.Key
		}
		return nil, fmt.Errorf("%w: key %q has %s (kept: %s)", ErrNoVersion, key, what, reg.IDs())
	}
	return v, nil
}

// ModelRegistries reads the registries of every key of one model (the
// model name for a global model, <model>/<entity> for a per-entity one),
// with their learners.
func (c *Client) ModelRegistries(ctx context.Context, model string) (map[string]*table.Registry, error) {
	return c.registries(ctx, func(r *table.Registry) bool { return r.Model == model }, false)
}

package table

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

// Registry is the value of the checkpoint table for one model key: the
// versions of that key's model that are kept, and what the checkpoint group
// could not do for it. Versions are in increasing ID (and rows) order.
type Registry struct {
	// Model is the model's name; Key the table key (model, or entity key).
	Model string
	Key   string
	// LastID is the ID of the newest version ever made for this key; IDs
	// are never reused, even after retention dropped versions.
	LastID int64
	// Versions kept: the last Keep of them plus every pinned one.
	Versions []Version
	// Skipped counts states of this key that could not be versioned:
	// their model is not in the pipeline config (removed or renamed), they
	// do not decode with the current config, or one version is larger than
	// a table record may be. SkipReason says why, for the last one.
	Skipped    int64
	SkipReason string
	// Trimmed counts unpinned versions dropped before their turn because
	// the registry would not fit in one table record.
	Trimmed int64
	// Commands are the results of the last pin and unpin commands (the
	// checkpoint group keeps a few), oldest first.
	Commands []CommandResult
}

// Version is one checkpoint of a model key: the full learner (weights,
// optimizer state, scaler) and the quality at that moment.
type Version struct {
	// ID is 1, 2, 3... per key.
	ID int64
	// Time the learner wrote the state this version copies (the
	// changelog record's timestamp).
	Time time.Time
	// Rows learned and rows dead-lettered in total; Window rows covered by
	// Metrics.
	Rows, Invalid, Window int64
	// Metrics are the rolling metrics at that moment (NaN: undefined).
	Metrics []metrics.Value
	// ConfigHash of the model's config when the version was made.
	ConfigHash string
	// Pinned versions are kept by retention; the newest pinned one is the
	// one to serve.
	Pinned bool
	// Config is the learner's model.Config (defaults applied) as JSON:
	// with State it rebuilds the learner (Restore), whatever the pipeline's
	// config is today.
	Config []byte
	// State is the learner's MarshalBinary.
	State []byte
	// Replacements is how many times a background learner had replaced
	// the key's model (drift.Monitor.Replacements): a version whose count
	// is above its predecessor's was made for a replacement.
	Replacements int64
}

// CommandResult is what the checkpoint group did with one pin or unpin
// command.
type CommandResult struct {
	// ID is the command's id (chosen by the sender); empty if it had none.
	ID      string
	Op      string
	Version int64
	Time    time.Time
	// OK is false when the command was rejected; Message says why (or what
	// else happened, e.g. an unpinned version dropped by retention).
	OK      bool
	Message string
}

// Latest returns the newest version, nil if there is none.
func (r *Registry) Latest() *Version {
	if r == nil || len(r.Versions) == 0 {
		return nil
	}
	return &r.Versions[len(r.Versions)-1]
}

// Version returns the version with the given ID, nil if it is not kept.
func (r *Registry) Version(id int64) *Version {
	if r == nil {
		return nil
	}
	for i := range r.Versions {
		if r.Versions[i].ID == id {
			return &r.Versions[i]
		}
	}
	return nil
}

// Pinned returns the newest pinned version, nil if none is pinned: the
// version a scorer serves.
func (r *Registry) Pinned() *Version {
	if r == nil {
		return nil
	}
	for i := len(r.Versions) - 1; i >= 0; i-- {
		if r.Versions[i].Pinned {
			return &r.Versions[i]
		}
	}
	return nil
}

// Command returns the result of the command with the given id, nil if the
// registry has none (not applied yet, or pushed out by newer commands).
func (r *Registry) Command(id string) *CommandResult {
	if r == nil || id == "" {
		return nil
	}
	for i := range r.Commands {
		if r.Commands[i].ID == id {
			return &r.Commands[i]
		}
	}
	return nil
}

// IDs describes the IDs of the kept versions for messages, e.g. "3, 7-9"
// ("none" without versions).
func (r *Registry) IDs() string {
	if r == nil || len(r.Versions) == 0 {
		return "none"
	}
	var parts []string
	for i := 0; i < len(r.Versions); {
		j := i
		for j+1 < len(r.Versions) && r.Versions[j+1].ID == r.Versions[j].ID+1 {
			j++
		}
		p := strconv.FormatInt(r.Versions[i].ID, 10)
		if j > i {
			p += "-" + strconv.FormatInt(r.Versions[j].ID, 10)
		}
		parts = append(parts, p)
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// ModelConfig decodes the learner config the version was made with.
func (v *Version) ModelConfig() (model.Config, error) {
	var c model.Config
	if err := json.Unmarshal(v.Config, &c); err != nil {
		return c, fmt.Errorf("table: version %d: model config: %w", v.ID, err)
	}
	return c, nil
}

// Restore rebuilds the learner of the version: weights, optimizer state and
// scaler, ready to predict or to continue learning.
func (v *Version) Restore() (*model.Model, error) {
	c, err := v.ModelConfig()
	if err != nil {
		return nil, err
	}
	m, err := model.New(c)
	if err != nil {
		return nil, fmt.Errorf("table: version %d: %w", v.ID, err)
	}
	if err := m.UnmarshalBinary(v.State); err != nil {
		return nil, fmt.Errorf("table: version %d: learner state: %w", v.ID, err)
	}
	return m, nil
}

package batchscore

import (
	"fmt"
	"sync"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/model"
	"github.com/streamsgd/streamsgd/score"
)

// Served is the version of one model key that scores its rows.
type Served struct {
	// Key is the model key: the model name, or <model>/<entity>.
	Key string
	// Version is the registry's version id (0 when unknown).
	Version int64
	// Scorer scores the rows.
	Scorer *score.Scorer
}

// Loader restores the learner of a model key's served version.
type Loader func() (*model.Model, error)

// Models are the served versions of one model, by model key: a global
// model's one key, or the keys of a per-entity model's entities. Versions
// are restored when a row first needs them. Safe for concurrent use.
type Models struct {
	name      string
	perEntity bool
	config    model.Config

	mu   sync.Mutex
	keys map[string]*entry
	none string // why a key that was never added has no version
}

type entry struct {
	version int64
	load    Loader
	served  *Served
	err     error // the key has no version to serve, or it did not restore
}

// NewModels returns the served versions of model name, none yet; cfg is
// the learner config of those versions (task, features, classes).
// perEntity says that rows pick the key <name>/<entity>; otherwise every
// row is scored by key name. none says why a key that was never added has
// no version, e.g. `no version in the registry`.
func NewModels(name string, perEntity bool, cfg model.Config, none string) *Models {
	return &Models{name: name, perEntity: perEntity, config: cfg, keys: map[string]*entry{}, none: none}
}

// Single returns the models of one restored learner that serves every
// row (key and version are reported with the predictions): an exported
// model, or a global model's version.
func Single(name, key string, version int64, m *model.Model) *Models {
	ms := NewModels(name, false, m.Config(), "")
	ms.keys[name] = &entry{version: version, served: &Served{Key: key, Version: version, Scorer: score.New(m)}}
	return ms
}

// Add serves version of key, restored by load when first needed.
func (ms *Models) Add(key string, version int64, load Loader) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.keys[key] = &entry{version: version, load: load}
}

// AddMissing records why key has no version to serve (its rows are
// rejected with that reason).
func (ms *Models) AddMissing(key string, why error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.keys[key] = &entry{err: why}
}

// Name is the model's name.
func (ms *Models) Name() string { return ms.name }

// PerEntity says whether rows pick their key by entity.
func (ms *Models) PerEntity() bool { return ms.perEntity }

// Config is the learner config of the served versions.
func (ms *Models) Config() model.Config { return ms.config }

// Outputs is the number of outputs per row.
func (ms *Models) Outputs() int {
	if ms.config.Task == model.TaskMulticlass {
		return ms.config.Classes
	}
	return 1
}

// Len is the number of keys added (with or without a version).
func (ms *Models) Len() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return len(ms.keys)
}

// Key is the model key of a row of entity (ignored by a global model).
func (ms *Models) Key(entity string) string {
	if ms.perEntity {
		return table.EntityKey(ms.name, entity)
	}
	return ms.name
}

// Lookup returns the served version of key, or why there is none.
func (ms *Models) Lookup(key string) (*Served, error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	e, ok := ms.keys[key]
	if !ok {
		return nil, fmt.Errorf("key %s: %s", key, ms.none)
	}
	if e.served == nil && e.err == nil {
		m, err := e.load()
		if err != nil {
			e.err = fmt.Errorf("key %s version %d: %w", key, e.version, err)
		} else if err := ms.compatible(m.Config()); err != nil {
			e.err = fmt.Errorf("key %s version %d: %w", key, e.version, err)
		} else {
			e.served = &Served{Key: key, Version: e.version, Scorer: score.New(m)}
		}
	}
	return e.served, e.err
}

// compatible checks that a restored version has the served shape.
func (ms *Models) compatible(c model.Config) error {
	if c.Task != ms.config.Task || c.Features != ms.config.Features || (c.Task == model.TaskMulticlass && c.Classes != ms.config.Classes) {
		return fmt.Errorf("its learner (%s, %d features, %d classes) is not the model's (%s, %d features, %d classes)",
			c.Task, c.Features, c.Classes, ms.config.Task, ms.config.Features, ms.config.Classes)
	}
	return nil
}

// lookup is one worker's view of Models: each key is looked up once.
type lookup struct {
	ms     *Models
	global *Served // a global model's one version, once looked up
	cache  map[string]served
}

type served struct {
	s   *Served
	why string
}

func newLookup(ms *Models) *lookup { return &lookup{ms: ms, cache: map[string]served{}} }

// get returns the served version for a row of entity, or why none.
func (l *lookup) get(entity string) (*Served, string) {
	if !l.ms.perEntity && l.global != nil {
		return l.global, ""
	}
	key := l.ms.Key(entity)
	c, ok := l.cache[key]
	if !ok {
		s, err := l.ms.Lookup(key)
		c = served{s: s}
		if err != nil {
			c.why = "no model to score with: " + err.Error()
		}
		l.cache[key] = c
		if !l.ms.perEntity && s != nil {
			l.global = s
		}
	}
	return c.s, c.why
}

// SingleScorer is Single for a scorer already built (score.New or, as a
// reference, score.NewLoop).
func SingleScorer(name, key string, version int64, s *score.Scorer) *Models {
	cfg := model.Config{Task: s.Task(), Features: s.Features()}
	if s.Task() == model.TaskMulticlass {
		cfg.Classes = s.Outputs()
	}
	ms := NewModels(name, false, cfg, "")
	ms.keys[name] = &entry{version: version, served: &Served{Key: key, Version: version, Scorer: s}}
	return ms
}

package processors

import (
	"sync"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/model"
)

// learnerCache keeps the learners of registry versions decoded, per model
// key and version, so that a served version is decoded once, not per row.
// It is shared by the partitions of the score group; the learners it
// returns are only read (Predict does not write to the model).
type learnerCache struct {
	mu       sync.Mutex
	capacity int
	m        map[versionKey]*model.Model
}

// versionKey names a version: its id and rows (an id is never reused for a
// key, and the rows tell a registry rebuilt from scratch apart).
type versionKey struct {
	key  string
	id   int64
	rows int64
}

func newLearnerCache(capacity int) *learnerCache {
	return &learnerCache{capacity: capacity, m: map[versionKey]*model.Model{}}
}

// get returns the learner of version v of key, decoding it on a miss.
func (c *learnerCache) get(key string, v *table.Version) (*model.Model, error) {
	k := versionKey{key: key, id: v.ID, rows: v.Rows}
	c.mu.Lock()
	m, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	m, err := v.Restore()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.capacity {
		clear(c.m)
	}
	c.m[k] = m
	return m, nil
}

// len is the number of learners kept.
func (c *learnerCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

package table

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// ServeState says which state of a model a deployment serves: StateLatest,
// StatePinned, or a version id of its key's Registry, in decimal. It is
// the type of a deployment's state in the pipeline config (config.Serve)
// and in a ServingOverride.
type ServeState string

// The states a deployment serves besides a fixed version.
const (
	// StateLatest is the model state the learn group holds now.
	StateLatest ServeState = "latest"
	// StatePinned is the newest pinned version of the model key.
	StatePinned ServeState = "pinned"
)

// Version returns the version id of a fixed-version state, and false for
// "latest", "pinned" or anything that is not a version id >= 1.
func (s ServeState) Version() (int64, bool) {
	id, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil || id < 1 {
		return 0, false
	}
	return id, true
}

// Valid reports whether s is "latest", "pinned" or a version id >= 1.
func (s ServeState) Valid() bool {
	_, fixed := s.Version()
	return s == StateLatest || s == StatePinned || fixed
}

// ServingOverride is a value of the <p>.serving table, keyed by deployment
// name, as JSON: {"model":"logreg_b","state":"latest","id":"...","time":"..."}.
// It overrides the model and state the deployment's config serves, until
// a tombstone (`streamsgd serve rollback`) removes it. The score group
// reads the table as a lookup, so a new override applies from the next
// record it scores: a hot swap, without a restart.
type ServingOverride struct {
	// Model served instead of the config's: a model of the pipeline with
	// the deployment's task.
	Model string `json:"model"`
	// State of Model served; empty is the deployment's configured state.
	State ServeState `json:"state,omitempty"`
	// ID identifies the command that wrote it (chosen by the sender);
	// Time is when it was written.
	ID   string    `json:"id,omitempty"`
	Time time.Time `json:"time,omitzero"`
	// Err is set on an override that could not be decoded: the score
	// group dead-letters the deployment's rows with it instead of serving
	// something nobody asked for. Never encoded.
	Err error `json:"-"`
}

// Encode returns the override's JSON.
func (o ServingOverride) Encode() ([]byte, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("table: encode serving override: %w", err)
	}
	return b, nil
}

// ParseServingOverride decodes and checks a serving override.
func ParseServingOverride(data []byte) (*ServingOverride, error) {
	var o ServingOverride
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, fmt.Errorf("table: serving override %q: %w", clip(data, 64), err)
	}
	if o.Model == "" {
		return nil, fmt.Errorf("table: serving override %q names no model", clip(data, 64))
	}
	if o.State != "" && !o.State.Valid() {
		return nil, fmt.Errorf("table: serving override: state must be %q, %q or a version id, got %q", StateLatest, StatePinned, o.State)
	}
	return &o, nil
}

// ServingCodec is the goka codec of <p>.serving (values *ServingOverride).
// Decode never fails: a value that is not an override decodes to one with
// Err set, so that a bad record on the topic cannot stop the score group.
// It keeps the overrides it decoded (a handful: one per deployment) and
// returns them again for the same bytes; they must not be modified.
type ServingCodec struct {
	cache map[string]*ServingOverride
	mu    sync.Mutex
}

// maxServingCache bounds the overrides a ServingCodec keeps.
const maxServingCache = 1 << 10

// Encode implements goka.Codec.
func (c *ServingCodec) Encode(value any) ([]byte, error) {
	switch o := value.(type) {
	case *ServingOverride:
		return o.Encode()
	case ServingOverride:
		return o.Encode()
	}
	return nil, fmt.Errorf("table: serving codec: cannot encode %T", value)
}

// Decode implements goka.Codec.
func (c *ServingCodec) Decode(data []byte) (any, error) {
	if len(data) == 0 {
		return nil, nil // a tombstone
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok := c.cache[string(data)]; ok {
		return o, nil
	}
	o, err := ParseServingOverride(data)
	if err != nil {
		o = &ServingOverride{Err: err}
	}
	if c.cache == nil || len(c.cache) >= maxServingCache {
		c.cache = map[string]*ServingOverride{}
	}
	c.cache[string(data)] = o
	return o, nil
}

// clip is b as a string, cut after n bytes, for error messages.
func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

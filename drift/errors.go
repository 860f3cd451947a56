package drift

import "errors"

var (
	// ErrInvalidConfig is wrapped by every *ConfigError.
	ErrInvalidConfig = errors.New("drift: invalid config")
	// ErrCorrupt is wrapped by the errors of decoding a detector or a
	// Monitor.
	ErrCorrupt = errors.New("drift: corrupt state")
	// ErrConfigMismatch is wrapped when a detector's state was written
	// under a config it cannot be read with (fewer max_buckets); a
	// Monitor then starts its detector afresh.
	ErrConfigMismatch = errors.New("drift: detector state written with another config")
)

// ConfigError names the Config field that is invalid, by its key in the
// drift section (e.g. "adwin.delta").
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return "drift: " + e.Field + " " + e.Reason }

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

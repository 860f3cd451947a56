package metrics

import "errors"

var (
	// ErrInvalidConfig is wrapped by every *ConfigError.
	ErrInvalidConfig = errors.New("metrics: invalid window config")
	// ErrCorrupt is wrapped by every error of Window.UnmarshalBinary about
	// malformed or impossible data.
	ErrCorrupt = errors.New("metrics: corrupt window state")
	// ErrConfigMismatch is wrapped when encoded state was written by a Window
	// with another config; the caller may start a fresh window.
	ErrConfigMismatch = errors.New("metrics: window state written with another config")
)

// ConfigError names the WindowConfig field that is invalid.
type ConfigError struct {
	Field  string // e.g. "window.buckets"
	Reason string // e.g. "must divide window.size"
}

func (e *ConfigError) Error() string { return "metrics: " + e.Field + " " + e.Reason }

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

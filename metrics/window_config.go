package metrics

import "fmt"

// Tasks of a Window.
const (
	TaskBinary     = "binary"
	TaskMulticlass = "multiclass"
	TaskRegression = "regression"
)

// Defaults and limits of WindowConfig.
const (
	DefaultWindowSize    = 1000
	DefaultWindowBuckets = 5
	DefaultWindowBins    = 32
	MaxWindowSize        = 1 << 30
	MaxWindowBins        = 1 << 12
)

// WindowConfig configures a Window. The zero value of a numeric field means
// its default (see EnsureDefaults). The yaml tags are the keys of a
// pipeline config's models[].metrics section.
type WindowConfig struct {
	// Task is "binary", "multiclass" or "regression". Required. It selects
	// the metrics: binary: accuracy, logloss, auc; multiclass: accuracy,
	// logloss; regression: rmse, mae, r2. A pipeline config sets it to the
	// model's task, so it is not a key of its own.
	Task string `yaml:"-" json:"task"`
	// Size is the number of rows covered when the window is full, at most
	// MaxWindowSize. Default 1000. Its key in a pipeline config is
	// "window".
	Size int `yaml:"window" json:"size"`
	// Buckets is the number of buckets; it must divide Size. The window
	// moves by Size/Buckets rows at a time and covers between
	// Size - Size/Buckets + 1 and Size rows once warm. Default 5.
	Buckets int `yaml:"buckets" json:"buckets"`
	// Bins is the number of equal-width score bins over [0, 1] used for the
	// binned AUC of binary tasks, at most MaxWindowBins. Default 32.
	Bins int `yaml:"bins" json:"bins"`
}

// EnsureDefaults sets zero fields to their defaults.
func (c *WindowConfig) EnsureDefaults() {
	if c.Size == 0 {
		c.Size = DefaultWindowSize
	}
	if c.Buckets == 0 {
		c.Buckets = DefaultWindowBuckets
	}
	if c.Bins == 0 {
		c.Bins = DefaultWindowBins
	}
}

// Validate returns a *ConfigError naming the first invalid field.
func (c WindowConfig) Validate() error {
	switch {
	case !validTask(c.Task):
		return cfgErr("window.task", fmt.Sprintf("must be one of binary, multiclass, regression (got %q)", c.Task))
	case c.Size < 1 || c.Size > MaxWindowSize:
		return cfgErr("window.size", fmt.Sprintf("must be in [1, %d] (got %d)", MaxWindowSize, c.Size))
	case c.Buckets < 1 || c.Buckets > c.Size:
		return cfgErr("window.buckets", fmt.Sprintf("must be in [1, window.size] (got %d)", c.Buckets))
	case c.Size%c.Buckets != 0:
		return cfgErr("window.buckets", "must divide window.size")
	case c.Bins < 1 || c.Bins > MaxWindowBins:
		return cfgErr("window.bins", fmt.Sprintf("must be in [1, %d] (got %d)", MaxWindowBins, c.Bins))
	}
	return nil
}

func cfgErr(field, reason string) error { return &ConfigError{Field: field, Reason: reason} }

// task codes, also written in the encoding.
const (
	taskBinary = iota
	taskMulticlass
	taskRegression
)

func validTask(t string) bool { return taskCode(t) >= 0 }

func taskCode(t string) int {
	switch t {
	case TaskBinary:
		return taskBinary
	case TaskMulticlass:
		return taskMulticlass
	case TaskRegression:
		return taskRegression
	}
	return -1
}

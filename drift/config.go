package drift

import "fmt"

// Detector names, the values of Config.Detector.
const (
	ADWIN       = "adwin"
	PageHinkley = "page_hinkley"
	None        = "none"
)

// Defaults of Config. ADWIN's are River's but for the confidences, and
// Page-Hinkley's River's but for the tolerance and the forgetting factor:
// with River's, a stationary stream of 1,000,000 rows raises false drifts
// (see ADWINConfig.Delta, PageHinkleyConfig.Delta).
const (
	DefaultDetector = ADWIN

	DefaultADWINDelta        = 0.0001
	DefaultADWINWarningDelta = 0.001
	DefaultADWINClock        = 32
	DefaultADWINMaxBuckets   = 5
	DefaultADWINMinWindow    = 5
	DefaultADWINGracePeriod  = 10

	DefaultPHDelta            = 0.05
	DefaultPHThreshold        = 50
	DefaultPHWarningThreshold = 25
	DefaultPHAlpha            = 1
	DefaultPHMinInstances     = 30

	DefaultBackgroundWindow = 1000
)

// Config configures drift detection for one model. The zero value of a
// field means its default (EnsureDefaults). The yaml tags are the keys of a
// pipeline config's models[].drift section.
type Config struct {
	// Detector is "adwin", "page_hinkley" or "none" (no detection, no
	// events, no state). Default "adwin": it needs no threshold in the
	// loss's units and its bound adapts to the loss's variance, for ~55 ns
	// of CPU per row of the learn step (383 -> 438 ns, an 18-feature
	// logistic model, processors.BenchmarkLearnDrift) and up to ~800 bytes
	// more state per table write (909 -> 1,709 bytes after 2.5 million
	// rows); Page-Hinkley's cost is within the noise, and 55 bytes.
	Detector string `yaml:"detector" json:"detector"`
	// ADWIN configures the "adwin" detector.
	ADWIN ADWINConfig `yaml:"adwin" json:"adwin"`
	// PageHinkley configures the "page_hinkley" detector.
	PageHinkley PageHinkleyConfig `yaml:"page_hinkley" json:"page_hinkley"`
	// Background configures the background learner.
	Background BackgroundConfig `yaml:"background" json:"background"`
}

// ADWINConfig configures ADWIN (River's names and defaults).
type ADWINConfig struct {
	// Delta is the confidence of a drift: the lower, the surer (and the
	// later) a cut. In (0, 1). Default 0.0001: River's 0.002 raised a
	// false drift in 1 of 8 stationary 1,000,000-row streams of 0/1 losses
	// (and a warning at 0.01 in 4 of 8); 0.0001 raises none, and finds an
	// error rate that rises from 0.2 to 0.8 within 64 rows, from 0.2 to
	// 0.3 within 1,000 (TestDetection).
	Delta float64 `yaml:"delta" json:"delta"`
	// WarningDelta is the looser confidence of a warning, >= Delta and
	// < 1. Default 0.001.
	WarningDelta float64 `yaml:"warning_delta" json:"warning_delta"`
	// Clock: the window is tested for a cut every Clock rows. Default 32.
	Clock int `yaml:"clock" json:"clock"`
	// MaxBuckets per level of the exponential histogram, at least 2.
	// Default 5.
	MaxBuckets int `yaml:"max_buckets" json:"max_buckets"`
	// MinWindow: both parts of a cut hold at least this many rows. Default 5.
	MinWindow int `yaml:"min_window" json:"min_window"`
	// GracePeriod: no cut is tested before the window holds more rows than
	// this. Default 10.
	GracePeriod int `yaml:"grace_period" json:"grace_period"`
}

// PageHinkleyConfig configures Page-Hinkley (River's names).
type PageHinkleyConfig struct {
	// Delta is the tolerated rise of the loss above its mean per row, >= 0:
	// a rise smaller than Delta is never found. Default 0.05 (River:
	// 0.005, which with a 0/1 loss raises a false drift every ~30,000
	// rows).
	Delta float64 `yaml:"delta" json:"delta"`
	// Threshold of the statistic (the cumulative rise above its minimum)
	// for a drift, > 0, in the loss's units times rows. Default 50: with a
	// 0/1 loss, an error rate that rises from 0.2 to 0.8 is found within
	// 150 rows, from 0.2 to 0.3 within 2,000, and a stationary one raises
	// no drift in 1,000,000 rows (TestStationary). Scale it and Delta with
	// the loss (a regression's squared error).
	Threshold float64 `yaml:"threshold" json:"threshold"`
	// WarningThreshold of the statistic for a warning, in (0, Threshold].
	// Default 25.
	WarningThreshold float64 `yaml:"warning_threshold" json:"warning_threshold"`
	// Alpha is the forgetting factor of the cumulative sum, in (0, 1].
	// Default 1 (no forgetting: River's 0.9999 forgets the rise of a slow
	// drift as fast as it comes).
	Alpha float64 `yaml:"alpha" json:"alpha"`
	// MinInstances: no alarm before this many rows since the last drift.
	// Default 30.
	MinInstances int `yaml:"min_instances" json:"min_instances"`
}

// BackgroundConfig configures the background learner.
type BackgroundConfig struct {
	// Enabled starts a background learner (a fresh model of the same
	// config) at a warning; it learns every row the live model learns and
	// replaces it when its loss over the last Window rows is lower, once
	// it has learned Window rows. Default false: detection only.
	Enabled bool `yaml:"enabled" json:"enabled"`
	// Window is the span, in rows, of the exponentially weighted losses
	// that are compared, and the rows a background learner learns before
	// it may replace the live one; a background learner that has not done
	// better after 10 windows is dropped. Default 1000.
	Window int `yaml:"window" json:"window"`
}

// EnsureDefaults sets zero fields to their defaults.
func (c *Config) EnsureDefaults() {
	setZero(&c.Detector, DefaultDetector)
	a := &c.ADWIN
	setZero(&a.Delta, DefaultADWINDelta)
	setZero(&a.WarningDelta, DefaultADWINWarningDelta)
	setZero(&a.Clock, DefaultADWINClock)
	setZero(&a.MaxBuckets, DefaultADWINMaxBuckets)
	setZero(&a.MinWindow, DefaultADWINMinWindow)
	setZero(&a.GracePeriod, DefaultADWINGracePeriod)
	p := &c.PageHinkley
	setZero(&p.Delta, DefaultPHDelta)
	setZero(&p.Threshold, DefaultPHThreshold)
	setZero(&p.WarningThreshold, DefaultPHWarningThreshold)
	setZero(&p.Alpha, DefaultPHAlpha)
	setZero(&p.MinInstances, DefaultPHMinInstances)
	setZero(&c.Background.Window, DefaultBackgroundWindow)
}

// Enabled reports whether a detector runs.
func (c Config) Enabled() bool { return c.Detector != None }

// Validate returns a *ConfigError naming the first invalid field (its key
// in the drift section).
func (c Config) Validate() error {
	a, p := c.ADWIN, c.PageHinkley
	switch {
	case c.Detector != ADWIN && c.Detector != PageHinkley && c.Detector != None:
		return cfgErr("detector", "must be one of adwin, page_hinkley, none (got %q)", c.Detector)
	case !(a.Delta > 0 && a.Delta < 1):
		return cfgErr("adwin.delta", "must be in (0, 1) (got %g)", a.Delta)
	case !(a.WarningDelta >= a.Delta && a.WarningDelta < 1):
		return cfgErr("adwin.warning_delta", "must be in [adwin.delta, 1) (got %g)", a.WarningDelta)
	case a.Clock < 1:
		return cfgErr("adwin.clock", "must be >= 1 (got %d)", a.Clock)
	case a.MaxBuckets < 2 || a.MaxBuckets > maxMaxBuckets:
		return cfgErr("adwin.max_buckets", "must be in [2, %d] (got %d)", maxMaxBuckets, a.MaxBuckets)
	case a.MinWindow < 1:
		return cfgErr("adwin.min_window", "must be >= 1 (got %d)", a.MinWindow)
	case a.GracePeriod < 0:
		return cfgErr("adwin.grace_period", "must be >= 0 (got %d)", a.GracePeriod)
	case !(p.Delta >= 0) || p.Delta > 1e300:
		return cfgErr("page_hinkley.delta", "must be >= 0 and finite (got %g)", p.Delta)
	case !(p.Threshold > 0) || p.Threshold > 1e300:
		return cfgErr("page_hinkley.threshold", "must be > 0 and finite (got %g)", p.Threshold)
	case !(p.WarningThreshold > 0 && p.WarningThreshold <= p.Threshold):
		return cfgErr("page_hinkley.warning_threshold", "must be in (0, page_hinkley.threshold] (got %g)", p.WarningThreshold)
	case !(p.Alpha > 0 && p.Alpha <= 1):
		return cfgErr("page_hinkley.alpha", "must be in (0, 1] (got %g)", p.Alpha)
	case p.MinInstances < 1:
		return cfgErr("page_hinkley.min_instances", "must be >= 1 (got %d)", p.MinInstances)
	case c.Background.Window < 1 || c.Background.Window > maxBackgroundWindow:
		return cfgErr("background.window", "must be in [1, %d] (got %d)", maxBackgroundWindow, c.Background.Window)
	case c.Background.Enabled && c.Detector == None:
		return cfgErr("background.enabled", "needs a detector (detector is %q)", None)
	}
	return nil
}

// Limits of Config.
const (
	maxMaxBuckets       = 64
	maxBackgroundWindow = 1 << 30
)

func cfgErr(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

func setZero[T comparable](f *T, v T) {
	var zero T
	if *f == zero {
		*f = v
	}
}

package drift

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func defaults(detector string) Config {
	c := Config{Detector: detector}
	c.EnsureDefaults()
	return c
}

// bernoulli is a stream of 0/1 losses (a classifier's errors): rate p
// before row at, q from it on.
func bernoulli(seed uint64, p, q float64, at int) func(i int) float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	return func(i int) float64 {
		rate := p
		if i >= at {
			rate = q
		}
		if r.Float64() < rate {
			return 1
		}
		return 0
	}
}

// gaussian is a stream of squared-error-like losses: |N(mu, 1)| with mu
// moving from a to b at row at.
func gaussian(seed uint64, a, b float64, at int) func(i int) float64 {
	r := rand.New(rand.NewPCG(seed, 11))
	return func(i int) float64 {
		mu := a
		if i >= at {
			mu = b
		}
		x := mu + r.NormFloat64()
		return x * x
	}
}

// firstSignals runs n rows and returns the first row of each signal, -1
// when none came.
func firstSignals(d Detector, n int, loss func(int) float64) (warning, drift int) {
	warning, drift = -1, -1
	for i := range n {
		switch d.Update(loss(i)) {
		case Warning:
			if warning < 0 {
				warning = i
			}
		case Drift:
			if drift < 0 {
				drift = i
			}
		}
	}
	return warning, drift
}

// TestDetection: a loss whose mean rises at row shiftAt is found within the
// stated rows, on every seed, and no drift comes before the shift. A
// warning comes first unless the rise is so large that the same test finds
// the drift (the drift then stands for both); warnings before the shift
// are counted and logged, as in TestStationary.
func TestDetection(t *testing.T) {
	const shiftAt = 100_000
	tests := []struct {
		name     string
		detector string
		loss     func(seed uint64) func(int) float64
		within   int // rows after shiftAt
	}{
		{"adwin error 0.2 to 0.8", ADWIN, func(s uint64) func(int) float64 { return bernoulli(s, 0.2, 0.8, shiftAt) }, 100},
		{"adwin error 0.2 to 0.3", ADWIN, func(s uint64) func(int) float64 { return bernoulli(s, 0.2, 0.3, shiftAt) }, 1_000},
		{"adwin error 0.05 to 0.15", ADWIN, func(s uint64) func(int) float64 { return bernoulli(s, 0.05, 0.15, shiftAt) }, 1_000},
		{"adwin squared error 1 to 4", ADWIN, func(s uint64) func(int) float64 { return gaussian(s, 0, 1.7, shiftAt) }, 500},
		{"page-hinkley error 0.2 to 0.8", PageHinkley, func(s uint64) func(int) float64 { return bernoulli(s, 0.2, 0.8, shiftAt) }, 150},
		{"page-hinkley error 0.2 to 0.3", PageHinkley, func(s uint64) func(int) float64 { return bernoulli(s, 0.2, 0.3, shiftAt) }, 2_000},
		{"page-hinkley error 0.05 to 0.15", PageHinkley, func(s uint64) func(int) float64 { return bernoulli(s, 0.05, 0.15, shiftAt) }, 2_000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			worst, early := 0, 0
			for seed := range uint64(8) {
				w, d := firstSignals(NewDetector(defaults(tc.detector)), shiftAt+tc.within, tc.loss(seed))
				switch {
				case d < 0:
					t.Errorf("seed %d: no drift within %d rows of the shift (warning at %d)", seed, tc.within, w)
				case d < shiftAt:
					t.Errorf("seed %d: a drift at %d, before the shift", seed, d)
				}
				if w >= 0 && w < shiftAt {
					early++
				}
				worst = max(worst, d-shiftAt)
			}
			t.Logf("drift found at most %d rows after the shift (bound %d); warnings before it in %d of 8 streams", worst, tc.within, early)
		})
	}
}

// TestStationary: 1,000,000 rows of a stationary loss raise no drift, on
// several seeds and loss levels (a 0/1 loss of rate 0.05 to 0.5, the
// squared error of a unit normal). Warnings are counted and logged: they
// are the looser test, and only start a background learner.
func TestStationary(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000,000 rows per stream")
	}
	streams := []struct {
		name string
		loss func(seed uint64) func(int) float64
	}{
		{"error 0.05", func(s uint64) func(int) float64 { return bernoulli(s, 0.05, 0.05, 0) }},
		{"error 0.2", func(s uint64) func(int) float64 { return bernoulli(s, 0.2, 0.2, 0) }},
		{"error 0.5", func(s uint64) func(int) float64 { return bernoulli(s, 0.5, 0.5, 0) }},
		{"squared error", func(s uint64) func(int) float64 { return gaussian(s, 0, 0, 0) }},
	}
	for _, det := range []string{ADWIN, PageHinkley} {
		for _, st := range streams {
			t.Run(det+" "+st.name, func(t *testing.T) {
				if det == PageHinkley && st.name == "squared error" {
					t.Skip("page-hinkley's threshold is in the loss's units: set for a 0/1 loss")
				}
				warnings := 0
				for seed := range uint64(4) {
					w, d := firstSignals(NewDetector(defaults(det)), 1_000_000, st.loss(seed))
					if d >= 0 {
						t.Errorf("seed %d: a drift at row %d of a stationary stream", seed, d)
					}
					if w >= 0 {
						warnings++
					}
				}
				t.Logf("warnings in %d of 4 streams", warnings)
			})
		}
	}
}

// TestRoundTrip: a detector encoded and decoded mid-stream goes on exactly
// as the original (same signals, same bytes).
func TestRoundTrip(t *testing.T) {
	for _, det := range []string{ADWIN, PageHinkley} {
		t.Run(det, func(t *testing.T) {
			c := defaults(det)
			a := NewDetector(c)
			loss := bernoulli(1, 0.2, 0.7, 30_000)
			for i := range 20_000 {
				a.Update(loss(i))
			}
			b := NewDetector(c)
			if err := b.UnmarshalBinary(a.AppendBinary(nil)); err != nil {
				t.Fatal(err)
			}
			for i := 20_000; i < 40_000; i++ {
				x := loss(i)
				if sa, sb := a.Update(x), b.Update(x); sa != sb {
					t.Fatalf("row %d: original says %s, decoded %s", i, sa, sb)
				}
			}
			if string(a.AppendBinary(nil)) != string(b.AppendBinary(nil)) {
				t.Fatal("encodings differ after the same rows")
			}
		})
	}
}

func TestUnmarshalCorrupt(t *testing.T) {
	c := defaults(ADWIN)
	a := NewADWIN(c.ADWIN)
	for i := range 1000 {
		a.Update(float64(i % 3))
	}
	good := a.AppendBinary(nil)
	p := NewPageHinkley(c.PageHinkley)
	p.Update(1)
	tests := []struct {
		name string
		d    Detector
		data []byte
	}{
		{"adwin empty", NewADWIN(c.ADWIN), nil},
		{"adwin truncated", NewADWIN(c.ADWIN), good[:len(good)-3]},
		{"adwin trailing", NewADWIN(c.ADWIN), append(append([]byte{}, good...), 0)},
		{"adwin width", NewADWIN(c.ADWIN), append([]byte{0x7f}, good[1:]...)},
		{"page-hinkley truncated", NewPageHinkley(c.PageHinkley), p.AppendBinary(nil)[:10]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.d.UnmarshalBinary(tc.data); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestIgnoresNaN(t *testing.T) {
	for _, det := range []string{ADWIN, PageHinkley} {
		d := NewDetector(defaults(det))
		before := d.AppendBinary(nil)
		for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			if s := d.Update(x); s != Stable {
				t.Errorf("%s: %v gave %s", det, x, s)
			}
		}
		if string(before) != string(d.AppendBinary(nil)) {
			t.Errorf("%s: a NaN or infinite loss changed the state", det)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *Config)
		field string
	}{
		{"defaults", func(*Config) {}, ""},
		{"detector", func(c *Config) { c.Detector = "ddm" }, "detector"},
		{"delta", func(c *Config) { c.ADWIN.Delta = 1 }, "adwin.delta"},
		{"warning delta below delta", func(c *Config) { c.ADWIN.WarningDelta = c.ADWIN.Delta / 2 }, "adwin.warning_delta"},
		{"clock", func(c *Config) { c.ADWIN.Clock = -1 }, "adwin.clock"},
		{"max buckets", func(c *Config) { c.ADWIN.MaxBuckets = 1 }, "adwin.max_buckets"},
		{"min window", func(c *Config) { c.ADWIN.MinWindow = -2 }, "adwin.min_window"},
		{"grace period", func(c *Config) { c.ADWIN.GracePeriod = -1 }, "adwin.grace_period"},
		{"ph delta", func(c *Config) { c.PageHinkley.Delta = math.NaN() }, "page_hinkley.delta"},
		{"ph threshold", func(c *Config) { c.PageHinkley.Threshold = -1 }, "page_hinkley.threshold"},
		{"ph warning", func(c *Config) { c.PageHinkley.WarningThreshold = 60 }, "page_hinkley.warning_threshold"},
		{"ph alpha", func(c *Config) { c.PageHinkley.Alpha = 1.5 }, "page_hinkley.alpha"},
		{"ph min instances", func(c *Config) { c.PageHinkley.MinInstances = -1 }, "page_hinkley.min_instances"},
		{"background window", func(c *Config) { c.Background.Window = -1 }, "background.window"},
		{"background without detector", func(c *Config) { c.Detector, c.Background.Enabled = None, true }, "background.enabled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := defaults(ADWIN)
			tc.edit(&c)
			err := c.Validate()
			var ce *ConfigError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.field == "":
			case !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrInvalidConfig):
				t.Fatalf("got %v, want a ConfigError of field %s", err, tc.field)
			}
		})
	}
}

func BenchmarkUpdate(b *testing.B) {
	for _, det := range []string{ADWIN, PageHinkley} {
		b.Run(det, func(b *testing.B) {
			d := NewDetector(defaults(det))
			loss := bernoulli(1, 0.2, 0.2, 0)
			xs := make([]float64, 1<<16)
			for i := range xs {
				xs[i] = loss(i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				d.Update(xs[i&(len(xs)-1)])
			}
			b.ReportMetric(float64(len(d.AppendBinary(nil))), "state-bytes")
		})
	}
}

package drift

import "fmt"

// Signal is what a detector says of a row.
type Signal uint8

// Signals, in increasing severity.
const (
	// Stable: no change found.
	Stable Signal = iota
	// Warning: the loss may have risen (a looser test than a drift's).
	Warning
	// Drift: the loss has risen.
	Drift
)

func (s Signal) String() string {
	switch s {
	case Stable:
		return "stable"
	case Warning:
		return "warning"
	case Drift:
		return "drift"
	}
	return fmt.Sprintf("signal(%d)", uint8(s))
}

// Stat is one named statistic of a detector, reported with its events.
type Stat struct {
	Name  string
	Value float64
}

// Detector watches a stream of losses.
type Detector interface {
	// Update adds the loss of one row and reports whether it shows a
	// warning or a drift. A NaN or infinite loss is ignored (Stable).
	Update(loss float64) Signal
	// Stats are the detector's statistics now, in a fixed order.
	Stats() []Stat
	// AppendBinary appends the detector's deterministic encoding.
	AppendBinary(b []byte) []byte
	// UnmarshalBinary restores the state AppendBinary wrote, under the
	// same config.
	UnmarshalBinary(data []byte) error
}

// NewDetector returns the configured detector of c (defaults applied and
// valid), nil when c.Detector is "none".
func NewDetector(c Config) Detector {
	switch c.Detector {
	case ADWIN:
		return NewADWIN(c.ADWIN)
	case PageHinkley:
		return NewPageHinkley(c.PageHinkley)
	}
	return nil
}

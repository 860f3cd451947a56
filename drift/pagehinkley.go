package drift

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// PageHinkleyDetector is the one-sided ("up") Page-Hinkley test, as
// River's drift.PageHinkley: with x̄ the mean loss since the last drift,
//
//	sum ← Alpha·sum + (x - x̄ - Delta),  min ← min(min, sum)
//
// and a Drift when sum - min > Threshold (after MinInstances rows), which
// starts it afresh; a Warning when sum - min first exceeds
// WarningThreshold, signalled once until the sum reaches a new minimum
// (the loss fell back) or a drift comes: a statistic that hovers about
// the warning threshold warns once.
type PageHinkleyDetector struct {
	cfg     PageHinkleyConfig
	n       int64
	mean    float64
	sum     float64
	min     float64
	warning bool
	drifts  int64
	last    float64 // the statistic at the last signal
}

// NewPageHinkley returns a fresh Page-Hinkley test (c with defaults
// applied and valid).
func NewPageHinkley(c PageHinkleyConfig) *PageHinkleyDetector {
	return &PageHinkleyDetector{cfg: c}
}

// Update implements Detector.
func (p *PageHinkleyDetector) Update(loss float64) Signal {
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return Stable
	}
	p.n++
	p.mean += (loss - p.mean) / float64(p.n)
	p.sum = p.cfg.Alpha*p.sum + loss - p.mean - p.cfg.Delta
	p.min = min(p.min, p.sum)
	stat := p.sum - p.min
	switch {
	case p.n < int64(p.cfg.MinInstances):
		return Stable
	case stat > p.cfg.Threshold:
		p.drifts++
		p.last = stat
		p.n, p.mean, p.sum, p.min, p.warning = 0, 0, 0, 0, false
		return Drift
	case stat > p.cfg.WarningThreshold && !p.warning:
		p.warning = true
		p.last = stat
		return Warning
	case stat == 0:
		p.warning = false
	}
	return Stable
}

// Stats implements Detector: the rows and mean loss since the last drift,
// the statistic now, the drifts found and the statistic at the last
// signal.
func (p *PageHinkleyDetector) Stats() []Stat {
	return []Stat{
		{"rows", float64(p.n)}, {"mean", p.mean}, {"statistic", p.sum - p.min},
		{"drifts", float64(p.drifts)}, {"signal_statistic", p.last},
	}
}

// Encoding: n:uvarint mean sum min warning:u8 drifts:uvarint last.

// AppendBinary implements Detector.
func (p *PageHinkleyDetector) AppendBinary(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(p.n))
	b = binio.AppendFloat64(b, p.mean)
	b = binio.AppendFloat64(b, p.sum)
	b = binio.AppendFloat64(b, p.min)
	b = binio.AppendBool(b, p.warning)
	b = binary.AppendUvarint(b, uint64(p.drifts))
	return binio.AppendFloat64(b, p.last)
}

// UnmarshalBinary implements Detector.
func (p *PageHinkleyDetector) UnmarshalBinary(data []byte) error {
	r := binio.NewReader(data)
	s := PageHinkleyDetector{cfg: p.cfg}
	s.n = int64(r.Uvarint())
	s.mean, s.sum, s.min = r.Float64(), r.Float64(), r.Float64()
	s.warning = r.Bool()
	s.drifts = int64(r.Uvarint())
	s.last = r.Float64()
	switch {
	case r.Err() != nil:
		return fmt.Errorf("%w: page-hinkley: %w", ErrCorrupt, r.Err())
	case r.Len() != 0:
		return fmt.Errorf("%w: page-hinkley: %d trailing bytes", ErrCorrupt, r.Len())
	}
	*p = s
	return nil
}

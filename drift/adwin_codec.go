package drift

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// Encoding of an ADWINDetector (varints as encoding/binary, floats 8 bytes
// little-endian), compact since every table write carries it:
//
//	width:uvarint tick:uvarint flags:u8 drifts:uvarint
//	total variance [cut: 5 floats, when flagCut]
//	levels:uvarint × (buckets:uvarint × (total [variance: levels above 0]))
//
// With flagWhole every total (the window's and the buckets') is a whole
// number, written as a uvarint instead of a float: the totals of a 0/1
// loss. A bucket of level 0 holds one row, whose variance is 0.
const (
	flagWarning = 1 << iota
	flagCut
	flagWhole
)

// AppendBinary implements Detector.
func (a *ADWINDetector) AppendBinary(b []byte) []byte {
	whole := a.wholeTotals()
	var flags byte
	if a.warning {
		flags |= flagWarning
	}
	if a.cut != (cut{}) {
		flags |= flagCut
	}
	if whole {
		flags |= flagWhole
	}
	b = binary.AppendUvarint(b, uint64(a.width))
	b = binary.AppendUvarint(b, uint64(a.tick))
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(a.drifts))
	b = appendTotal(b, a.total, whole)
	b = binio.AppendFloat64(b, a.variance)
	if flags&flagCut != 0 {
		for _, f := range []float64{a.cut.oldRows, a.cut.newRows, a.cut.oldMean, a.cut.newMean, a.cut.bound} {
			b = binio.AppendFloat64(b, f)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(a.levels)))
	for i, lv := range a.levels {
		b = binary.AppendUvarint(b, uint64(len(lv)))
		for _, k := range lv {
			b = appendTotal(b, k.total, whole)
			if i > 0 {
				b = binio.AppendFloat64(b, k.variance)
			}
		}
	}
	return b
}

// wholeTotals reports whether every total is a whole number that a
// uvarint holds exactly.
func (a *ADWINDetector) wholeTotals() bool {
	if !isWhole(a.total) {
		return false
	}
	for _, lv := range a.levels {
		for _, k := range lv {
			if !isWhole(k.total) {
				return false
			}
		}
	}
	return true
}

func isWhole(f float64) bool {
	return f >= 0 && f < 1<<53 && f == math.Trunc(f) && !math.Signbit(f)
}

func appendTotal(b []byte, f float64, whole bool) []byte {
	if whole {
		return binary.AppendUvarint(b, uint64(f))
	}
	return binio.AppendFloat64(b, f)
}

func readTotal(r *binio.Reader, whole bool) float64 {
	if whole {
		u := r.Uvarint()
		if u >= 1<<53 {
			r.Fail(fmt.Errorf("total %d is not exact as a float", u))
			return 0
		}
		return float64(u)
	}
	return r.Float64()
}

// UnmarshalBinary implements Detector.
func (a *ADWINDetector) UnmarshalBinary(data []byte) error {
	r := binio.NewReader(data)
	s := ADWINDetector{cfg: a.cfg}
	s.width = int64(r.Uvarint())
	s.tick = int64(r.Uvarint())
	flags := r.Byte()
	whole := flags&flagWhole != 0
	s.warning = flags&flagWarning != 0
	s.drifts = int64(r.Uvarint())
	s.total = readTotal(&r, whole)
	s.variance = r.Float64()
	if flags&flagCut != 0 {
		s.cut = cut{oldRows: r.Float64(), newRows: r.Float64(), oldMean: r.Float64(), newMean: r.Float64(), bound: r.Float64()}
	}
	if r.Err() == nil && flags&^(flagWarning|flagCut|flagWhole) != 0 {
		return fmt.Errorf("%w: adwin: unknown flags %#x", ErrCorrupt, flags)
	}
	n := r.Count(1)
	if n > 64 {
		return fmt.Errorf("%w: adwin: %d levels", ErrCorrupt, n)
	}
	var rows int64
	for i := 0; i < n && r.Err() == nil; i++ {
		k := r.Count(1)
		if k > a.cfg.MaxBuckets {
			return fmt.Errorf("%w: adwin: %d buckets at level %d, max_buckets is %d", ErrConfigMismatch, k, i, a.cfg.MaxBuckets)
		}
		if k == 0 && r.Err() == nil {
			// compress leaves at least max_buckets-1 in a level and only
			// the oldest loses buckets, dropped with it when empty.
			return fmt.Errorf("%w: adwin: empty level %d", ErrCorrupt, i)
		}
		lv := make([]bucket, k, a.cfg.MaxBuckets+1)
		for j := range lv {
			lv[j].total = readTotal(&r, whole)
			if i > 0 {
				lv[j].variance = r.Float64()
			}
		}
		rows += int64(k) << i
		s.levels = append(s.levels, lv)
	}
	switch {
	case r.Err() != nil:
		return fmt.Errorf("%w: adwin: %w", ErrCorrupt, r.Err())
	case r.Len() != 0:
		return fmt.Errorf("%w: adwin: %d trailing bytes", ErrCorrupt, r.Len())
	case rows != s.width:
		return fmt.Errorf("%w: adwin: buckets hold %d rows, width is %d", ErrCorrupt, rows, s.width)
	}
	*a = s
	return nil
}

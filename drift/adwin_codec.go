package drift

import (
	"encoding/binary"
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// Encoding of an ADWINDetector (varints as encoding/binary, floats 8 bytes
// little-endian):
//
//	width:uvarint total variance tick:uvarint warning:u8 drifts:uvarint
//	cut (5 floats)
//	levels:uvarint × (buckets:uvarint × (total variance))

// AppendBinary implements Detector.
func (a *ADWINDetector) AppendBinary(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(a.width))
	b = binio.AppendFloat64(b, a.total)
	b = binio.AppendFloat64(b, a.variance)
	b = binary.AppendUvarint(b, uint64(a.tick))
	b = binio.AppendBool(b, a.warning)
	b = binary.AppendUvarint(b, uint64(a.drifts))
	b = appendCut(b, a.cut)
	b = binary.AppendUvarint(b, uint64(len(a.levels)))
	for _, lv := range a.levels {
		b = binary.AppendUvarint(b, uint64(len(lv)))
		for _, k := range lv {
			b = binio.AppendFloat64(b, k.total)
			b = binio.AppendFloat64(b, k.variance)
		}
	}
	return b
}

func appendCut(b []byte, c cut) []byte {
	for _, f := range []float64{c.oldRows, c.newRows, c.oldMean, c.newMean, c.bound} {
		b = binio.AppendFloat64(b, f)
	}
	return b
}

func readCut(r *binio.Reader) cut {
	return cut{oldRows: r.Float64(), newRows: r.Float64(), oldMean: r.Float64(), newMean: r.Float64(), bound: r.Float64()}
}

// UnmarshalBinary implements Detector.
func (a *ADWINDetector) UnmarshalBinary(data []byte) error {
	r := binio.NewReader(data)
	s := ADWINDetector{cfg: a.cfg}
	s.width = int64(r.Uvarint())
	s.total = r.Float64()
	s.variance = r.Float64()
	s.tick = int64(r.Uvarint())
	s.warning = r.Bool()
	s.drifts = int64(r.Uvarint())
	s.cut = readCut(&r)
	n := r.Count(1)
	if n > 64 {
		return fmt.Errorf("%w: adwin: %d levels", ErrCorrupt, n)
	}
	var rows int64
	for i := 0; i < n && r.Err() == nil; i++ {
		k := r.Count(16)
		if k > a.cfg.MaxBuckets {
			return fmt.Errorf("%w: adwin: %d buckets at level %d, max_buckets is %d", ErrConfigMismatch, k, i, a.cfg.MaxBuckets)
		}
		lv := make([]bucket, k, a.cfg.MaxBuckets+1)
		for j := range lv {
			lv[j] = bucket{total: r.Float64(), variance: r.Float64()}
		}
		rows += int64(k) << i
		s.levels = append(s.levels, lv)
	}
	if r.Err() != nil {
		return fmt.Errorf("%w: adwin: %w", ErrCorrupt, r.Err())
	}
	if r.Len() != 0 {
		return fmt.Errorf("%w: adwin: %d trailing bytes", ErrCorrupt, r.Len())
	}
	if rows != s.width {
		return fmt.Errorf("%w: adwin: buckets hold %d rows, width is %d", ErrCorrupt, rows, s.width)
	}
	*a = s
	return nil
}

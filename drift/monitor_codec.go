package drift

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/streamsgd/streamsgd/codecs/binio"
	"github.com/streamsgd/streamsgd/model"
)

// monitorFormat is the first byte of an encoded Monitor.
const monitorFormat = 1

// Encoding of a Monitor:
//
//	format:u8 detectorName detector:bytes replacements:uvarint
//	background:u8 [rows:uvarint liveLoss bgLoss learner:bytes]
//
// A state whose detector is not the config's (the config changed its
// detector, or lowered adwin.max_buckets) starts the detector afresh and
// keeps the rest.

// AppendBinary appends the monitor's deterministic encoding to b.
func (mo *Monitor) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, monitorFormat)
	b = binio.AppendString(b, mo.cfg.Detector)
	b = binio.AppendBytes(b, mo.det.AppendBinary(nil))
	b = binary.AppendUvarint(b, uint64(mo.Replacements))
	b = binio.AppendBool(b, mo.bg != nil)
	if mo.bg == nil {
		return b, nil
	}
	b = binary.AppendUvarint(b, uint64(mo.bgRows))
	b = binio.AppendFloat64(b, mo.liveLoss)
	b = binio.AppendFloat64(b, mo.bgLoss)
	lb, err := mo.bg.AppendBinary(nil)
	if err != nil {
		return nil, fmt.Errorf("drift: encode background learner: %w", err)
	}
	return binio.AppendBytes(b, lb), nil
}

// UnmarshalBinary restores a monitor of the same configs from the bytes
// AppendBinary wrote.
func (mo *Monitor) UnmarshalBinary(data []byte) error {
	r := binio.NewReader(data)
	if f := r.Byte(); r.Err() == nil && f != monitorFormat {
		return fmt.Errorf("%w: unknown monitor format %d", ErrCorrupt, f)
	}
	name := r.Str()
	db := r.Bytes()
	s := Monitor{cfg: mo.cfg, task: mo.task, mcfg: mo.mcfg, det: NewDetector(mo.cfg)}
	s.Replacements = int64(r.Uvarint())
	if r.Bool() {
		s.bgRows = int64(r.Uvarint())
		s.liveLoss, s.bgLoss = r.Float64(), r.Float64()
		lb := r.Bytes()
		if r.Err() == nil {
			bg, err := model.New(mo.mcfg)
			if err != nil {
				return fmt.Errorf("drift: background learner: %w", err)
			}
			if err := bg.UnmarshalBinary(lb); err != nil {
				return fmt.Errorf("%w: background learner: %w", ErrCorrupt, err)
			}
			s.bg = bg
		}
	}
	switch {
	case r.Err() != nil:
		return fmt.Errorf("%w: monitor: %w", ErrCorrupt, r.Err())
	case r.Len() != 0:
		return fmt.Errorf("%w: monitor: %d trailing bytes", ErrCorrupt, r.Len())
	}
	if name == mo.cfg.Detector {
		if err := s.det.UnmarshalBinary(db); err != nil && !errors.Is(err, ErrConfigMismatch) {
			return err
		} else if err != nil {
			s.det = NewDetector(mo.cfg)
		}
	}
	*mo = s
	return nil
}

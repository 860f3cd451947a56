package model

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// Encoding (all little-endian):
//
//	"SGDM" version:u8 learner:u8 loss:u8 optimizer:u8 schedule:u8 flags:u8
//	outputs:u32 features:u32 fingerprint:u64 seen:u64
//	[adam: beta1^t:f64 beta2^t:f64]
//	params:f64×P  optimizer state:f64×P per array (0, 1 or 2 arrays)
//	[standardize: n:u64 mean:f64×F m2:f64×F]
//	[standardize target: n:u64 mean:f64 m2:f64]
//
// P = outputs×(features+1). The fingerprint hashes the config's numbers that
// the learner uses (learning rate, decay, betas, ε, ftrl β, Huber δ, L1,
// L2): state only decodes into a model of the same config.
//
// Version 2 added the target's statistics (flag 2, StandardizeTarget). A
// model without them is still written as version 1, byte for byte as
// before, so that states written before version 2 and after it compare
// equal and decode alike.
const (
	codecMagic    = "SGDM"
	codecVersion1 = 1
	codecVersion  = 2 // with the target's statistics
	headerLen     = 4 + 6*1 + 2*4 + 2*8
	flagStd       = 1
	flagStdTarget = 2
	knownFlags    = flagStd | flagStdTarget
)

// MarshalBinary returns the model's full state: parameters, optimizer state,
// scaler and rows seen. Equal models give equal bytes.
func (m *Model) MarshalBinary() ([]byte, error) {
	return m.AppendBinary(make([]byte, 0, m.encodedLen()))
}

// AppendBinary appends the encoding of MarshalBinary to b. It does not
// allocate when b has room for it.
func (m *Model) AppendBinary(b []byte) ([]byte, error) {
	b = slices.Grow(b, m.encodedLen())
	b = append(b, codecMagic...)
	b = append(b, m.version(), byte(m.k.learner), byte(m.k.loss), byte(m.k.opt), byte(m.k.sched), m.flags())
	b = binary.LittleEndian.AppendUint32(b, uint32(m.nk))
	b = binary.LittleEndian.AppendUint32(b, uint32(m.nf))
	b = binary.LittleEndian.AppendUint64(b, m.fp)
	b = binary.LittleEndian.AppendUint64(b, uint64(m.seen))
	if m.k.opt == optAdam {
		b = appendFloats(b, m.b1t, m.b2t)
	}
	b = appendFloats(b, m.params...)
	b = appendFloats(b, m.s1...)
	b = appendFloats(b, m.s2...)
	if m.cfg.Standardize {
		b = binary.LittleEndian.AppendUint64(b, uint64(m.sc.n))
		b = appendFloats(b, m.sc.mean...)
		b = appendFloats(b, m.sc.m2...)
	}
	if m.cfg.StandardizeTarget {
		b = binary.LittleEndian.AppendUint64(b, uint64(m.ts.n))
		b = appendFloats(b, m.ts.mean[0], m.ts.m2[0])
	}
	return b, nil
}

func appendFloats(b []byte, fs ...float64) []byte {
	for _, f := range fs {
		b = binio.AppendFloat64(b, f)
	}
	return b
}

func (m *Model) flags() byte {
	var f byte
	if m.cfg.Standardize {
		f |= flagStd
	}
	if m.cfg.StandardizeTarget {
		f |= flagStdTarget
	}
	return f
}

// version is the encoding version m is written in: 1 unless it has the
// target's statistics.
func (m *Model) version() byte {
	if m.cfg.StandardizeTarget {
		return codecVersion
	}
	return codecVersion1
}

func (m *Model) encodedLen() int {
	n := headerLen + 8*len(m.params)*(1+m.k.opt.stateArrays())
	if m.k.opt == optAdam {
		n += 16
	}
	if m.cfg.Standardize {
		n += 8 + 16*m.nf
	}
	if m.cfg.StandardizeTarget {
		n += 8 + 16
	}
	return n
}

// UnmarshalBinary replaces m's state with data from MarshalBinary of a model
// with the same Config (as made by New). Data of another config returns an
// error wrapping ErrMismatch; truncated, trailing or invalid data (NaN
// parameters, negative accumulators...) returns an error wrapping
// ErrCorrupt. On error m is unchanged.
func (m *Model) UnmarshalBinary(data []byte) error {
	if err := m.checkHeader(data); err != nil {
		return err
	}
	if len(data) != m.encodedLen() {
		return fmt.Errorf("%w: %d bytes, want %d", ErrCorrupt, len(data), m.encodedLen())
	}
	body := data[headerLen:]
	if err := m.decodeBody(body, false); err != nil {
		return err
	}
	m.seen = int64(binary.LittleEndian.Uint64(data[headerLen-8:]))
	_ = m.decodeBody(body, true) // checked above
	m.refresh()
	return nil
}

func (m *Model) checkHeader(data []byte) error {
	if len(data) < headerLen || string(data[:4]) != codecMagic {
		return fmt.Errorf("%w: not a model state", ErrCorrupt)
	}
	if data[4] != codecVersion1 && data[4] != codecVersion {
		return fmt.Errorf("%w: encoding version %d, want %d or %d", ErrCorrupt, data[4], codecVersion1, codecVersion)
	}
	if data[9]&^knownFlags != 0 || data[4] == codecVersion1 && data[9]&flagStdTarget != 0 {
		return fmt.Errorf("%w: unknown flags %#x", ErrCorrupt, data[9])
	}
	fields := [...]struct {
		name      string
		got, want uint64
	}{
		{"learner", uint64(data[5]), uint64(m.k.learner)},
		{"loss", uint64(data[6]), uint64(m.k.loss)},
		{"optimizer", uint64(data[7]), uint64(m.k.opt)},
		{"schedule", uint64(data[8]), uint64(m.k.sched)},
		{"standardize flags", uint64(data[9]), uint64(m.flags())},
		{"number of outputs", uint64(binary.LittleEndian.Uint32(data[10:])), uint64(m.nk)},
		{"number of features", uint64(binary.LittleEndian.Uint32(data[14:])), uint64(m.nf)},
		{"hyper-parameter fingerprint", binary.LittleEndian.Uint64(data[18:]), m.fp},
	}
	for _, f := range fields {
		if f.got != f.want {
			return fmt.Errorf("%w: state has %s %d, want %d", ErrMismatch, f.name, f.got, f.want)
		}
	}
	if int64(binary.LittleEndian.Uint64(data[26:])) < 0 {
		return fmt.Errorf("%w: negative rows seen", ErrCorrupt)
	}
	return nil
}

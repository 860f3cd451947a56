package model

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
)

// decodeBody reads the state after the header. With write false it only
// checks every value; with write true it stores them into m (after a
// successful check).
func (m *Model) decodeBody(body []byte, write bool) error {
	d := decoder{b: body, write: write}
	if m.k.opt == optAdam {
		var pow [2]float64
		d.floats("adam beta powers", unit, pow[:])
		if write && d.err == nil {
			m.b1t, m.b2t = pow[0], pow[1]
		}
	}
	d.floats("parameters", finite, m.params)
	switch m.k.opt {
	case optAdaGrad:
		d.floats("adagrad accumulators", nonNeg, m.s1)
	case optAdam:
		d.floats("adam first moments", finite, m.s1)
		d.floats("adam second moments", nonNeg, m.s2)
	case optFTRL:
		d.floats("ftrl z", finite, m.s1)
		d.floats("ftrl n", nonNeg, m.s2)
	}
	if m.cfg.Standardize {
		d.count("scaler count", &m.sc.n)
		d.floats("scaler means", finite, m.sc.mean)
		d.floats("scaler squared deviations", nonNeg, m.sc.m2)
	}
	return d.err
}

func unit(v float64) bool   { return v >= 0 && v <= 1 }
func nonNeg(v float64) bool { return v >= 0 && finite(v) }

// decoder reads little-endian values, remembering the first error.
type decoder struct {
	b     []byte
	write bool
	err   error
}

func (d *decoder) floats(what string, ok func(float64) bool, dst []float64) {
	if d.err != nil {
		return
	}
	for i := range dst {
		v := math.Float64frombits(binary.LittleEndian.Uint64(d.b[8*i:]))
		if !ok(v) {
			d.err = fmt.Errorf("%w: invalid %s value %v at %d", ErrCorrupt, what, v, i)
			return
		}
		if d.write {
			dst[i] = v
		}
	}
	d.b = d.b[8*len(dst):]
}

func (d *decoder) count(what string, dst *int64) {
	if d.err != nil {
		return
	}
	v := int64(binary.LittleEndian.Uint64(d.b))
	if v < 0 {
		d.err = fmt.Errorf("%w: negative %s", ErrCorrupt, what)
		return
	}
	if d.write {
		*dst = v
	}
	d.b = d.b[8:]
}

// fingerprint hashes the config's numbers that the learner uses, so that
// state only decodes into a model that learns the same way. Fields the
// learner ignores are left out.
func fingerprint(c Config) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	put := func(v float64) {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
		h.Write(buf[:])
	}
	o := c.Optimizer
	put(o.LearningRate)
	switch o.Name {
	case OptimizerSGD:
		if o.Schedule != ScheduleConstant {
			put(o.Decay)
		}
	case OptimizerAdaGrad:
		put(o.Epsilon)
	case OptimizerAdam:
		put(o.Beta1)
		put(o.Beta2)
		put(o.Epsilon)
	case OptimizerFTRL:
		put(o.FTRLBeta)
	}
	if c.Loss == LossHuber {
		put(c.HuberDelta)
	}
	put(c.L1)
	put(c.L2)
	return h.Sum64()
}

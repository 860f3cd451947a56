package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"

	"github.com/streamsgd/streamsgd/codecs/binio"
)

// decodeBody reads the state after the header. With write false it only
// checks every value; with write true it stores them into m (after a
// successful check).
func (m *Model) decodeBody(body []byte, write bool) error {
	d := decoder{r: binio.NewReader(body), write: write}
	if m.k.opt == optAdam {
		var pow [2]float64
		d.floats("adam beta powers", unit, pow[:])
		if write && d.r.Err() == nil {
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
	if m.cfg.StandardizeTarget {
		d.count("target scaler count", &m.ts.n)
		d.floats("target scaler mean", finite, m.ts.mean)
		d.floats("target scaler squared deviations", nonNeg, m.ts.m2)
	}
	return d.err()
}

func unit(v float64) bool   { return v >= 0 && v <= 1 }
func nonNeg(v float64) bool { return v >= 0 && finite(v) }

// decoder reads the little-endian values of the body, checking each one;
// the first error sticks.
type decoder struct {
	r     binio.Reader
	write bool
}

// err returns the first error, wrapping ErrCorrupt.
func (d *decoder) err() error {
	err := d.r.Err()
	if err != nil && !errors.Is(err, ErrCorrupt) {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return err
}

func (d *decoder) floats(what string, ok func(float64) bool, dst []float64) {
	for i := range dst {
		v := d.r.Float64()
		if d.r.Err() != nil {
			return
		}
		if !ok(v) {
			d.r.Fail(fmt.Errorf("%w: invalid %s value %v at %d", ErrCorrupt, what, v, i))
			return
		}
		if d.write {
			dst[i] = v
		}
	}
}

func (d *decoder) count(what string, dst *int64) {
	v := int64(d.r.Uint64())
	if d.r.Err() != nil {
		return
	}
	if v < 0 {
		d.r.Fail(fmt.Errorf("%w: negative %s", ErrCorrupt, what))
		return
	}
	if d.write {
		*dst = v
	}
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

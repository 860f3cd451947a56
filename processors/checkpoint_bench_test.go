package processors

import (
	"testing"
	"time"

	"github.com/streamsgd/streamsgd/codecs/table"
	"github.com/streamsgd/streamsgd/config"
	"github.com/streamsgd/streamsgd/datasets/susy"
)

// BenchmarkCheckpointState is the checkpoint group's work per learn-table
// record that makes no version, without goka: decode the state (lenient
// codec), then decide from the key's registry of 10 versions (decoded) or
// from its mark.
func BenchmarkCheckpointState(b *testing.B) {
	spec := binarySpec("m", susy.Features)
	spec.Checkpoint = config.Checkpoints{EveryRows: 1 << 40, EverySeconds: time.Hour.Seconds(), Keep: 10}
	specs := map[string]ModelSpec{"m": spec}
	st, err := newState(spec, "m")
	if err != nil {
		b.Fatal(err)
	}
	c := &Checkpoint{Specs: specs}
	var reg *table.Registry
	for i := 0; i < 10; i++ {
		st.Rows++
		if reg, err = c.add(orNew(reg), mustVersion(b, st, spec), 10), nil; reg == nil {
			b.Fatal("no registry")
		}
	}
	st.Rows++
	stateBytes, _ := st.AppendBinary(nil)
	regBytes := reg.AppendBinary(nil)
	codec := &table.StateCodec{Shapes: Shapes(specs), Lenient: true}
	at := time.Now()
	// Registry read: the key's mark is unknown (first state after a start,
	// or a version is due).
	b.Run("registry", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, err := codec.Decode(stateBytes)
			if err != nil {
				b.Fatal(err)
			}
			r, err := table.RegistryCodec{}.Decode(regBytes)
			if err != nil {
				b.Fatal(err)
			}
			if c.StepState(r.(*table.Registry), "m", v.(*table.ModelState), at, true) != nil {
				b.Fatal("a version")
			}
		}
		b.ReportMetric(float64(len(regBytes)), "registry-bytes")
	})
	// The common case: not due by the key's mark.
	c.remember("m", reg.Latest())
	b.Run("mark", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, err := codec.Decode(stateBytes)
			if err != nil {
				b.Fatal(err)
			}
			if !c.notDue("m", v.(*table.ModelState), at, true) {
				b.Fatal("due")
			}
		}
	})
}

func orNew(r *table.Registry) *table.Registry {
	if r == nil {
		return &table.Registry{Model: "m", Key: "m"}
	}
	return r
}

func mustVersion(b *testing.B, st *table.ModelState, spec ModelSpec) table.Version {
	v, err := NewVersion(st, spec, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return v
}

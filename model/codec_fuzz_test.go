package model

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzConfigs cover every optimizer's state layout, with and without the
// scaler.
var fuzzConfigs = []Config{
	{Task: TaskBinary, Features: 3, Optimizer: Optimizer{Name: OptimizerAdam}, Standardize: true, L1: 1e-3},
	{Task: TaskMulticlass, Classes: 3, Features: 2, Optimizer: Optimizer{Name: OptimizerFTRL}, L1: 1e-2, L2: 1e-3},
	{Task: TaskRegression, Loss: LossHuber, Features: 2, Optimizer: Optimizer{Name: OptimizerAdaGrad}, Standardize: true},
	{Task: TaskRegression, Features: 1, Optimizer: Optimizer{Name: OptimizerSGD, Schedule: ScheduleInverse}},
	{Task: TaskRegression, Features: 2, Optimizer: Optimizer{Name: OptimizerFTRL}, Standardize: true, StandardizeTarget: true},
}

// FuzzUnmarshalBinary states the decoder's invariants: arbitrary bytes never
// panic; refused bytes return ErrCorrupt or ErrMismatch and leave the model
// unchanged; accepted bytes re-encode to exactly themselves and give a model
// that learns and predicts.
func FuzzUnmarshalBinary(f *testing.F) {
	for i, cfg := range fuzzConfigs {
		m, _ := trained(f, cfg, uint64(i), 50)
		data := marshal(f, m)
		f.Add(data)
		f.Add(data[:headerLen])
		f.Add(data[:len(data)-3])
	}
	f.Add([]byte{})
	f.Add([]byte("SGDM"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, cfg := range fuzzConfigs {
			m := mustNew(t, cfg)
			before := marshal(t, m)
			err := noPanic(func() error { return m.UnmarshalBinary(data) })
			if err != nil {
				if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrMismatch) {
					t.Fatalf("UnmarshalBinary: unexpected error %v", err)
				}
				if !bytes.Equal(marshal(t, m), before) {
					t.Fatal("refused state changed the model")
				}
				continue
			}
			if !bytes.Equal(marshal(t, m), data) {
				t.Fatal("accepted state does not re-encode to itself")
			}
			x := make([]float64, cfg.Features)
			out := make([]float64, m.Outputs())
			if err := noPanic(func() error { return m.Learn(x, 1) }); err != nil {
				t.Fatalf("Learn after UnmarshalBinary: %v", err)
			}
			if err := noPanic(func() error { return m.Predict(x, out) }); err != nil {
				t.Fatalf("Predict after UnmarshalBinary: %v", err)
			}
		}
	})
}

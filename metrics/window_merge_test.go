package metrics

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// fill feeds a binary window n rows, all predicted right (or all wrong).
func fill(w *Window, n int, right bool) {
	for i := range n {
		y := float64(i % 2)
		p := 0.9
		if (y == 1) != right {
			p = 0.1
		}
		w.Update(y, []float64{p})
	}
}

func encoded(t *testing.T, w *Window) []byte {
	t.Helper()
	b, err := w.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWindowCloneIndependent(t *testing.T) {
	cfg := WindowConfig{Task: TaskBinary, Size: 10, Buckets: 5, Bins: 4}
	w := mustWindow(t, cfg)
	fill(w, 13, true)
	c := w.Clone()
	if !bytes.Equal(encoded(t, c), encoded(t, w)) {
		t.Fatal("clone encodes differently")
	}
	fill(c, 5, false)
	if bytes.Equal(encoded(t, c), encoded(t, w)) {
		t.Error("updating the clone changed nothing, or changed the original too")
	}
}

// TestWindowCombineOne: combining one live window gives that window, at
// every fill level.
func TestWindowCombineOne(t *testing.T) {
	for _, cfg := range []WindowConfig{
		{Task: TaskBinary, Size: 10, Buckets: 5, Bins: 4},
		{Task: TaskMulticlass, Size: 6, Buckets: 3},
		{Task: TaskRegression, Size: 4, Buckets: 4},
	} {
		for n := 0; n < 3*cfg.Size; n++ {
			w := mustWindow(t, cfg)
			for i := range n {
				w.Update(float64(i%2), []float64{0.3, 0.7})
			}
			dst := mustWindow(t, cfg)
			if err := dst.Combine([]*Window{w}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(encoded(t, dst), encoded(t, w)) {
				t.Errorf("%s after %d rows: combine of one window differs from it", cfg.Task, n)
			}
		}
	}
}

// TestWindowCombineShards: full buckets are taken newest first in turns,
// the result is a decodable window of the same config.
func TestWindowCombineShards(t *testing.T) {
	cfg := WindowConfig{Task: TaskBinary, Size: 10, Buckets: 5, Bins: 4}
	good, bad := mustWindow(t, cfg), mustWindow(t, cfg)
	fill(good, 10, true) // five full buckets, all right
	fill(bad, 6, false)  // three full buckets, all wrong
	dst := mustWindow(t, cfg)
	if err := dst.Combine([]*Window{good, bad}); err != nil {
		t.Fatal(err)
	}
	// Turns: good, bad, good, bad, good -> 3 good buckets and 2 bad ones.
	if dst.Rows() != 10 {
		t.Errorf("rows %d, want 10", dst.Rows())
	}
	if acc := dst.Values()[0].Value; math.Abs(acc-0.6) > 1e-12 {
		t.Errorf("accuracy %v, want 0.6", acc)
	}
	again := mustWindow(t, cfg)
	if err := again.UnmarshalBinary(encoded(t, dst)); err != nil {
		t.Errorf("combined window does not decode: %v", err)
	}
	// Cold: fewer full buckets than the window has, plus the fullest
	// partial bucket as the newest.
	a, b := mustWindow(t, cfg), mustWindow(t, cfg)
	fill(a, 3, true)  // one full bucket and one row
	fill(b, 1, false) // one row
	cold := mustWindow(t, cfg)
	if err := cold.Combine([]*Window{b, a}); err != nil {
		t.Fatal(err)
	}
	if cold.Rows() != 3 {
		t.Errorf("cold rows %d, want 3", cold.Rows())
	}
	if err := mustWindow(t, cfg).UnmarshalBinary(encoded(t, cold)); err != nil {
		t.Errorf("cold combined window does not decode: %v", err)
	}
	// dst may be one of the windows.
	self := good.Clone()
	if err := self.Combine([]*Window{self, bad}); err != nil || !bytes.Equal(encoded(t, self), encoded(t, dst)) {
		t.Errorf("combining into one of the windows differs (err %v)", err)
	}
}

func TestWindowCombineErrors(t *testing.T) {
	w := mustWindow(t, WindowConfig{Task: TaskBinary})
	other := mustWindow(t, WindowConfig{Task: TaskBinary, Size: 10})
	if err := w.Combine(nil); err == nil {
		t.Error("no windows: no error")
	}
	if err := w.Combine([]*Window{nil}); err == nil {
		t.Error("nil window: no error")
	}
	if err := w.Combine([]*Window{other}); !errors.Is(err, ErrConfigMismatch) {
		t.Errorf("other config: %v, want ErrConfigMismatch", err)
	}
}

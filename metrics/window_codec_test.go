package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

var codecConfigs = []WindowConfig{
	{Task: TaskBinary, Size: 6, Buckets: 3, Bins: 4},
	{Task: TaskMulticlass, Size: 6, Buckets: 3},
	{Task: TaskRegression, Size: 6, Buckets: 3},
	{Task: TaskBinary, Size: 1, Buckets: 1},
	{Task: TaskBinary},
}

// filled returns a window of cfg after n rows of a seeded stream.
func filled(t testing.TB, cfg WindowConfig, n int, seed uint64) *Window {
	w := mustWindow(t, cfg)
	s := newStream(seed, cfg.Task)
	s.invalid = true
	for range n {
		r := s.next()
		w.Update(r.y, r.pred)
	}
	return w
}

func encode(t testing.TB, w *Window) []byte {
	b, err := w.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWindowRoundTrip decodes the state of windows at every fill level into
// fresh windows: same bytes, same values, and the same bytes again after
// more rows on both.
func TestWindowRoundTrip(t *testing.T) {
	for _, cfg := range codecConfigs {
		for _, n := range []int{0, 1, 2, 5, 6, 7, 13, 1000, 1001, 2999} {
			t.Run(fmt.Sprintf("%s/size=%d/rows=%d", cfg.Task, cfg.Size, n), func(t *testing.T) {
				w := filled(t, cfg, n, uint64(n))
				data := encode(t, w)
				got := mustWindow(t, cfg)
				if err := got.UnmarshalBinary(data); err != nil {
					t.Fatal(err)
				}
				if again := encode(t, got); !bytes.Equal(again, data) {
					t.Fatalf("re-encoded %x, want %x", again, data)
				}
				if got.Rows() != w.Rows() || fmt.Sprint(got.Values()) != fmt.Sprint(w.Values()) {
					t.Fatalf("decoded %d rows %v, want %d rows %v", got.Rows(), got.Values(), w.Rows(), w.Values())
				}
				s := newStream(99, cfg.Task)
				for range 17 {
					r := s.next()
					w.Update(r.y, r.pred)
					got.Update(r.y, r.pred)
				}
				if a, b := encode(t, got), encode(t, w); !bytes.Equal(a, b) {
					t.Fatalf("after more rows: %x, want %x", a, b)
				}
			})
		}
	}
}

func TestWindowDeterministic(t *testing.T) {
	for _, cfg := range codecConfigs {
		a, b := encode(t, filled(t, cfg, 777, 5)), encode(t, filled(t, cfg, 777, 5))
		if !bytes.Equal(a, b) {
			t.Errorf("%+v: same rows gave %x and %x", cfg, a, b)
		}
	}
}

func TestWindowUnmarshalErrors(t *testing.T) {
	cfg := WindowConfig{Task: TaskBinary, Size: 6, Buckets: 3, Bins: 4}
	valid := encode(t, filled(t, cfg, 8, 1))
	corrupt := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), valid...)) }
	tests := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrCorrupt, "header: truncated"},
		{"version", corrupt(func(b []byte) []byte { b[0] = 9; return b }), ErrCorrupt, "unknown version 9"},
		{"trailing byte", corrupt(func(b []byte) []byte { return append(b, 0) }), ErrCorrupt, "1 trailing bytes"},
		{"other task", encode(t, mustWindow(t, WindowConfig{Task: TaskRegression, Size: 6, Buckets: 3})), ErrConfigMismatch, "task 2 size 6"},
		{"other size", encode(t, mustWindow(t, WindowConfig{Task: TaskBinary, Size: 9, Buckets: 3, Bins: 4})), ErrConfigMismatch, "size 9"},
		{"other bins", encode(t, mustWindow(t, WindowConfig{Task: TaskBinary, Size: 6, Buckets: 3, Bins: 5})), ErrConfigMismatch, "bins 5"},
		{"bucket over capacity", []byte{1, 0, 6, 3, 4, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 7}, ErrCorrupt, "3 rows exceed the bucket capacity 2"},
		{"histogram short of rows", []byte{1, 0, 6, 3, 4, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}, ErrCorrupt, "histogram counts 0, want 1"},
		{"zero run overflows", []byte{1, 0, 6, 3, 4, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8}, ErrCorrupt, "zero run of 9 overflows"},
		{"partial older bucket", []byte{1, 0, 6, 3, 4, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 6, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 6}, ErrCorrupt, "bucket 1: older bucket holds 1 of 2 rows"},
		{"empty newest after full", []byte{1, 0, 6, 3, 4, 0, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 6, 0}, ErrCorrupt, "bucket 2: empty bucket after a full one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := filled(t, cfg, 3, 2)
			before := encode(t, w)
			err := w.UnmarshalBinary(tt.data)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("UnmarshalBinary() = %v, want %v: ...%s", err, tt.want, tt.msg)
			}
			if after := encode(t, w); !bytes.Equal(after, before) {
				t.Fatalf("window changed on error")
			}
		})
	}
	for i := range valid {
		if err := mustWindow(t, cfg).UnmarshalBinary(valid[:i]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("prefix of %d bytes: %v, want ErrCorrupt", i, err)
		}
	}
}

// FuzzWindowUnmarshalBinary: UnmarshalBinary never panics on any input for
// any task; whatever it accepts re-encodes to bytes it accepts again and
// that re-encode identically, and the window stays usable.
func FuzzWindowUnmarshalBinary(f *testing.F) {
	for _, cfg := range codecConfigs {
		for _, n := range []int{0, 1, 4, 6, 7, 50} {
			f.Add(encode(f, filled(f, cfg, n, uint64(n))))
		}
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0, 6, 3, 4, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, cfg := range codecConfigs {
			w := mustWindow(t, cfg)
			if err := w.UnmarshalBinary(data); err != nil {
				if w.Rows() != 0 {
					t.Fatalf("%+v: window changed on error %v", cfg, err)
				}
				continue
			}
			w.Values()
			once := encode(t, w)
			again := mustWindow(t, cfg)
			if err := again.UnmarshalBinary(once); err != nil {
				t.Fatalf("%+v: re-encoded state rejected: %v", cfg, err)
			}
			if twice := encode(t, again); !bytes.Equal(once, twice) {
				t.Fatalf("%+v: re-encoding not stable: %x then %x", cfg, once, twice)
			}
			w.Update(1, []float64{0.5, 0.5})
			w.Values()
		}
	})
}

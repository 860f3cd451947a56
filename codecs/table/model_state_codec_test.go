package table

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"github.com/streamsgd/streamsgd/codecs/binio"
	"github.com/streamsgd/streamsgd/codecs/wire"
	"github.com/streamsgd/streamsgd/drift"
	"github.com/streamsgd/streamsgd/metrics"
	"github.com/streamsgd/streamsgd/model"
)

func TestStateCodecRoundTrip(t *testing.T) {
	shapes := map[string]Shape{"m": binaryShape(1)}
	st := learned(t, "m", "m", shapes["m"], 50)
	c := &StateCodec{Shapes: shapes}
	data, err := c.Encode(st)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Error("encode(decode(x)) != x")
	}
	if got := v.(*ModelState); got.Rows != 50 || len(got.Watermarks) != 3 {
		t.Errorf("decoded rows %d, watermarks %v", got.Rows, got.Watermarks)
	}
}

func FuzzStateCodec(f *testing.F) {
	shapes := map[string]Shape{"m": binaryShape(1)}
	st := learned(f, "m", "m", shapes["m"], 0)
	st.Advance("in", 3, 7)
	good, _ := st.AppendBinary(nil)
	f.Add(good)
	f.Add([]byte{1, 1, 'm'})
	f.Add([]byte{})
	c := &StateCodec{Shapes: shapes}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := c.Decode(data)
		if err != nil {
			return
		}
		if _, err := c.Encode(v); err != nil {
			t.Fatalf("decoded state does not encode: %v", err)
		}
	})
}

// FuzzMergeStateCodec: merge table values (states with a shard section)
// decode only into states that encode.
func FuzzMergeStateCodec(f *testing.F) {
	shapes := map[string]Shape{"g": binaryShape(2)}
	st := learned(f, "g", "g", shapes["g"], 0)
	sh := learned(f, "g", "g/1", shapes["g"], 0)
	st.Shards = []*ShardState{nil, publish(sh, 1)}
	good, _ := st.AppendBinary(nil)
	f.Add(good)
	f.Add(append(good, 0))
	c := &StateCodec{Shapes: shapes}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := c.Decode(data)
		if err != nil {
			return
		}
		if _, err := c.Encode(v); err != nil {
			t.Fatalf("decoded state does not encode: %v", err)
		}
	})
}

// TestStateFormatV1: states written before watermarks carried Next (format
// 1) still decode, their watermarks whole.
func TestStateFormatV1(t *testing.T) {
	shapes := map[string]Shape{"m": binaryShape(1)}
	st := learned(t, "m", "m", shapes["m"], 20)
	c := &StateCodec{Shapes: shapes}
	// Format 1: AppendBinary's fields without each watermark's next.
	v1 := []byte{stateFormatV1}
	v1 = binio.AppendString(v1, st.Model)
	v1 = binio.AppendString(v1, st.Key)
	v1 = binary.AppendVarint(v1, st.Rows)
	v1 = binary.AppendVarint(v1, st.Invalid)
	v1 = binary.AppendVarint(v1, st.NextEmit)
	v1 = binary.AppendUvarint(v1, uint64(len(st.Watermarks)))
	for _, w := range st.Watermarks {
		v1 = binio.AppendString(v1, w.Topic)
		v1 = binary.AppendVarint(v1, int64(w.Partition))
		v1 = binary.AppendVarint(v1, w.Offset)
	}
	mb, err := st.Learner.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := st.Window.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	v1 = binio.AppendBytes(binio.AppendBytes(v1, mb), wb)
	v, err := c.Decode(v1)
	if err != nil {
		t.Fatalf("decode format 1: %v", err)
	}
	got := v.(*ModelState)
	if got.Rows != 20 || len(got.Watermarks) != 3 || got.Watermarks[0] != st.Watermarks[0] {
		t.Errorf("decoded rows %d, watermarks %v, want %v", got.Rows, got.Watermarks, st.Watermarks)
	}
	// Format 2 keeps a partial watermark.
	st.AdvanceTo("in", 1, 100, 7)
	data, err := c.Encode(st)
	if err != nil {
		t.Fatal(err)
	}
	if v, err = c.Decode(data); err != nil || v.(*ModelState).Mark("in", 1).Next != 7 {
		t.Errorf("format 2: %v, %+v", err, v)
	}
}

// TestLearnerStateCache: the learner's codec hands back the state it
// encoded when the same bytes come back, and holds at most its capacity of
// states and of encoded bytes.
func TestLearnerStateCache(t *testing.T) {
	shapes := map[string]Shape{"m": binaryShape(1)}
	encode := func(c *StateCodec, key string) []byte {
		data, err := c.Encode(learned(t, "m", key, shapes["m"], 3))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	size := len(encode(&StateCodec{Shapes: shapes}, "m/0"))
	tests := []struct {
		name               string
		capacity, maxBytes int
		keys               int
		cached             int // of the keys, the last ones still cached
	}{
		{"all fit", 8, 8 * size, 5, 5},
		{"capacity", 4, 100 * size, 5, 1},
		{"bytes", 100, 3 * size, 5, 2},
		{"too large", 100, size - 1, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewLearnerStateCodec(shapes, tt.capacity, tt.maxBytes)
			var data [][]byte
			var states []*ModelState
			for i := range tt.keys {
				data = append(data, encode(c, fmt.Sprintf("m/%d", i)))
				st, ok := c.cache.entries[fmt.Sprintf("m/%d", i)]
				if ok {
					states = append(states, st.st)
				} else {
					states = append(states, nil)
				}
			}
			hits := 0
			for i := range tt.keys {
				v, err := c.Decode(data[i])
				if err != nil {
					t.Fatal(err)
				}
				if v == any(states[i]) && states[i] != nil {
					hits++
				}
			}
			if hits != tt.cached || len(c.cache.entries) != tt.cached {
				t.Errorf("%d hits, %d entries; want %d", hits, len(c.cache.entries), tt.cached)
			}
			if c.cache.bytes > tt.maxBytes || c.cache.bytes != tt.cached*size {
				t.Errorf("cache holds %d bytes, want %d (at most %d)", c.cache.bytes, tt.cached*size, tt.maxBytes)
			}
		})
	}
}

// TestStateFormatV2: states written before they carried the drift monitor
// (format 2) decode with a fresh monitor; a state of format 3 keeps the
// monitor's detector and background learner.
func TestStateFormatV2(t *testing.T) {
	shape := binaryShape(1)
	shape.Drift = drift.Config{Detector: drift.ADWIN, Background: drift.BackgroundConfig{Enabled: true}}
	shape.Drift.EnsureDefaults()
	shapes := map[string]Shape{"m": shape}
	st := learned(t, "m", "m", shape, 20)
	c := &StateCodec{Shapes: shapes}
	// Feed the monitor a loss that rises, so that it warns and starts a
	// background learner.
	x, out := []float64{1, 2}, []float64{0}
	for i := range 3000 {
		y := 0.0
		if i >= 2000 {
			y = 1
		}
		out[0] = 0.1
		if _, _, err := st.Drift.Step(st.Learner, x, y, out, int64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if !st.Drift.Background() {
		t.Fatal("no background learner started")
	}
	data, err := c.Encode(st)
	if err != nil {
		t.Fatal(err)
	}
	if data[0] != stateFormat {
		t.Fatalf("format %d, want %d", data[0], stateFormat)
	}
	v, err := c.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	back, err := v.(*ModelState).AppendBinary(nil)
	if err != nil || string(back) != string(data) || !v.(*ModelState).Drift.Background() {
		t.Fatalf("format 3 round trip: %v, same bytes %v", err, string(back) == string(data))
	}
	// Format 2: the same fields without the drift section.
	plain := *st
	plain.Drift = nil
	v2, err := plain.AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	v2[0] = stateFormatV2
	v2 = v2[:len(v2)-2] // the empty drift and events sections
	if v, err = c.Decode(v2); err != nil {
		t.Fatalf("decode format 2: %v", err)
	}
	got := v.(*ModelState)
	if got.Rows != st.Rows || got.Drift == nil || got.Drift.Background() {
		t.Errorf("format 2 decoded rows %d, monitor %+v: want %d rows and a fresh monitor", got.Rows, got.Drift, st.Rows)
	}
}

// TestRecentEvents: a state keeps its last MaxRecentEvents events, none
// older than RecentEventRows rows, through the codec.
func TestRecentEvents(t *testing.T) {
	shapes := map[string]Shape{"m": binaryShape(1)}
	st := learned(t, "m", "m", shapes["m"], 20)
	for i := range MaxRecentEvents + 3 {
		st.Rows = int64(100 + i)
		st.KeepEvent(wire.Event{ID: fmt.Sprint(i), Kind: "drift", Row: st.Rows, Topic: "in", Offset: int64(i),
			Stats: []wire.Metric{{Name: "width", Value: float64(i)}}})
	}
	if len(st.Events) != MaxRecentEvents || st.Events[0].ID != "3" {
		t.Fatalf("kept %d events from %q, want %d from \"3\"", len(st.Events), st.Events[0].ID, MaxRecentEvents)
	}
	c := &StateCodec{Shapes: shapes}
	data, err := c.Encode(st)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	got := v.(*ModelState)
	if len(got.Events) != MaxRecentEvents || got.Events[7].ID != "10" || got.Events[7].Stats[0].Value != 10 {
		t.Fatalf("decoded events %+v", got.Events)
	}
	got.Rows = 103 + RecentEventRows // the event of row 103 is now too old
	got.ForgetEvents()
	if len(got.Events) != MaxRecentEvents-1 || got.Events[0].Row != 104 {
		t.Fatalf("after %d more rows: %+v", RecentEventRows, got.Events)
	}
	got.Rows += 1000
	got.ForgetEvents()
	if got.Events != nil {
		t.Fatalf("events left: %+v", got.Events)
	}
}

// TestStateCodecMismatchAsValue: a state written under another config of
// its model (another optimizer, another metrics window) failed inside
// goka's decoding, and the learn group restarted for ever. The learner's
// codec decodes it to an UndecodableState saying why; other damage stays
// an error, and a plain codec keeps failing.
func TestStateCodecMismatchAsValue(t *testing.T) {
	written := binaryShape(1)
	data, err := (&StateCodec{Shapes: map[string]Shape{"m": written}}).Encode(learned(t, "m", "m", written, 20))
	if err != nil {
		t.Fatal(err)
	}
	otherOptimizer, otherWindow := binaryShape(1), binaryShape(1)
	otherOptimizer.Model.Optimizer = model.Optimizer{Name: "sgd", LearningRate: 0.05}
	otherOptimizer.Model.EnsureDefaults()
	otherWindow.Window.Size = 20
	for _, tc := range []struct {
		name  string
		shape Shape
		want  error
	}{
		{"optimizer", otherOptimizer, model.ErrMismatch},
		{"metrics window", otherWindow, metrics.ErrConfigMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shapes := map[string]Shape{"m": tc.shape}
			v, err := NewLearnerStateCodec(shapes, 10, 1<<20).Decode(data)
			u, ok := v.(*UndecodableState)
			if err != nil || !ok || u.Model != "m" || !errors.Is(u.Err, tc.want) {
				t.Fatalf("learner codec: %v, %v; want an UndecodableState of m wrapping %v", v, err, tc.want)
			}
			if _, err := (&StateCodec{Shapes: shapes}).Decode(data); !errors.Is(err, tc.want) {
				t.Errorf("plain codec: %v, want an error wrapping %v", err, tc.want)
			}
		})
	}
	if _, err := NewLearnerStateCodec(map[string]Shape{"m": written}, 10, 1<<20).Decode(data[:len(data)-3]); err == nil {
		t.Error("a truncated state decoded")
	}
}

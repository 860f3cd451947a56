package table

import (
	"bytes"
	"encoding/binary"
	"github.com/streamsgd/streamsgd/codecs/binio"
	"testing"
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

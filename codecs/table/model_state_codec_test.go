package table

import (
	"bytes"
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

package table

import (
	"bytes"
	"testing"
)

func TestShardCodecRoundTrip(t *testing.T) {
	shapes := map[string]Shape{"g": binaryShape(4)}
	pub := publish(learned(t, "g", ShardKeys("g", 4, 4)[3], shapes["g"], 9), 3)
	c := &ShardCodec{Shapes: shapes}
	data, err := c.Encode(pub)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	s := v.(*ShardState)
	if again, _ := c.Encode(s); !bytes.Equal(again, data) || s.Shard != 3 || s.Rows != 9 {
		t.Errorf("round trip: %+v", s)
	}
	for _, bad := range [][]byte{nil, {2}, data[:len(data)-1], append(append([]byte(nil), data...), 0)} {
		if _, err := c.Decode(bad); err == nil {
			t.Errorf("%d bytes decoded", len(bad))
		}
	}
	if _, err := c.Encode(&ShardState{Key: "g/0"}); err == nil {
		t.Error("encoded a shard state without learner")
	}
}

func FuzzShardCodec(f *testing.F) {
	shapes := map[string]Shape{"g": binaryShape(2)}
	st := learned(f, "g", "g/1", shapes["g"], 0)
	good, _ := publish(st, 1).AppendBinary(nil)
	f.Add(good)
	f.Add([]byte{1, 1, 'g', 3, 'g', '/', '1', 2})
	f.Add([]byte{})
	c := &ShardCodec{Shapes: shapes}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := c.Decode(data)
		if err != nil {
			return
		}
		again, err := c.Encode(v)
		if err != nil {
			t.Fatalf("decoded shard state does not encode: %v", err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("encode(decode(x)) != x")
		}
	})
}

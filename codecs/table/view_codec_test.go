package table

import (
	"errors"
	"testing"
)

// TestViewCodec: for the view codecs of states and registries, the same bytes give the same value without decoding
// again; new bytes of a key replace it; what does not decode is an
// *UndecodableState, not an error; the cache starts over past its bound.
func TestViewCodec(t *testing.T) {
	shapes := map[string]Shape{"m": binaryShape(1)}
	c := NewStateViewCodec(shapes, 0)
	enc := func(st *ModelState) []byte {
		b, err := st.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	decode := func(data []byte) any {
		v, err := c.Decode(data)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		return v
	}
	a5, a6, b5 := enc(learned(t, "m", "a", shapes["m"], 5)), enc(learned(t, "m", "a", shapes["m"], 6)), enc(learned(t, "m", "b", shapes["m"], 5))
	first := decode(a5).(*ModelState)
	if again := decode(append([]byte(nil), a5...)); again != first {
		t.Error("the same bytes were decoded again")
	}
	if other := decode(b5).(*ModelState); other == first || other.Key != "b" {
		t.Errorf("key b: %+v", other)
	}
	newer := decode(a6).(*ModelState)
	if newer == first || newer.Rows != 6 || c.view.len() != 2 {
		t.Errorf("newer state of a: rows %d, %d kept", newer.Rows, c.view.len())
	}
	if decode(a6) != newer {
		t.Error("the newer state was decoded again")
	}

	bad := append([]byte(nil), a5...)
	bad[len(bad)-1] ^= 0xff
	u, ok := decode(bad[:len(bad)-3]).(*UndecodableState)
	if !ok || u.Model != "m" || !errors.Is(u.Err, ErrStateCorrupt) {
		t.Errorf("corrupt state: %#v", decode(bad[:len(bad)-3]))
	}
	if u, ok := decode(enc(learned(t, "gone", "gone", shapes["m"], 1))).(*UndecodableState); !ok || u.Model != "gone" {
		t.Errorf("state of a model not in the shapes: %#v", u)
	}

	small := NewRegistryViewCodec(3 * len(a5))
	reg := &Registry{Model: "m", Key: "a", LastID: 1, Versions: []Version{{ID: 1, Rows: 5, State: a5}}}
	r1, _ := RegistryCodec{}.Encode(reg)
	v1, err := small.Decode(r1)
	if err != nil || v1.(*Registry).Latest().Rows != 5 {
		t.Fatalf("registry: %v %v", v1, err)
	}
	if v, _ := small.Decode(r1); v != v1 || small.view.len() != 1 {
		t.Error("the same registry was decoded again")
	}
	reg.Key = "b"
	r2, _ := RegistryCodec{}.Encode(reg)
	if _, err := small.Decode(r2); err != nil || small.view.len() != 1 {
		t.Errorf("past the bound: %d kept, %v", small.view.len(), err)
	}
}

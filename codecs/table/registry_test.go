package table

import (
	"bytes"
	"math"
	"slices"
	"testing"
)

func TestRegistryIDs(t *testing.T) {
	r := &Registry{}
	for _, id := range []int64{1, 3, 4, 5, 9} {
		r.Versions = append(r.Versions, Version{ID: id})
	}
	if got := r.IDs(); got != "1, 3-5, 9" {
		t.Errorf("IDs() = %q", got)
	}
	if got := (*Registry)(nil).IDs(); got != "none" {
		t.Errorf("IDs() of nil = %q", got)
	}
}

func TestRegistryCodecRoundTrip(t *testing.T) {
	reg := sampleRegistry(t)
	data, err := RegistryCodec{}.Encode(reg)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > reg.EncodedLen() {
		t.Errorf("encoded %d bytes, bound %d", len(data), reg.EncodedLen())
	}
	v, err := RegistryCodec{}.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	got := v.(*Registry)
	again, _ := RegistryCodec{}.Encode(got)
	if !bytes.Equal(data, again) {
		t.Fatal("encode(decode(x)) != x")
	}
	gv, wv := got.Versions[0], reg.Versions[0]
	if !gv.Time.Equal(wv.Time) || !gv.Pinned || !bytes.Equal(gv.State, wv.State) || !math.IsNaN(gv.Metrics[1].Value) ||
		got.Commands[0].ID != "x" || !got.Commands[0].OK || got.Commands[1].OK || got.SkipReason != "because" {
		t.Errorf("decoded %+v", got)
	}
	// The decoded registry owns its bytes.
	clear(data)
	if !bytes.Equal(got.Versions[0].State, wv.State) {
		t.Error("the decoded registry aliases its input")
	}
	if _, err := (RegistryCodec{}).Encode("x"); err == nil {
		t.Error("encoded a string")
	}
	for _, bad := range [][]byte{nil, {2}, again[:len(again)-1], append(slices.Clone(again), 0)} {
		if _, err := (RegistryCodec{}).Decode(bad); err == nil {
			t.Errorf("decoded %x", bad)
		}
	}
}

// FuzzRegistryCodec: decoding never panics, and what decodes re-encodes to
// bytes that decode to the same registry.
func FuzzRegistryCodec(f *testing.F) {
	good := sampleRegistry(f).AppendBinary(nil)
	f.Add(good)
	f.Add((&Registry{Model: "m", Key: "k"}).AppendBinary(nil))
	f.Add([]byte{})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 200, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := RegistryCodec{}.Decode(data)
		if err != nil {
			return
		}
		enc, err := RegistryCodec{}.Encode(v)
		if err != nil {
			t.Fatalf("decoded registry does not encode: %v", err)
		}
		v2, err := RegistryCodec{}.Decode(enc)
		if err != nil {
			t.Fatalf("re-encoded registry does not decode: %v", err)
		}
		enc2, _ := RegistryCodec{}.Encode(v2)
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("not canonical:\n%x\n%x", enc, enc2)
		}
	})
}

// TestRegistryFormatV1: registries written before versions carried their
// replacements (format 1) still decode, with none; format 2 keeps them.
func TestRegistryFormatV1(t *testing.T) {
	reg := &Registry{Model: "m", Key: "k", LastID: 1, Versions: []Version{{ID: 1, Rows: 10, State: []byte{1, 2}}}}
	data := reg.AppendBinary(nil)
	// Format 1: the same without the version's last field (0, one byte)
	// before the commands' count (0).
	v1 := append([]byte{registryFormatV1}, data[1:len(data)-2]...)
	v1 = append(v1, 0)
	var got Registry
	if err := got.UnmarshalBinary(v1); err != nil {
		t.Fatalf("format 1: %v", err)
	}
	if len(got.Versions) != 1 || got.Versions[0].Rows != 10 || got.Versions[0].Replacements != 0 {
		t.Fatalf("format 1 decoded %+v", got)
	}
	reg.Versions[0].Replacements = 3
	if err := got.UnmarshalBinary(reg.AppendBinary(nil)); err != nil || got.Versions[0].Replacements != 3 {
		t.Fatalf("format 2: %v, %+v", err, got.Versions)
	}
}

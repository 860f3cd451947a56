package table

import (
	"errors"
	"testing"
)

func TestServeState(t *testing.T) {
	for _, tt := range []struct {
		state   ServeState
		valid   bool
		version int64
	}{
		{"latest", true, 0}, {"pinned", true, 0}, {"7", true, 7}, {"0", false, 0}, {"-3", false, 0},
		{"newest", false, 0}, {"", false, 0}, {"1.5", false, 0},
	} {
		v, fixed := tt.state.Version()
		if tt.state.Valid() != tt.valid || v != tt.version || fixed != (tt.version > 0) {
			t.Errorf("%q: valid %v version %d %v", tt.state, tt.state.Valid(), v, fixed)
		}
	}
}

func TestParsePinCommand(t *testing.T) {
	c, err := ParsePinCommand([]byte(`{"op":"unpin","version":7}`))
	if err != nil || c.Op != OpUnpin || c.Version != 7 || c.ID != "" {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{`{"op":"pin"}`, `{"op":"pin","version":-1}`, `{"op":"PIN","version":1}`, `[`} {
		if _, err := ParsePinCommand([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
	if IsTick([]byte(`{"op":"pin","version":1}`)) || !IsTick(TickCommand) {
		t.Error("IsTick")
	}
}

// TestServingCodec: an override round-trips; a tombstone decodes to nil;
// what is not an override decodes to one with Err set, never an error.
func TestServingCodec(t *testing.T) {
	c := new(ServingCodec)
	b, err := c.Encode(&ServingOverride{Model: "m2", State: "3", ID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Decode(b)
	if o, ok := v.(*ServingOverride); err != nil || !ok || o.Model != "m2" || o.State != "3" || o.ID != "x" || o.Err != nil {
		t.Fatalf("%+v %v", v, err)
	}
	if v, err := c.Decode(nil); v != nil || err != nil {
		t.Errorf("tombstone: %v %v", v, err)
	}
	for _, bad := range []string{`{not json`, `{"state":"latest"}`, `{"model":"m","state":"newest"}`} {
		v, err := c.Decode([]byte(bad))
		if o, ok := v.(*ServingOverride); err != nil || !ok || o.Err == nil {
			t.Errorf("%s: %+v %v", bad, v, err)
		}
	}
	if _, err := c.Encode(42); err == nil || errors.Unwrap(err) != nil {
		t.Errorf("encode 42: %v", err)
	}
}

package drift

import (
	"bytes"
	"testing"

	"github.com/streamsgd/streamsgd/model"
)

// FuzzMonitorDecode: decoding arbitrary bytes never panics, and a monitor
// that decodes encodes to bytes that decode to the same monitor (the same
// encoding again).
func FuzzMonitorDecode(f *testing.F) {
	mc := binaryModel(f)
	for _, det := range []string{ADWIN, PageHinkley} {
		c := defaults(det)
		c.Background.Enabled = true
		mo := NewMonitor(c, mc)
		live, _ := model.New(mc)
		x, out := make([]float64, 18), []float64{0.2}
		for i := range 3000 {
			y := 0.0
			if i > 2000 {
				y = 1
			}
			if _, _, err := mo.Step(live, x, y, out, int64(i+1)); err != nil {
				f.Fatal(err)
			}
		}
		enc, err := mo.AppendBinary(nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, det := range []string{ADWIN, PageHinkley} {
			c := defaults(det)
			c.Background.Enabled = true
			mo := NewMonitor(c, mc)
			if mo.UnmarshalBinary(data) != nil {
				continue
			}
			enc, err := mo.AppendBinary(nil)
			if err != nil {
				t.Fatal(err)
			}
			again := NewMonitor(c, mc)
			if err := again.UnmarshalBinary(enc); err != nil {
				t.Fatalf("%s: re-encoded monitor does not decode: %v", det, err)
			}
			enc2, _ := again.AppendBinary(nil)
			if !bytes.Equal(enc, enc2) {
				t.Fatalf("%s: encode(decode(encode(x))) differs", det)
			}
		}
	})
}

// FuzzADWINDecode: a decoded ADWIN state goes on updating without
// panicking, and re-encodes to bytes that decode the same.
func FuzzADWINDecode(f *testing.F) {
	c := defaults(ADWIN)
	a := NewADWIN(c.ADWIN)
	for i := range 5000 {
		a.Update(float64(i%3) / 2)
	}
	f.Add(a.AppendBinary(nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewADWIN(c.ADWIN)
		if d.UnmarshalBinary(data) != nil {
			return
		}
		enc := d.AppendBinary(nil)
		again := NewADWIN(c.ADWIN)
		if err := again.UnmarshalBinary(enc); err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		if !bytes.Equal(enc, again.AppendBinary(nil)) {
			t.Fatal("encode(decode(encode(x))) differs")
		}
		for i := range 200 {
			d.Update(float64(i % 2))
		}
	})
}

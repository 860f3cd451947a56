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
